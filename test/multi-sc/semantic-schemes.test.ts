import * as path from 'path';
import { loadImage, type RgbImage } from '../../bench/image';
import { ImageScorer, type ScoredSource } from '../../bench/metrics/score';
import { modelEntry } from '../../bench/models/registry';
import { DEFAULT_DETECTOR } from '../../bench/models/detector';
import { DEFAULT_SEGMENTER } from '../../bench/models/segmenter';
import { cachedModelPath } from '../../bench/models/store';
import { parseCaption } from '../../bench/multi-sc/lite/caption-grammar';
import { renderImageFromBlocks } from '../../bench/multi-sc/lite/layout-renderer';
import { rngFor } from '../../bench/phy/rng';
import { schemeFactory } from '../../bench/schemes/registry';
import type { Scheme, SchemeOptions, TransmitResult } from '../../bench/schemes/scheme';
import { describeWith, fileRequirement, KODAK_DIR, kodakRequirement, SHARED_MODELS } from '../requirements';

/**
 * The three semantic schemes (lite profile, default options) end to end on real Kodak images:
 * created from their factories, prepared once per image and scheme, sent as a sweep cell sends
 * them (bench/sweep/image-task.ts: rngFor keyed by dataset, image, scheme, SNR, seed, stream)
 * and scored with the offline metric models.
 *
 * Images: kodim03 (caps), kodim19 (lighthouse), kodim23 (parrots) have a main object whose box is
 * smaller than the frame (kodim05's box is the whole frame, so its slice covers everything and
 * Multi-SC ties single-text there); kodim01 has an empty mask: "no main object".
 */
const DATASET = 'kodak24';
const SEED = 1;
const OBJECT_IMAGES = ['kodim03', 'kodim19', 'kodim23'] as const;
const EMPTY_IMAGE = 'kodim01';
const ALL_IMAGES = [...OBJECT_IMAGES, EMPTY_IMAGE];
const SNRS = [-3, 3, 9, 21] as const;
const BLEU_IMAGES = ['kodim19', EMPTY_IMAGE];
/** Far below the side information's working range: 5-fold repeated BPSK has a majority-vote bit
 * error rate of about 0.26 here, so the 32 bits of the box's size all arrive right with
 * probability ≈ 0.74³² ≈ 6e-5; the cells below are deterministic (fixed seed), and drop. */
const DROP_SNR = -10;
const NAMES = ['multi-sc', 'single-text', 'vlm-csc'] as const;
type Name = (typeof NAMES)[number];

/** What this test reads of a semantic scheme's prepared data (SemanticPrepared, not exported). */
interface Prepared {
  width: number;
  height: number;
  captions: string[];
  slice: { box: { x: number; y: number; width: number; height: number } } | null;
}

/** The lite captioner's colour grid (--cell-grid default) and the block grids of the schemes. */
const CELL_GRID = { rows: 3, cols: 3 };
const BLOCKS: Record<Name, { rows: number; cols: number }> = { 'multi-sc': { rows: 2, cols: 2 }, 'single-text': { rows: 1, cols: 1 }, 'vlm-csc': { rows: 1, cols: 1 } };

/** Expected channel use, computed here from the definitions (README "Schemes", text-link.ts). */
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** Each caption: its UTF-8 bits, MSB first, uncoded, `bitsPerSymbol` to a symbol (last one padded). */
const textSymbols = (captions: string[], bitsPerSymbol = 1) => captions.reduce((n, c) => n + Math.ceil((8 * utf8Bytes(c)) / bitsPerSymbol), 0);
const textBits = (captions: string[]) => captions.reduce((n, c) => n + 8 * utf8Bytes(c), 0);
/** Side information on BPSK: the box, 4 × 16 bits × 5 repetitions; the mask, 8× downsampled per side, × 3. */
const sideSymbols = (box: { width: number; height: number }) => 4 * 16 * 5 + 3 * Math.ceil(box.width / 8) * Math.ceil(box.height / 8);
/** The analog slice: the box crop's 3·w·h values, two per complex symbol. */
const sliceSymbols = (box: { width: number; height: number }) => Math.ceil((3 * box.width * box.height) / 2);

const sameImage = (a: RgbImage, b: RgbImage) => a.width === b.width && a.height === b.height && Buffer.from(a.data).equals(Buffer.from(b.data));
const textOnlyRender = (texts: string[], blocks: { rows: number; cols: number }, width: number, height: number) =>
  renderImageFromBlocks(texts.map((t) => parseCaption(t, CELL_GRID)), blocks, width, height);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The models files are read from SHARED_MODELS (offline copies) and the cache (IS-Net). */
const session = { modelsDir: SHARED_MODELS };
const requirements = [
  kodakRequirement(),
  fileRequirement(`the ${DEFAULT_SEGMENTER} model in the cache`, cachedModelPath(modelEntry(DEFAULT_SEGMENTER), {}), `run "npm run models -- fetch ${DEFAULT_SEGMENTER}"`),
  fileRequirement(`the ${DEFAULT_DETECTOR} model`, path.join(SHARED_MODELS, 'yolox-nano-coco', 'yolox_nano.onnx'), 'set MULTISC_MODELS_DIR to the offline models folder'),
  fileRequirement('the lpips-squeeze-caffe model', path.join(SHARED_MODELS, 'lpips-squeeze-caffe', 'lpips_squeeze_caffe.onnx'), 'set MULTISC_MODELS_DIR to the offline models folder'),
  fileRequirement('the squeezenet11-caffe-embed model', path.join(SHARED_MODELS, 'squeezenet11-caffe-embed', 'squeezenet11_caffe_embed.onnx'), 'set MULTISC_MODELS_DIR to the offline models folder'),
];

describeWith(...requirements)('semantic schemes on Kodak (lite, default options)', () => {
  const create = (name: Name, options: SchemeOptions = {}) => schemeFactory(name).create(options, { session });
  /**
   * Extra instances with other options. Each instance builds its own SymSpell corrector on first
   * use (seconds, and more under jest), so those that only need to compare images or counts use
   * `--corrector none`; below 21 dB such a pair sees the same received text (same cell, same
   * noise), and at 21 dB nothing needs correcting.
   */
  const createUncorrected = (name: Name, options: SchemeOptions = {}) => create(name, { ...options, corrector: 'none' });
  let schemes: Record<Name, Scheme>;
  /** Without the corrector: λ = 1 (`plain`) and λ = 0 (`textOnly`). */
  let uncorrected: Record<'multi-sc' | 'single-text', { plain: Scheme; textOnly: Scheme }>;
  let scorer: ImageScorer;
  let bleuScorer: ImageScorer;
  const sources = new Map<string, { image: RgbImage; scored: ScoredSource }>();
  const prepared = new Map<string, Prepared>();
  const sent = new WeakMap<Scheme, Map<string, TransmitResult>>();

  const prep = (name: Name, id: string) => {
    const p = prepared.get(`${name}|${id}`);
    if (!p) throw new Error(`${name} did not prepare ${id}`);
    return p;
  };

  /** One cell, keyed as a sweep keys it; `scheme` may be another instance of the same name. */
  const transmit = async (name: Name, id: string, snrDb: number, scheme: Scheme = schemes[name]) => {
    expect(scheme.name).toBe(name);
    const key = `${id}|${snrDb}`;
    let memo = sent.get(scheme);
    if (!memo) sent.set(scheme, (memo = new Map()));
    const known = memo.get(key);
    if (known) return known;
    const r = await scheme.transmit(prep(name, id), {
      snrDb,
      seed: SEED,
      rng: (stream) => rngFor({ dataset: DATASET, image: id, scheme: name, snrDb, seed: SEED, stream }),
    });
    memo.set(key, r);
    return r;
  };

  beforeAll(async () => {
    schemes = { 'multi-sc': create('multi-sc'), 'single-text': create('single-text'), 'vlm-csc': create('vlm-csc') };
    uncorrected = {
      'multi-sc': { plain: createUncorrected('multi-sc'), textOnly: createUncorrected('multi-sc', { 'ip-weight': 0 }) },
      'single-text': { plain: createUncorrected('single-text'), textOnly: createUncorrected('single-text', { 'ip-weight': 0 }) },
    };
    scorer = await ImageScorer.create({ metrics: ['lpips', 'cosine', 'bleu'], metricModels: 'offline', session });
    bleuScorer = await ImageScorer.create({ metrics: ['bleu'], metricModels: 'offline', session });
    for (const id of ALL_IMAGES) {
      const image = await loadImage(path.join(KODAK_DIR, `${id}.png`));
      sources.set(id, { image, scored: await scorer.prepareSource(image) });
      // Multi-SC segments first; single-text then reads the segmentation from the disk cache.
      for (const name of NAMES) prepared.set(`${name}|${id}`, (await schemes[name].prepare(image)) as Prepared);
    }
  }, 180_000);

  test('the prepared data: a slice for the object images, none for kodim01 and none ever for VLM-CSC', () => {
    for (const id of OBJECT_IMAGES) {
      for (const name of ['multi-sc', 'single-text'] as const) {
        const box = prep(name, id).slice?.box;
        expect(box).toBeDefined();
        if (!box) continue;
        // A proper part of the frame (kodim05's whole-frame box was left out on purpose).
        expect(box.width * box.height).toBeLessThan(768 * 512);
        expect(box.x + box.width).toBeLessThanOrEqual(prep(name, id).width);
        expect(box.y + box.height).toBeLessThanOrEqual(prep(name, id).height);
      }
      expect(prep('single-text', id).slice?.box).toEqual(prep('multi-sc', id).slice?.box);
    }
    for (const name of NAMES) expect(prep(name, EMPTY_IMAGE).slice).toBeNull();
    for (const id of ALL_IMAGES) expect(prep('vlm-csc', id).slice).toBeNull();
    for (const id of ALL_IMAGES) {
      expect(prep('multi-sc', id).captions).toHaveLength(4);
      expect(prep('single-text', id).captions).toHaveLength(1);
      expect(prep('vlm-csc', id).captions).toHaveLength(1);
    }
  });

  /**
   * Measured (seed 1, offline models), LPIPS / cosine at 21 dB:
   *   kodim03  Multi-SC 0.3804 / 0.8324   single-text 0.4060 / 0.8178   VLM-CSC 0.6433 / 0.1798
   *   kodim19           0.4911 / 0.7839               0.5131 / 0.7633            0.5855 / 0.2024
   *   kodim23           0.2387 / 0.9660               0.2678 / 0.9485            0.6390 / 0.1796
   *   mean              0.3701 / 0.8608               0.3956 / 0.8432            0.6226 / 0.1873
   * Margins of the means: LPIPS single-text − Multi-SC 0.026, VLM-CSC − single-text 0.227;
   * cosine Multi-SC − single-text 0.018, single-text − VLM-CSC 0.656.
   */
  test('21 dB: mean LPIPS Multi-SC < single-text < VLM-CSC, mean cosine the other way round', async () => {
    const lpips: Record<Name, number[]> = { 'multi-sc': [], 'single-text': [], 'vlm-csc': [] };
    const cosine: Record<Name, number[]> = { 'multi-sc': [], 'single-text': [], 'vlm-csc': [] };
    for (const id of OBJECT_IMAGES) {
      const src = sources.get(id);
      if (!src) throw new Error(`${id} not loaded`);
      for (const name of NAMES) {
        const r = await transmit(name, id, 21);
        const s = await scorer.score(src.scored, r.reconstruction, r.texts);
        lpips[name].push(s.lpips as number);
        cosine[name].push(s.cosine as number);
      }
    }
    const m = (xs: Record<Name, number[]>) => NAMES.map((n) => mean(xs[n]));
    const [lMsc, lSt, lVlm] = m(lpips);
    const [cMsc, cSt, cVlm] = m(cosine);
    console.log(`21 dB means over ${OBJECT_IMAGES.join(', ')}: LPIPS ${[lMsc, lSt, lVlm].map((v) => v.toFixed(4)).join(' / ')}, cosine ${[cMsc, cSt, cVlm].map((v) => v.toFixed(4)).join(' / ')} (Multi-SC / single-text / VLM-CSC)`);
    expect(lMsc).toBeLessThan(lSt);
    expect(lSt).toBeLessThan(lVlm);
    expect(cMsc).toBeGreaterThan(cSt);
    expect(cSt).toBeGreaterThan(cVlm);
    // The slice is what lifts the two slice schemes far above text alone.
    expect(lVlm - lSt).toBeGreaterThan(0.1);
    expect(cSt - cVlm).toBeGreaterThan(0.4);
  });

  /**
   * Measured BLEU (seed 1) at −3 / 3 / 9 / 21 dB:
   *   Multi-SC     kodim03 0.0027 / 0.3494 / 1 / 1   kodim19 0.0026 / 0.3026 / 1 / 1   kodim23 0.0023 / 0.4174 / 1 / 1   kodim01 0.0024 / 0.4784 / 1 / 1
   *   single-text          0.0068 / 0.4648 / 1 / 1           0.0074 / 0.4762 / 1 / 1           0.0064 / 0.2894 / 1 / 1           0.0058 / 0.4367 / 1 / 1
   *   VLM-CSC              0.0069 / 0.3892 / 1 / 1           0.0073 / 0.5024 / 1 / 1           0.0065 / 0.4224 / 1 / 1           0.0160 / 0.5119 / 1 / 1
   * At 9 dB a few bits flip and SymSpell restores every caption; at 21 dB none flips. The test
   * runs the SNRs below 21 dB on kodim19 (the smallest slice) and kodim01 (none) only: BLEU is a
   * property of the text link, and a large slice costs about a second a cell under jest.
   */
  test('BLEU rises with the SNR (−3, 3, 9 dB) and is 1 at 9 and 21 dB', async () => {
    for (const id of BLEU_IMAGES) {
      const src = sources.get(id);
      if (!src) throw new Error(`${id} not loaded`);
      for (const name of NAMES) {
        const bleu: number[] = [];
        for (const snr of SNRS) {
          const r = await transmit(name, id, snr);
          expect(r.texts?.sent).toBe(prep(name, id).captions.join(' '));
          bleu.push((await bleuScorer.score(src.scored, r.reconstruction, r.texts)).bleu as number);
          if (snr === 21) expect(r.texts?.received).toBe(r.texts?.sent);
          if (snr >= 9) expect(r.texts?.corrected).toBe(r.texts?.sent);
        }
        const where = `${name} ${id}: BLEU ${bleu.map((b) => b.toFixed(4)).join(' / ')}`;
        expect([where, bleu[0] < bleu[1] && bleu[1] < bleu[2]]).toEqual([where, true]);
        expect(bleu[0]).toBeLessThan(0.05);
        expect(bleu[2]).toBeCloseTo(1, 12);
        expect(bleu[3]).toBeCloseTo(1, 12);
      }
    }
  });

  /**
   * Measured (BPSK): VLM-CSC sends 2328 (kodim03), 1928 (kodim19), 2424 (kodim23) and 2016
   * (kodim01) symbols: 8 per UTF-8 byte of its caption, nothing else.
   */
  test('VLM-CSC sends no slice: its symbols are exactly its caption\'s, and it renders from text alone', async () => {
    const vlm64 = createUncorrected('vlm-csc', { 'text-mod': '64qam' });
    for (const id of ALL_IMAGES) {
      const p = prep('vlm-csc', id);
      for (const snr of [DROP_SNR, 21]) {
        const r = await transmit('vlm-csc', id, snr);
        expect(r.detail).toBe('slice=none');
        expect(r.channelSymbols).toBe(8 * utf8Bytes(p.captions[0]));
        expect(r.bitsSent).toBe(8 * utf8Bytes(p.captions[0]));
        // The image is the layout renderer's reading of the received, corrected caption, and
        // nothing else (at 21 dB that is the caption sent).
        expect(sameImage(r.reconstruction, textOnlyRender([r.texts?.corrected ?? ''], BLOCKS['vlm-csc'], p.width, p.height))).toBe(true);
      }
      expect(sameImage((await transmit('vlm-csc', id, 21)).reconstruction, textOnlyRender(p.captions, BLOCKS['vlm-csc'], p.width, p.height))).toBe(true);
      // 64-QAM: six bits a symbol, the last one padded; the payload bits are still 8 a byte.
      const r64 = await transmit('vlm-csc', id, 21, vlm64);
      expect(r64.channelSymbols).toBe(Math.ceil((8 * utf8Bytes(p.captions[0])) / 6));
      expect(r64.channelSymbols).toBe(textSymbols(p.captions, 6));
      expect(r64.bitsSent).toBe(8 * utf8Bytes(p.captions[0]));
      expect(sameImage(r64.reconstruction, textOnlyRender([r64.texts?.received ?? ''], BLOCKS['vlm-csc'], p.width, p.height))).toBe(true);
    }
    // λ is not VLM-CSC's to set: it has no slice to weigh.
    expect(create('vlm-csc', { 'ip-weight': 0.5 }).config.ipWeight).toBe(0);
  });

  /**
   * VLM-CSC equals single-text SC's text-only image only where the mask is empty: with a main
   * object single-text's caption describes the colours of the background pixels only (the mask
   * is given to the captioner), VLM-CSC's those of all pixels, so the captions differ.
   */
  test('VLM-CSC vs single-text: identical on kodim01 (no main object), different captions otherwise; λ = 0 is the text-only image', async () => {
    const st = prep('single-text', EMPTY_IMAGE);
    expect(st.captions).toEqual(prep('vlm-csc', EMPTY_IMAGE).captions);
    const a = await transmit('single-text', EMPTY_IMAGE, 21);
    const b = await transmit('vlm-csc', EMPTY_IMAGE, 21);
    expect(sameImage(a.reconstruction, b.reconstruction)).toBe(true);
    expect(a.channelSymbols).toBe(b.channelSymbols);
    for (const id of OBJECT_IMAGES) expect(prep('single-text', id).captions).not.toEqual(prep('vlm-csc', id).captions);

    // λ = 0: the slice is sent, placed and given no weight: the image from text alone.
    const { textOnly } = uncorrected['single-text'];
    for (const id of OBJECT_IMAGES) {
      const p = prep('single-text', id);
      const r0 = await transmit('single-text', id, 21, textOnly);
      const r1 = await transmit('single-text', id, 21);
      expect(r0.detail).toBe('slice=pasted');
      expect(sameImage(r0.reconstruction, textOnlyRender(p.captions, BLOCKS['single-text'], p.width, p.height))).toBe(true);
      expect(sameImage(r1.reconstruction, r0.reconstruction)).toBe(false);
      // λ changes neither what is sent nor its cost.
      expect(r0.channelSymbols).toBe(r1.channelSymbols);
      expect(r0.bitsSent).toBe(r1.bitsSent);
    }
  });

  /**
   * Measured symbols (BPSK; text + box and mask side information + slice), equal to the counts
   * computed here from the captions and the box:
   *   Multi-SC     kodim03 7992 + 320 + 13 860 + 438 480 = 460 652   kodim19 7448 + 320 + 2376 + 74 237 = 84 381   kodim23 7864 + 320 + 13 464 + 422 382 = 444 030
   *   single-text  kodim03 2432 + …                     = 455 092   kodim19 1928 + …                   = 78 861   kodim23 2376 + …                      = 438 542
   * bitsSent: text + side information (22 172, 10 144, 21 648; 16 612, 4624, 16 160).
   */
  test('the slice: pasted at 21 dB, dropped at −10 dB when its box arrives corrupted, and counted either way', async () => {
    for (const name of ['multi-sc', 'single-text'] as const) {
      const { plain, textOnly } = uncorrected[name];
      for (const id of OBJECT_IMAGES) {
        const p = prep(name, id);
        const box = p.slice?.box;
        if (!box) throw new Error(`${name} ${id}: no slice`);
        const symbols = textSymbols(p.captions) + sideSymbols(box) + sliceSymbols(box);
        const bits = textBits(p.captions) + sideSymbols(box);

        const high = await transmit(name, id, 21);
        expect(high.detail).toBe('slice=pasted');
        expect(high.channelSymbols).toBe(symbols);
        expect(high.bitsSent).toBe(bits);
        // At 21 dB every caption arrives intact, corrector or not: λ = 0 differs by the slice alone.
        expect((await transmit(name, id, 21, textOnly)).texts?.received).toBe(high.texts?.sent);
        expect(sameImage(high.reconstruction, (await transmit(name, id, 21, textOnly)).reconstruction)).toBe(false);

        const low = await transmit(name, id, DROP_SNR);
        expect(low.detail).toBe('slice=dropped');
        // Same cell, same noise, λ = 1 and λ = 0: the same image, i.e. no slice in it.
        const lowPlain = await transmit(name, id, DROP_SNR, plain);
        const lowTextOnly = await transmit(name, id, DROP_SNR, textOnly);
        expect(lowPlain.texts?.received).toBe(low.texts?.received);
        expect(lowTextOnly.texts?.received).toBe(low.texts?.received);
        expect(lowPlain.detail).toBe('slice=dropped');
        expect(lowTextOnly.detail).toBe('slice=dropped');
        expect(sameImage(lowPlain.reconstruction, lowTextOnly.reconstruction)).toBe(true);
        // A dropped slice still used the channel.
        expect(low.channelSymbols).toBe(symbols);
        expect(low.bitsSent).toBe(bits);
      }
    }
  });

  /**
   * kodim01 (empty mask): Multi-SC sends its four captions, 8 × (260 + 266 + 277 + 252) = 8440
   * symbols, single-text its one caption, 8 × 252 = 2016: no slice and no box or mask either.
   */
  test('no main object (kodim01): single-text and Multi-SC send their captions and nothing else', async () => {
    for (const name of ['multi-sc', 'single-text'] as const) {
      const p = prep(name, EMPTY_IMAGE);
      for (const snr of [DROP_SNR, 21]) {
        const r = await transmit(name, EMPTY_IMAGE, snr);
        expect(r.detail).toBe('slice=none');
        expect(r.channelSymbols).toBe(textSymbols(p.captions));
        expect(r.bitsSent).toBe(textBits(p.captions));
        if (snr === 21) expect(sameImage(r.reconstruction, textOnlyRender(p.captions, BLOCKS[name], p.width, p.height))).toBe(true);
      }
    }
  });
});
