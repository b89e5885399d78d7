import * as fs from 'fs';
import * as path from 'path';
import { defaultMcsList } from '../../baselines/bpg-ldpc/budget';
import { METRIC_NAMES } from '../../bench/metrics/score';
import { schemeFactory, schemeOptionSpecs } from '../../bench/schemes/registry';
import type { Scheme, SchemeOptions } from '../../bench/schemes/scheme';
import { ImageTaskRunner } from '../../bench/sweep/image-task';
import { formatMetricsCsv, type CellValues } from '../../bench/sweep/results';
import { checkAgainstGolden, compareCells, readGolden, resolveTolerance, type GoldenFile } from '../../plots/check';
import { describeWith, fileRequirement, KODAK_DIR, kodakRequirement, SHARED_MODELS } from '../requirements';
import { tempDir } from './fixtures';

/**
 * Each committed golden must catch a real change to its schemes. For one image of each golden,
 * the test recomputes the golden's cells in process (the sweep's own ImageTaskRunner), first as
 * they are — they must equal the golden's rows to the last printed digit — then with a change
 * planted in a scheme: 0.1 dB more noise (analog, deep JSCC), one caption word changed (Multi-SC),
 * one MCS removed (BPG-LDPC). The planted rows, put in place of the golden's, must fail `check`.
 */

const GOLDEN_DIR = path.join(__dirname, '..', '..', 'results', 'golden');
const isnet = path.join(process.env.MULTISC_CACHE_DIR || path.join(require('os').homedir(), '.cache', 'multi-sc-bench'), 'models', 'isnet-general', 'isnet_general_fp32.onnx');

/** Flags of the golden commands that are not scheme options (so the schemes ran with their defaults). */
const SWEEP_FLAGS = new Set(['--dataset', '--schemes', '--snr', '--limit', '--seeds', '--profile', '--metric-models', '--samples']);

function defaultSchemeOptions(golden: GoldenFile): SchemeOptions {
  for (const a of golden.command ?? []) {
    if (a.startsWith('--')) expect([golden.file, a.split('=')[0], SWEEP_FLAGS.has(a.split('=')[0])]).toEqual([golden.file, a.split('=')[0], true]);
  }
  return Object.fromEntries(Object.entries(schemeOptionSpecs()).map(([k, spec]) => [k, spec.default]));
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

/** The golden's cells of one image and some schemes, computed as `bench run` computes them. */
async function runCells(o: CellRun): Promise<CellValues[]> {
  const options = { ...defaultSchemeOptions(o.golden), ...o.options };
  const session = { modelsDir: SHARED_MODELS, cacheDir: o.cacheDir };
  const runner = new ImageTaskRunner(
    {
      dataset: 'kodak24',
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
  await runner.run({ id: o.image, path: path.join(KODAK_DIR, `${o.image}.png`), cells, saveSamples: false }, (e) => {
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

describeWith(
  kodakRequirement(),
  fileRequirement('the offline metric models', path.join(SHARED_MODELS, 'lpips-squeeze-caffe'), 'set MULTISC_MODELS_DIR to the folder holding lpips-squeeze-caffe/'),
  fileRequirement('the YOLOX-Nano detector', path.join(SHARED_MODELS, 'yolox-nano-coco'), 'set MULTISC_MODELS_DIR to the offline models folder'),
  fileRequirement('IS-Net', isnet, 'run "npm run models -- fetch isnet-general"'),
)('every golden fails on a change planted in its schemes', () => {
  let work: string;
  let cacheDir: string;
  beforeAll(() => {
    work = tempDir('plants');
    cacheDir = path.join(work, 'cache');
    fs.mkdirSync(path.join(cacheDir, 'models', 'isnet-general'), { recursive: true });
    fs.symlinkSync(isnet, path.join(cacheDir, 'models', 'isnet-general', 'isnet_general_fp32.onnx'));
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

  test('kodak24-bpg.csv: the MCS chosen at the top SNR removed from --bpg-mcs fails there', async () => {
    const golden = readGolden(path.join(GOLDEN_DIR, 'kodak24-bpg.csv'));
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
    const planted = await runCells({ golden, image, schemes: ['bpg-ldpc'], cacheDir, options: { 'bpg-mcs': `oracle:${fewer.join(',')}` } });
    const { result, failedCells } = await checkPlanted(golden, planted, work);
    expect(result.ok).toBe(false);
    expect(failedCells).toContain(`bpg-ldpc@${top}/${image}`);
    expect(result.report).toMatch(new RegExp(`^bpg-ldpc\\s+lite\\s+${top}\\s+${image}\\s+0\\s+psnr\\s.*FAIL: worse$`, 'm'));
    expect(resolveTolerance(golden.tolerance).rtol).toBe(1e-6);
  }, 300000);
});
