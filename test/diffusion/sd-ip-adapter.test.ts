import * as path from 'path';
import { clipTokenIds, createSdGenerator, generationSize, SD_DEFAULTS } from '../../bench/diffusion/sd-ip-adapter';
import { createImage, type RgbImage } from '../../bench/image';
import { rngFromText } from '../../bench/phy/rng';

/**
 * SD 1.5 + IP-Adapter's pipeline on the tiny same-I/O fixtures (tools/fixtures/make_paper_tiny.py):
 * the mechanics, not the pictures: sizes, determinism from the cell's stream, and that the prompt,
 * the image prompt and λ each reach the UNet (λ = 0 is exactly text-to-image).
 */
const opts = { modelsDir: path.join(__dirname, '..', 'fixtures', 'paper-tiny') };
const settings = { ...SD_DEFAULTS, steps: 6 };

function slice(rgb: [number, number, number]): { image: RgbImage; mask: Uint8Array } {
  const image = createImage(40, 30);
  for (let i = 0; i < 40 * 30; i++) image.data.set(rgb, 3 * i);
  return { image, mask: new Uint8Array(40 * 30).fill(1) };
}
const same = (a: RgbImage, b: RgbImage) => a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));

test('generation size: shorter side 512, sides multiples of 64', () => {
  expect(generationSize(768, 512)).toEqual({ width: 768, height: 512 });
  expect(generationSize(500, 375)).toEqual({ width: 704, height: 512 });
  expect(generationSize(320, 480)).toEqual({ width: 512, height: 768 });
});

test('CLIP token ids: start, the text cut to 75, end, padding to 77', () => {
  expect(clipTokenIds([0, 5, 6, 1], 0, 1, 1, 6)).toEqual([0, 5, 6, 1, 1, 1]);
  const long = clipTokenIds([0, ...Array(100).fill(7), 1], 0, 1, 1);
  expect(long).toHaveLength(77);
  expect(long[0]).toBe(0);
  expect(long[76]).toBe(1);
  expect(long.filter((t) => t === 7)).toHaveLength(75);
});

describe('the pipeline on fixtures', () => {
  test('deterministic from the cell stream; the prompt, the image prompt and λ each change the image; λ = 0 is text-to-image', async () => {
    const g = await createSdGenerator(opts, settings);
    expect(g.signature).toMatch(/^sd15\+ip-adapter:unet=[0-9a-f]{12}\|sampler=ddim\|steps=6\|cfg=7\.5\|size=short512\/64\|vae=0\.18215\|out=lanczos3$/);
    const run = (prompt: string, p: ReturnType<typeof slice> | null, lambda: number, seed = 's') => g.generate(prompt, p, lambda, 100, 70, rngFromText(seed));
    const base = await run('the red car', slice([200, 20, 20]), 1);
    expect([base.width, base.height]).toEqual([100, 70]);
    expect(same(base, await run('the red car', slice([200, 20, 20]), 1))).toBe(true);
    expect(same(base, await run('the red car', slice([200, 20, 20]), 1, 'other seed'))).toBe(false);
    expect(same(base, await run('a blue sky', slice([200, 20, 20]), 1))).toBe(false);
    expect(same(base, await run('the red car', slice([20, 20, 200]), 1))).toBe(false);
    expect(same(base, await run('the red car', slice([200, 20, 20]), 0.5))).toBe(false);
    expect(same(await run('the red car', slice([200, 20, 20]), 0), await run('the red car', null, 1))).toBe(true);
  });

  test('Euler runs too, and settings outside the samplers\' range are one line', async () => {
    const g = await createSdGenerator(opts, { ...settings, sampler: 'euler' });
    expect((await g.generate('a tree', null, 1, 64, 64, rngFromText('e'))).width).toBe(64);
    await expect(createSdGenerator(opts, { ...settings, steps: 0 })).rejects.toThrow(/^--sd-steps 0: use 1…1000$/);
    await expect(createSdGenerator(opts, { ...settings, guidance: 0.5 })).rejects.toThrow(/^--guidance 0.5: use 1 or more/);
  });
});
