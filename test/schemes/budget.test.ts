import * as path from 'path';
import { analogCodec, analogFactory } from '../../baselines/analog/analog';
import { deepJsccCodec, deepJsccFactory } from '../../baselines/deep-jscc/deep-jscc';
import { bpgLdpcFactory } from '../../baselines/bpg-ldpc/bpg-ldpc';
import { createImage, loadImage, type RgbImage } from '../../bench/image';
import { isUserError } from '../../bench/errors';
import { modelEntry } from '../../bench/models/registry';
import { DEFAULT_SEGMENTER } from '../../bench/models/segmenter';
import { cachedModelPath } from '../../bench/models/store';
import { multiScFactory, singleTextFactory, vlmCscFactory } from '../../bench/multi-sc/semantic-scheme';
import { linkSymbols } from '../../bench/phy/bit-link';
import { parseLdpcSpec } from '../../bench/phy/ldpc/codes';
import { modulationFromName } from '../../bench/phy/modulation';
import { rngFor } from '../../bench/phy/rng';
import { largestSizeWithin } from '../../bench/schemes/analog-image-codec';
import { budgetFolderName, parseBudget, parseBudgetList, symbolCap, type BandwidthBudget } from '../../bench/schemes/bandwidth-ratio';
import type { Scheme } from '../../bench/schemes/scheme';
import { describeWith, fileRequirement, KODAK_DIR, SHARED_MODELS } from '../requirements';

/** `--budget k/n`: parsing, the downscaling that meets it, and each scheme held to ⌊k/n·H·W·3⌋. */
const ctx = (snrDb: number, scheme: string) => ({
  snrDb,
  seed: 0,
  rng: (stream: string) => rngFor({ dataset: 't', image: 'budget', scheme, snrDb, seed: 0, stream }),
});

function oddImage(width: number, height: number): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37 + (i >> 7)) % 251;
  return img;
}

async function sent(scheme: Scheme, image: RgbImage, snrDb = 9) {
  return scheme.transmit(await scheme.prepare(image), ctx(snrDb, scheme.name));
}

describe('parsing and the symbol cap', () => {
  test('a fraction or a decimal; a list sorted, a repeated ratio refused', () => {
    expect(parseBudget(' 1 / 12 ')).toEqual({ ratio: 1 / 12, text: '1/12' });
    expect(parseBudget('0.25').ratio).toBe(0.25);
    expect(parseBudgetList('1/6,1/24,1/12').map((b) => b.text)).toEqual(['1/24', '1/12', '1/6']);
    expect(() => parseBudgetList('1/4,0.25')).toThrow(/^--budget 1\/4,0.25: 1\/4 and 0.25 are the same ratio/);
    expect(() => parseBudgetList('1/4,')).toThrow(/empty entry/);
    for (const bad of ['0', '2', 'x', '1/0']) expect(() => parseBudget(bad)).toThrow(/^--budget .* is not a bandwidth ratio/);
    expect(budgetFolderName(parseBudget('1/12'))).toBe('budget-1_12');
  });

  test('⌊k/n·H·W·3⌋, exact at products that are whole numbers', () => {
    expect(symbolCap(1 / 6, 768, 512)).toBe(196608);
    expect(symbolCap(1 / 2, 201, 181)).toBe(54571);
    expect(symbolCap(1 / 12, 201, 181)).toBe(9095);
  });

  test('the largest size within a cap keeps the aspect and counts deep JSCC\'s padding to multiples of 4', () => {
    const jscc = (w: number, h: number) => 8 * Math.ceil(w / 4) * Math.ceil(h / 4);
    const size = largestSizeWithin(jscc, 201, 181, 4000)!;
    expect(jscc(size.width, size.height)).toBeLessThanOrEqual(4000);
    expect(jscc(size.width, size.height)).toBeGreaterThan(0.9 * 4000);
    expect(Math.abs(size.width / size.height - 201 / 181)).toBeLessThan(0.05);
    expect(largestSizeWithin(jscc, 201, 181, 7)).toBeNull();
    expect(largestSizeWithin(jscc, 201, 181, 1e9)).toEqual({ width: 201, height: 181 });
  });

  test('linkSymbols is what a link spends: ⌈bits/m⌉ uncoded, whole codewords coded', () => {
    expect(linkSymbols(10, { modulation: modulationFromName('qpsk'), code: null })).toBe(5);
    expect(linkSymbols(11, { modulation: modulationFromName('16qam'), code: null })).toBe(3);
    const code = parseLdpcSpec('nr:1536:4608');
    expect(linkSymbols(1537, { modulation: modulationFromName('qpsk'), code })).toBe((2 * 4608) / 2);
  });
});

describe('analog and BPG-LDPC within a budget', () => {
  const image = oddImage(201, 181);
  const budget = (text: string): { budget: BandwidthBudget } => ({ budget: parseBudget(text) });

  test('analog at 1/2 on an odd number of values drops a row or column to stay within', async () => {
    const r = await sent(analogFactory.create({}, budget('1/2')), image, 30);
    expect(r.channelSymbols).toBeLessThanOrEqual(54571);
    expect(r.channelSymbols).toBeGreaterThan(0.99 * 54571);
    expect([r.reconstruction.width, r.reconstruction.height]).toEqual([201, 181]);
    // Without a budget it sends every value, the last symbol's Q empty: ⌈n/2⌉ > n/2.
    expect((await sent(analogFactory.create({}), image)).channelSymbols).toBe(Math.ceil((201 * 181 * 3) / 2));
    expect(analogFactory.create({}, budget('1/12')).config).toEqual({ receiver: 'mmse', budget: '1/12' });
  });

  test('analog at 1/12 sends a downscaled image within the cap, upscaled back', async () => {
    const r = await sent(analogFactory.create({}, budget('1/12')), image, 30);
    expect(r.channelSymbols).toBeLessThanOrEqual(9095);
    expect(r.channelSymbols).toBeGreaterThan(0.95 * 9095);
    expect([r.reconstruction.width, r.reconstruction.height]).toEqual([201, 181]);
  });

  test('a budget no 1×1 image fits is one user error', async () => {
    const scheme = analogFactory.create({}, budget('1e-6'));
    let err: unknown;
    await scheme.prepare(image).catch((e) => (err = e));
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toBe('analog cannot send a 201×181 image within 0 channel symbols: not even a 1×1 image fits; raise --budget');
  });

  test('BPG-LDPC takes the budget as its ratio (the same config as --bpg-ratio, so the same cache)', () => {
    const a = bpgLdpcFactory.create({ 'bpg-mcs': '1/2:qpsk', 'bpg-cache': 'off' }, budget('1/12'));
    const b = bpgLdpcFactory.create({ 'bpg-mcs': '1/2:qpsk', 'bpg-cache': 'off', 'bpg-ratio': '1/12' });
    expect(a.config).toEqual(b.config);
    expect(a.config.ratio).toBe('1/12');
  });

  test('analog codec symbols: two values per symbol', () => {
    expect(analogCodec('mmse').symbolsFor(201, 181)).toBe(54572);
  });
});

const segmenterFile = cachedModelPath(modelEntry(DEFAULT_SEGMENTER), {});
const kodak23 = path.join(KODAK_DIR, 'kodim23.png');
describeWith(
  fileRequirement('the Kodak24 offline copy (kodim23)', kodak23, 'set MULTISC_DATA_DIR to the folder that holds kodak24/'),
  fileRequirement('the IS-Net segmenter', segmenterFile, 'run "npm run models -- fetch isnet-general"'),
  fileRequirement('the YOLOX-Nano detector', path.join(SHARED_MODELS, 'yolox-nano-coco', 'yolox_nano.onnx'), 'set MULTISC_MODELS_DIR to the offline models folder'),
)('deep JSCC and the semantic schemes within a budget (kodim23)', () => {
  let image: RgbImage;
  beforeAll(async () => {
    image = await loadImage(kodak23);
  });
  const at = (text: string) => ({ budget: parseBudget(text) });

  test('deep JSCC: below c/96 a downscaled image within the cap, above it c/96 (under the budget)', async () => {
    const small = await sent(deepJsccFactory.create({}, at('1/24')), image);
    expect(small.channelSymbols).toBeLessThanOrEqual(symbolCap(1 / 24, 768, 512));
    expect(small.channelSymbols).toBeGreaterThan(0.95 * symbolCap(1 / 24, 768, 512));
    expect([small.reconstruction.width, small.reconstruction.height]).toEqual([768, 512]);
    const large = await sent(deepJsccFactory.create({}, at('1/3')), image);
    expect(large.channelSymbols).toBe(deepJsccCodec('c16-snr19').symbolsFor(768, 512));
    expect(large.channelSymbols).toBe(196608);
  });

  test('Multi-SC: the slice gets what the captions and side information leave, downscaled to fit', async () => {
    const free = multiScFactory.create({});
    const full = await sent(free, image);
    expect(full.detail).toBe('slice=pasted');
    // A budget between the text alone and the whole slice: the slice shrinks, the total fits.
    const budgetSymbols = Math.round(full.channelSymbols / 4);
    const text = `${budgetSymbols}/${768 * 512 * 3}`;
    const r = await sent(multiScFactory.create({}, at(text)), image);
    expect(r.detail).toBe('slice=pasted');
    expect(r.channelSymbols).toBeLessThanOrEqual(budgetSymbols);
    expect(r.channelSymbols).toBeGreaterThan(0.97 * budgetSymbols);
    expect(r.texts).toEqual(full.texts);
    expect(multiScFactory.create({}, at(text)).config.budget).toBe(text);
    // Without --budget the config has no budget field: earlier runs still resume.
    expect('budget' in free.config).toBe(false);
  });

  test('a budget below the captions is one user error naming the image, the need and the cap', async () => {
    for (const factory of [vlmCscFactory, singleTextFactory]) {
      const scheme = factory.create({}, at('1/100000'));
      let err: unknown;
      await scheme.prepare(image, { dataset: 'kodak24', id: 'kodim23', path: kodak23 }).catch((e) => (err = e));
      expect(isUserError(err)).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`^${factory.name} cannot meet --budget 1/100000 on kodim23: its captions \\(bpsk, none\\) take \\d+ channel symbols, the budget allows 11; raise --budget to at least \\d+/1179648 or leave ${factory.name} out$`));
    }
  });
});
