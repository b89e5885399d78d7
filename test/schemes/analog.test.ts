import { analogCodec, analogDecode, analogEncode, analogFactory } from '../../baselines/analog/analog';
import { largestSizeWithin } from '../../bench/schemes/analog-image-codec';
import { UserError } from '../../bench/errors';
import { createImage, type RgbImage } from '../../bench/image';
import { psnr } from '../../bench/metrics/psnr';
import { meanSymbolEnergy } from '../../bench/phy/complex';
import { rngFor, rngFromText } from '../../bench/phy/rng';
import type { Scheme } from '../../bench/schemes/scheme';

function randomImage(w: number, h: number): RgbImage {
  const r = rngFromText(`img${w}x${h}`);
  const img = createImage(w, h);
  // A smooth gradient plus noise: realistic first and second moments.
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) img.data[(y * w + x) * 3 + c] = Math.min(255, Math.floor((x + y + c * 40) % 200) + r.int(50));
  return img;
}

const ctx = (snrDb: number) => ({
  snrDb,
  seed: 0,
  rng: (stream: string) => rngFor({ dataset: 't', image: 'i', scheme: 'analog', snrDb, seed: 0, stream }),
});

describe('analog scheme', () => {
  const img = randomImage(33, 17); // 33·17·3 = 1683 values: odd, so the last Q is padding

  test('symbols: two values per complex symbol, unit energy, k/n = 1/2', () => {
    const p = analogEncode(img);
    expect(p.symbols.length / 2).toBe(Math.ceil(1683 / 2));
    expect(meanSymbolEnergy(p.symbols)).toBeCloseTo(1, 5);
  });

  test('a noiseless channel returns the image exactly (zf)', () => {
    const p = analogEncode(img);
    expect(analogDecode(p, p.symbols, 300, 'zf').data).toEqual(img.data);
  });

  test('PSNR rises with SNR and follows the analog bound for zf', async () => {
    const scheme = analogFactory.create({ 'analog-rx': 'zf' }) as Scheme;
    const p = await scheme.prepare(img);
    const values: number[] = [];
    for (const snr of [0, 10, 20, 30]) {
      const res = await scheme.transmit(p, ctx(snr));
      expect(res.channelSymbols).toBe(842);
      expect(res.bitsSent).toBeNull();
      values.push(psnr(img, res.reconstruction));
    }
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1] + 5);
    // zf error per value = noise/g with per-component variance N0/2: MSE(0..255) = 127.5²·N0/(2g²).
    const { gain } = analogEncode(img).state;
    const expected = 10 * Math.log10((255 * 255) / ((127.5 ** 2 * 0.01) / (2 * gain * gain)));
    expect(Math.abs(values[2] - expected)).toBeLessThan(0.5);
  });

  test('LMMSE beats plain scaling at low SNR', async () => {
    const mmse = analogFactory.create({ 'analog-rx': 'mmse' });
    const zf = analogFactory.create({ 'analog-rx': 'zf' });
    const pm = await mmse.prepare(img);
    const pz = await zf.prepare(img);
    const a = psnr(img, (await mmse.transmit(pm, ctx(0))).reconstruction);
    const b = psnr(img, (await zf.transmit(pz, ctx(0))).reconstruction);
    expect(a).toBeGreaterThan(b);
  });

  test('an unknown receiver is a UserError', () => {
    expect(() => analogFactory.create({ 'analog-rx': 'ml' })).toThrow(UserError);
  });
});

describe('analog at a smaller bandwidth ratio (--analog-ratio)', () => {
  const img = randomImage(96, 64);

  test('sends a downscaled image: k/n within 1% under the asked ratio, the full size back', async () => {
    const symbols = analogCodec('mmse').symbolsFor;
    expect(largestSizeWithin(symbols, 768, 512, 768 * 512 * 1.5)).toEqual({ width: 768, height: 512 });
    // 443×296 (rounded) would spend 196 692 > 196 608 symbols; 444×295 spends 196 470.
    expect(largestSizeWithin(symbols, 768, 512, 196608)).toEqual({ width: 444, height: 295 });
    expect(largestSizeWithin(symbols, 768, 512, 1)).toBeNull();
    expect(largestSizeWithin(symbols, 768, 512, 2)).toEqual({ width: 1, height: 1 });
    const scheme = analogFactory.create({ 'analog-ratio': '1/6' });
    expect(scheme.config).toEqual({ receiver: 'mmse', ratio: '1/6' });
    expect(analogFactory.create({}).config).toEqual({ receiver: 'mmse' });
    const p = await scheme.prepare(img);
    const res = await scheme.transmit(p, ctx(30));
    expect(res.channelSymbols).toBeLessThanOrEqual((96 * 64 * 3) / 6);
    expect(res.channelSymbols).toBeGreaterThan(0.96 * ((96 * 64 * 3) / 6));
    expect([res.reconstruction.width, res.reconstruction.height]).toEqual([96, 64]);
  });

  test('at high SNR it is limited by the resampling, not the channel; ratio 1/2 is not', async () => {
    const sixth = analogFactory.create({ 'analog-ratio': '1/6' });
    const half = analogFactory.create({});
    const ps = await sixth.prepare(img);
    const ph = await half.prepare(img);
    const at = async (s: Scheme, p: unknown, snr: number) => psnr(img, (await s.transmit(p, ctx(snr))).reconstruction);
    expect((await at(sixth, ps, 60)) - (await at(sixth, ps, 40))).toBeLessThan(0.1);
    expect((await at(half, ph, 60)) - (await at(half, ph, 40))).toBeGreaterThan(5);
  });

  test('a ratio above 1/2 or malformed is one user error', () => {
    for (const bad of ['1/1', '0.6', 'half', '0']) expect(() => analogFactory.create({ 'analog-ratio': bad })).toThrow(/^--analog-ratio .* is not a bandwidth ratio/);
  });
});
