import * as fs from 'fs';
import * as path from 'path';
import { defaultMcsList } from '../../baselines/bpg-ldpc/budget';
import { METRIC_NAMES } from '../../bench/metrics/score';
import { schemeFactory, schemeOptionSpecs } from '../../bench/schemes/registry';
import type { Scheme, SchemeOptions } from '../../bench/schemes/scheme';
import { ImageTaskRunner } from '../../bench/sweep/image-task';
import { formatMetricsCsv, type CellValues } from '../../bench/sweep/results';
import { checkAgainstGolden, compareCells, readGolden, resolveTolerance, type GoldenFile } from '../../plots/check';
import { ensureDataset } from '../../datasets';
import { describeWith, fileRequirement, kodakRequirement, SHARED_DATA, SHARED_MODELS, vocRequirement } from '../requirements';
import { tempDir } from './fixtures';
import { CACHED_ISNET, linkCachedIsnet } from '../cli/helpers';

/**
 * Each committed golden must catch a real change to its schemes. For one image of each golden,
 * the test recomputes the golden's cells in process (the sweep's own ImageTaskRunner), first as
 * they are — they must equal the golden's rows to the last printed digit — then with a change
 * planted in a scheme: 0.1 dB more noise (analog, deep JSCC), one caption word changed (Multi-SC),
 * one MCS removed (BPG-LDPC, oracle and auto). The planted rows, put in place of the golden's, must fail `check`.
 */

const GOLDEN_DIR = path.join(__dirname, '..', '..', 'results', 'golden');

/** Flags of the golden commands that are not scheme options. */
const SWEEP_FLAGS = new Set(['--dataset', '--split', '--schemes', '--snr', '--limit', '--seeds', '--profile', '--metric-models', '--samples']);

/** A value flag of the golden's command (`--x v` or `--x=v`). */
function commandValue(golden: GoldenFile, flag: string): string | undefined {
  const args = golden.command ?? [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i].startsWith(`${flag}=`)) return args[i].slice(flag.length + 1);
  }
  return undefined;
}

/** The scheme options the golden ran with: the defaults, then the scheme flags its command names. */
function goldenSchemeOptions(golden: GoldenFile): SchemeOptions {
  const specs = schemeOptionSpecs();
  const options: Record<string, string | number | boolean | undefined> = Object.fromEntries(Object.entries(specs).map(([k, spec]) => [k, spec.default]));
  for (const a of golden.command ?? []) {
    if (!a.startsWith('--')) continue;
    const flag = a.split('=')[0];
    const known = SWEEP_FLAGS.has(flag) || flag.slice(2) in specs;
    expect([golden.file, flag, known]).toEqual([golden.file, flag, true]);
    if (!SWEEP_FLAGS.has(flag)) options[flag.slice(2)] = commandValue(golden, flag)!;
  }
  return options;
}

interface CellRun {
  golden: GoldenFile;
  image: string;
  schemes: string[];
  cacheDir: string;
  options?: SchemeOptions;
  /** Wraps a scheme (the planted change); identity when absent. */
  wrap?: (scheme: Scheme) => Scheme;
}

/** One image of the golden's dataset, found as `bench run` finds it. */
async function goldenImage(golden: GoldenFile, id: string): Promise<{ id: string; path: string; maskPath?: string }> {
  const split = commandValue(golden, '--split') as 'train' | 'val' | 'all' | undefined;
  const ds = await ensureDataset(commandValue(golden, '--dataset')!, { dataDir: SHARED_DATA, cacheDir: tempDir('plants-ds'), split, fetchIfMissing: false });
  const image = ds.images.find((im) => im.id === id)!;
  expect([id, image !== undefined]).toEqual([id, true]);
  return { id, path: image.path, ...(image.maskPath ? { maskPath: image.maskPath } : {}) };
}

/** The golden's cells of one image and some schemes, computed as `bench run` computes them. */
async function runCells(o: CellRun): Promise<CellValues[]> {
  const options = { ...goldenSchemeOptions(o.golden), ...o.options };
  const session = { modelsDir: SHARED_MODELS, cacheDir: o.cacheDir };
  const runner = new ImageTaskRunner(
    {
      dataset: commandValue(o.golden, '--dataset')!,
      profile: 'lite',
      schemes: o.schemes,
      schemeOptions: options,
      cacheDir: o.cacheDir,
      scorer: { metrics: METRIC_NAMES, metricModels: 'offline', session },
      samplesDir: null,
      skipBad: false,
      // A planted change keeps the scheme's name, config and code: only recomputing shows it.
      cellCache: false,
    },
    (name) => {
      const scheme = schemeFactory(name).create(options, { session });
      return o.wrap ? o.wrap(scheme) : scheme;
    },
  );
  const cells = o.golden.rows
    .filter((r) => r.image === o.image && o.schemes.includes(r.scheme))
    .map((r) => ({ scheme: r.scheme, snrDb: r.snr_db, seed: r.seed }));
  const rows: CellValues[] = [];
  const source = await goldenImage(o.golden, o.image);
  await runner.run({ ...source, cells, saveSamples: false }, (e) => {
    if (e.kind === 'row') {
      const { wall_ms: _, ...cell } = e.row;
      rows.push(cell);
    }
  });
  expect(rows).toHaveLength(cells.length);
  return rows;
}

/** The recomputed cells equal the golden's rows exactly (as printed: 10 significant digits). */
function expectReproduces(golden: GoldenFile, rows: CellValues[]): void {
  const keys = new Set(rows.map((r) => JSON.stringify([r.scheme, r.snr_db, r.image, r.seed])));
  const subset = golden.rows.filter((r) => keys.has(JSON.stringify([r.scheme, r.snr_db, r.image, r.seed])));
  const printed = (v: number | null): number | null => (v === null || !Number.isFinite(v) ? v : Number(v.toPrecision(10)));
  const asPrinted = rows.map((r) => ({ ...r, cosine: printed(r.cosine), lpips: printed(r.lpips), bleu: printed(r.bleu), psnr: printed(r.psnr), ms_ssim: printed(r.ms_ssim) }));
  const c = compareCells(subset, asPrinted, { rtol: 0, atol: 0, perMetric: {} });
  expect(c.failures).toEqual([]);
  expect(c.compared).toBeGreaterThan(0);
}

/**
 * Runs `check` on a results folder holding the golden's rows with `planted` in place of theirs;
 * returns the result and the cells (scheme, SNR) that failed.
 */
async function checkPlanted(golden: GoldenFile, planted: CellValues[], work: string) {
  const byKey = new Map(planted.map((r) => [JSON.stringify([r.scheme, r.snr_db, r.image, r.seed]), r]));
  const rows = golden.rows.map((r) => ({ ...(byKey.get(JSON.stringify([r.scheme, r.snr_db, r.image, r.seed])) ?? r), wall_ms: 1 }));
  const dir = fs.mkdtempSync(path.join(work, 'planted-'));
  fs.writeFileSync(path.join(dir, 'metrics.csv'), formatMetricsCsv(rows));
  const result = await checkAgainstGolden({ inDir: dir, golden: golden.file, log: () => {} });
  const failedCells = [...new Set(result.comparison.failures.map((f) => `${f.scheme}@${f.snr_db}/${f.image}`))].sort();
  return { result, failedCells };
}

/** A scheme that behaves as `inner` but with `transmit` replaced. */
function withTransmit(inner: Scheme, transmit: Scheme['transmit']): Scheme {
  return { name: inner.name, config: inner.config, prepareCache: inner.prepareCache, prepare: (img) => inner.prepare(img), transmit };
}

const moreNoise = (db: number) => (s: Scheme): Scheme => withTransmit(s, (p, ctx) => s.transmit(p, { ...ctx, snrDb: ctx.snrDb - db }));

const COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'pink', 'brown', 'white', 'black', 'gray', 'grey'];

/** The first colour word of the first caption, replaced by another colour. */
function changeOneWord(caption: string): string {
  const words = caption.split(' ');
  const i = words.findIndex((w) => COLOURS.includes(w.replace(/[^a-z]/g, '')));
  expect(i).toBeGreaterThanOrEqual(0);
  const word = words[i].replace(/[^a-z]/g, '');
  words[i] = words[i].replace(word, word === 'blue' ? 'red' : 'blue');
  return words.join(' ');
}

const oneCaptionWordChanged = (s: Scheme): Scheme =>
  withTransmit(s, (p, ctx) => {
    const prepared = p as { captions: string[] };
    return s.transmit({ ...prepared, captions: [changeOneWord(prepared.captions[0]), ...prepared.captions.slice(1)] }, ctx);
  });

/** The goldens the tests below plant a change in: every committed one. */
const PLANTED = ['kodak24-analog.csv', 'kodak24-bpg-auto.csv', 'kodak24-bpg.csv', 'kodak24-deep-jscc.csv', 'kodak24-semantic.csv', 'voc2012-all.csv'];

test('every committed golden has a planted change below', () => {
  expect(fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.csv')).sort()).toEqual(PLANTED);
});

describeWith(
  kodakRequirement(),
  vocRequirement(),
  fileRequirement('the offline metric models', path.join(SHARED_MODELS, 'lpips-squeeze-caffe'), 'set MULTISC_MODELS_DIR to the folder holding lpips-squeeze-caffe/'),
  fileRequirement('the YOLOX-Nano detector', path.join(SHARED_MODELS, 'yolox-nano-coco'), 'set MULTISC_MODELS_DIR to the offline models folder'),
  fileRequirement('IS-Net', CACHED_ISNET, 'run "npm run models -- fetch isnet-general"'),
)('every golden fails on a change planted in its schemes', () => {
  let work: string;
  let cacheDir: string;
  beforeAll(() => {
    work = tempDir('plants');
    cacheDir = path.join(work, 'cache');
    linkCachedIsnet(cacheDir);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test.each([
    ['kodak24-analog.csv', 'analog'],
    ['kodak24-deep-jscc.csv', 'deep-jscc'],
  ])('%s: 0.1 dB more noise fails at every SNR', async (file, scheme) => {
    const golden = readGolden(path.join(GOLDEN_DIR, file));
    const image = 'kodim03';
    expectReproduces(golden, await runCells({ golden, image, schemes: [scheme], cacheDir }));
    const planted = await runCells({ golden, image, schemes: [scheme], cacheDir, wrap: moreNoise(0.1) });
    const { result, failedCells } = await checkPlanted(golden, planted, work);
    expect(result.ok).toBe(false);
    const snrs = [...new Set(golden.rows.map((r) => r.snr_db))];
    expect(failedCells).toEqual(snrs.map((s) => `${scheme}@${s}/${image}`).sort());
    expect(result.report).toMatch(new RegExp(`^${scheme}\\s+lite\\s+-?\\d+\\s+${image}\\s+0\\s+psnr\\s.*FAIL: worse$`, 'm'));
    // The old summary-level tolerance (0.1 × ci95 over the golden's images) let such changes through.
    const worst = Math.max(...result.comparison.failures.filter((f) => f.metric === 'psnr').map((f) => Math.abs(f.delta!)));
    expect(worst).toBeLessThan(0.2);
  }, 240000);

  test('kodak24-semantic.csv: one word of one Multi-SC caption changed fails at every SNR', async () => {
    const golden = readGolden(path.join(GOLDEN_DIR, 'kodak24-semantic.csv'));
    const image = 'kodim03';
    expectReproduces(golden, await runCells({ golden, image, schemes: ['multi-sc', 'single-text', 'vlm-csc'], cacheDir }));
    const planted = await runCells({ golden, image, schemes: ['multi-sc'], cacheDir, wrap: oneCaptionWordChanged });
    const { result, failedCells } = await checkPlanted(golden, planted, work);
    expect(result.ok).toBe(false);
    const snrs = [...new Set(golden.rows.map((r) => r.snr_db))];
    // The changed word is rendered (cosine, LPIPS, PSNR move) at every SNR.
    expect(failedCells).toEqual(snrs.map((s) => `multi-sc@${s}/${image}`).sort());
  }, 300000);

  test.each([
    ['kodak24-bpg.csv', 'oracle'],
    ['kodak24-bpg-auto.csv', 'auto'],
  ])('%s: the MCS chosen at the top SNR removed from --bpg-mcs %s fails there', async (file, mode) => {
    const golden = readGolden(path.join(GOLDEN_DIR, file));
    expect(commandValue(golden, '--bpg-mcs')).toBe(mode);
    const image = 'kodim03';
    const top = Math.max(...golden.rows.map((r) => r.snr_db));
    const chosen: string[] = [];
    const recordMcs = (s: Scheme): Scheme =>
      withTransmit(s, async (p, ctx) => {
        const r = await s.transmit(p, ctx);
        if (s.name === 'bpg-ldpc' && ctx.snrDb === top) chosen.push(/\bmcs=(\S+)/.exec(r.detail ?? '')![1]);
        return r;
      });
    expectReproduces(golden, await runCells({ golden, image, schemes: ['bpg-ldpc'], cacheDir, wrap: recordMcs }));
    expect(chosen).toHaveLength(1);
    const fewer = defaultMcsList().map((m) => m.name).filter((m) => m !== chosen[0]);
    expect(fewer).toHaveLength(defaultMcsList().length - 1);
    const planted = await runCells({ golden, image, schemes: ['bpg-ldpc'], cacheDir, options: { 'bpg-mcs': `${mode}:${fewer.join(',')}` } });
    const { result, failedCells } = await checkPlanted(golden, planted, work);
    expect(result.ok).toBe(false);
    expect(failedCells).toContain(`bpg-ldpc@${top}/${image}`);
    expect(result.report).toMatch(new RegExp(`^bpg-ldpc\\s+lite\\s+${top}\\s+${image}\\s+0\\s+psnr\\s.*FAIL: worse$`, 'm'));
    expect(resolveTolerance(golden.tolerance).rtol).toBe(1e-6);
  }, 300000);

  test('voc2012-all.csv: every scheme reproduces on an odd-sized VOC image; 0.1 dB more noise in deep JSCC fails at every SNR', async () => {
    const golden = readGolden(path.join(GOLDEN_DIR, 'voc2012-all.csv'));
    const image = '2007_000033'; // 500x366: deep JSCC pads, BPG and the renderer take odd sizes
    const schemes = [...new Set(golden.rows.map((r) => r.scheme))];
    expectReproduces(golden, await runCells({ golden, image, schemes, cacheDir }));
    const planted = await runCells({ golden, image, schemes: ['deep-jscc'], cacheDir, wrap: moreNoise(0.1) });
    const { result, failedCells } = await checkPlanted(golden, planted, work);
    expect(result.ok).toBe(false);
    const snrs = [...new Set(golden.rows.map((r) => r.snr_db))];
    expect(failedCells).toEqual(snrs.map((s) => `deep-jscc@${s}/${image}`).sort());
  }, 300000);
});
