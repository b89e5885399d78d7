import * as fs from 'fs';
import * as path from 'path';
import { createImage, loadImage, RgbImage } from '../../bench/image';
import { isUserError } from '../../bench/errors';
import { psnr, PSNR_SIGNATURE } from '../../bench/metrics/psnr';
import { msSsim, msSsimFrom, MS_SSIM_SIGNATURE, ssim, ssimSource } from '../../bench/metrics/ms-ssim';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'metrics');

interface ReferencePair {
  reference: string;
  distorted: string;
  psnr: number;
  ssim: number;
  ms_ssim: number;
}

const reference: { pairs: ReferencePair[] } = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8'));
const cache = new Map<string, Promise<RgbImage>>();
function fixture(name: string): Promise<RgbImage> {
  if (!cache.has(name)) cache.set(name, loadImage(path.join(FIXTURES, name)));
  return cache.get(name)!;
}

/** Standard normal values from a seeded mulberry32 + Box-Muller. */
function normals(n: number, seed: number): Float64Array {
  // Locals, not globals: jest's sandbox makes every global lookup in a hot loop slow.
  const { sqrt, log, cos, PI } = Math;
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = sqrt(-2 * log(uniform())) * cos(2 * PI * uniform());
  return out;
}

function withNoise(img: RgbImage, noise: Float64Array, sigma: number): RgbImage {
  const clamped = new Uint8ClampedArray(img.data.length); // rounds and clips to 0..255
  for (let i = 0; i < clamped.length; i++) clamped[i] = img.data[i] + sigma * noise[i];
  return createImage(img.width, img.height, new Uint8Array(clamped.buffer));
}

function expectUserError(f: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(isUserError(caught)).toBe(true);
  expect((caught as Error).message).toMatch(message);
}

describe('PSNR / SSIM / MS-SSIM against the Python reference (test/fixtures/metrics/make_reference.py)', () => {
  test.each(reference.pairs.map((p) => [`${p.reference} vs ${p.distorted}`, p] as const))('%s', async (_name, pair) => {
    const a = await fixture(pair.reference);
    const b = await fixture(pair.distorted);
    // README: "match skimage / an independent numpy implementation to < 1e-14" (measured: PSNR 0,
    // SSIM ≤ 3.3e-15, MS-SSIM ≤ 3.6e-15 on these pairs).
    expect(Math.abs(psnr(a, b) - pair.psnr)).toBeLessThan(1e-14);
    expect(Math.abs(ssim(a, b) - pair.ssim)).toBeLessThan(1e-14);
    expect(Math.abs(msSsim(a, b) - pair.ms_ssim)).toBeLessThan(1e-14);
  });

  test('one source side (ssimSource) serves every reconstruction of its image, with the same bits as each pair', async () => {
    const byReference = new Map<string, (typeof reference.pairs)[number][]>();
    for (const p of reference.pairs) byReference.set(p.reference, [...(byReference.get(p.reference) ?? []), p]);
    for (const [ref, pairs] of byReference) {
      const a = await fixture(ref);
      const src = ssimSource(a);
      for (const pair of pairs) {
        const b = await fixture(pair.distorted);
        expect(msSsimFrom(src, b)).toBe(msSsim(a, b));
        expect(Math.abs(msSsimFrom(src, b) - pair.ms_ssim)).toBeLessThan(1e-14);
      }
    }
  });
});

describe('properties', () => {
  test('an image against itself scores perfectly', async () => {
    const a = await fixture('kodim23_crop.png');
    expect(psnr(a, a)).toBe(Infinity);
    expect(ssim(a, a)).toBe(1);
    expect(msSsim(a, a)).toBe(1);
  });

  test('symmetric in its two arguments', async () => {
    const a = await fixture('kodim01_crop.png');
    const b = await fixture('kodim01_blur.png');
    expect(psnr(b, a)).toBe(psnr(a, b));
    expect(ssim(b, a)).toBe(ssim(a, b));
    expect(msSsim(b, a)).toBe(msSsim(a, b));
  });

  test('MS-SSIM and PSNR fall as noise grows', async () => {
    const a = await fixture('kodim01_crop.png');
    const noise = normals(a.data.length, 7);
    const noisy = [2, 4, 8, 16, 32, 64].map((sigma) => withNoise(a, noise, sigma));
    const ms = noisy.map((b) => msSsim(a, b));
    const db = noisy.map((b) => psnr(a, b));
    for (let i = 1; i < noisy.length; i++) {
      expect(ms[i]).toBeLessThan(ms[i - 1]);
      expect(db[i]).toBeLessThan(db[i - 1]);
    }
    expect(ms[0]).toBeLessThan(1);
    expect(ms[ms.length - 1]).toBeGreaterThan(0);
  });

  test('a negative contrast-structure mean is clamped to 0, so an inverted image scores 0', async () => {
    const a = await fixture('kodim01_crop.png');
    const inverted = createImage(a.width, a.height, a.data.map((v) => 255 - v));
    expect(ssim(a, inverted)).toBeLessThan(0); // single-scale SSIM is left unclamped
    expect(msSsim(a, inverted)).toBe(0);
  });
});

describe('bad input', () => {
  test('a size mismatch is a UserError naming both sizes', async () => {
    const a = await fixture('kodim01_crop.png');
    const b = await fixture('kodim23_crop.png');
    expectUserError(() => psnr(a, b), /256x192.*249x185/);
    expectUserError(() => ssim(a, b), /256x192.*249x185/);
    expectUserError(() => msSsim(a, b), /256x192.*249x185/);
    expectUserError(() => msSsimFrom(ssimSource(a), b), /256x192.*249x185/);
    expect(() => msSsimFrom(ssimSource(a, 1), a)).toThrow(/5 scales/);
  });

  test('MS-SSIM needs 176 px on the smaller side', () => {
    const small = createImage(300, 175);
    expectUserError(() => msSsim(small, small), /176 px.*300x175/);
    const enough = createImage(176, 176);
    expect(msSsim(enough, enough)).toBe(1);
    expectUserError(() => ssim(createImage(10, 40), createImage(10, 40)), /11x11.*10x40/);
  });
});

test('signatures', () => {
  expect(PSNR_SIGNATURE).toBe('psnr:range=255|channels=rgb|mse=mean');
  expect(MS_SSIM_SIGNATURE).toBe(
    'ms-ssim:win=gauss11|sigma=1.5|k1=0.01|k2=0.03|scales=5|weights=wang2003|pool=avg2|channels=rgb-mean|pad=valid|clamp=relu',
  );
});
