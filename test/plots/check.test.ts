import * as fs from 'fs';
import * as path from 'path';
import { formatMetricsCsv, formatSummaryCsv, readMetrics, type CellValues } from '../../bench/sweep/results';
import {
  checkAgainstGolden,
  compareCells,
  goldenCommandFor,
  parseToleranceSpec,
  readGolden,
  rerunGolden,
  resolveTolerance,
  shellQuote,
  splitCommand,
  updateGolden,
} from '../../plots/check';
import { checkCommand } from '../../plots/commands';
import { cliRequirement, describeWith, fileRequirement, kodakRequirement, SHARED_DATA, SHARED_MODELS } from '../requirements';
import { fakeRows, makeResults, tempDir } from './fixtures';

const REPO = path.join(__dirname, '..', '..');
const GOLDEN_DIR = path.join(REPO, 'results', 'golden');
const GOLDEN = path.join(GOLDEN_DIR, 'kodak24-analog.csv');
const quiet = (): void => {};

/** Copies a results folder and rewrites its metrics.csv through `edit` (lines, header first). */
function editedCopy(src: string, dest: string, edit: (lines: string[]) => string[]): string {
  fs.cpSync(src, dest, { recursive: true });
  const f = path.join(dest, 'metrics.csv');
  fs.writeFileSync(f, edit(fs.readFileSync(f, 'utf8').trimEnd().split('\n')).join('\n') + '\n');
  return dest;
}

describe('check against a golden file (synthetic runs)', () => {
  let work: string;
  let base: string;
  let golden: string;
  beforeAll(async () => {
    work = tempDir('check');
    base = path.join(work, 'base');
    await makeResults(base, { schemes: ['analog', 'multi-sc'], snrs: [0, 10, 20], seeds: 1, samples: 0 });
    golden = path.join(work, 'golden', 'kodak24-test.csv');
    const u = await updateGolden({ inDir: base, golden, log: quiet });
    expect(u.created).toBe(true);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('the golden records the run (command without --out, --workers, --quiet; signatures; tolerance) and every row but wall_ms', () => {
    const text = fs.readFileSync(golden, 'utf8');
    expect(text).toMatch(/^# command: bench run --dataset kodak24 --schemes analog,multi-sc --snr 0,10,20 --metric-models offline$/m);
    expect(text).toMatch(/^# metric lpips: lpips:net=test/m);
    expect(text).toMatch(/^# tolerance: rtol=0\.000001 atol=1e-9$/m);
    const body = text.split('\n').filter((l) => !l.startsWith('#'));
    const metricsLines = fs.readFileSync(path.join(base, 'metrics.csv'), 'utf8').trimEnd().split('\n');
    expect(body.slice(0, -1)).toEqual(metricsLines.map((l) => l.replace(/,[^,]*$/, '')));
    const g = readGolden(golden);
    expect(g.command).toEqual(['--dataset', 'kodak24', '--schemes', 'analog,multi-sc', '--snr', '0,10,20', '--metric-models', 'offline']);
    expect(g.rows).toHaveLength(18);
    expect(g.rows[0]).not.toHaveProperty('wall_ms');
  });

  test('an unchanged tree passes; a changed wall_ms is no change', async () => {
    const r = await checkAgainstGolden({ inDir: base, golden, log: quiet });
    expect(r.ok).toBe(true);
    expect(r.report).toMatch(/^check OK: .* 108 values in 18 rows, 0 moved within tolerance/);
    expect((await checkCommand({ in: base, golden })).exitCode).toBe(0);
    const slower = editedCopy(base, path.join(work, 'slower'), (l) => l.map((x, i) => (i === 0 ? x : x.replace(/,[^,]*$/, ',99999'))));
    expect((await checkAgainstGolden({ inDir: slower, golden, log: quiet })).ok).toBe(true);
  });

  test('0.5 dB more noise in one scheme fails, with a table of what moved and by how much', async () => {
    const noisy = path.join(work, 'noisy');
    await makeResults(noisy, { schemes: ['analog', 'multi-sc'], snrs: [0, 10, 20], seeds: 1, samples: 0, extraNoiseDb: { 'multi-sc': 0.5 } });
    const r = await checkAgainstGolden({ inDir: noisy, golden, log: quiet });
    expect(r.ok).toBe(false);
    const lines = r.report.split('\n');
    expect(lines[0]).toMatch(/^scheme\s+profile\s+SNR dB\s+image\s+seed\s+metric\s+golden\s+now\s+Δ\s+Δ %\s+tolerance\s+\|Δ\|\/tol\s+status$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    // Only the perturbed scheme moved; its values got worse beyond tolerance.
    const body = lines.slice(2).filter((l) => /^\S/.test(l) && !l.startsWith('check') && !l.startsWith('…'));
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((l) => l.startsWith('multi-sc '))).toBe(true);
    expect(body.some((l) => /^multi-sc\s+lite\s+0\s+kodim01\s+0\s+psnr\s+[\d.]+\s+[\d.]+\s+-[\d.]+\s+-[\d.]+%\s+[\d.e-]+\s+[\d.e+]+\s+FAIL: worse$/.test(l))).toBe(true);
    expect(body.some((l) => /\blpips\b.*FAIL: worse$/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^check FAILED: .*: \d+ of 108 values in 9 of 18 rows beyond tolerance or missing; if the change is intended, run with --update-golden$/);
    expect((await checkCommand({ in: noisy, golden })).exitCode).toBe(1);
    // The table is cut at --limit rows, furthest beyond tolerance first.
    const short = await checkAgainstGolden({ inDir: noisy, golden, log: quiet, limit: 3 });
    expect(short.report).toMatch(/^… \d+ more row\(s\) not shown/m);
    // A wide enough tolerance lets it pass; the counts stay exact whatever the tolerance.
    expect((await checkAgainstGolden({ inDir: noisy, golden, tol: 'rtol=10', log: quiet })).ok).toBe(true);
    expect((await checkAgainstGolden({ inDir: noisy, golden, tol: 'rtol=1e-6,psnr=10,lpips=10,cosine=10,bleu=10,ms_ssim=10', log: quiet })).ok).toBe(true);
    const moreSymbols = editedCopy(base, path.join(work, 'symbols'), (l) => l.map((x) => x.replace(/^(kodak24,analog,lite,10,kodim02,0,(?:[^,]*,){5})589824,/, '$1589825,')));
    const sym = await checkAgainstGolden({ inDir: moreSymbols, golden, tol: 'rtol=10,atol=10', log: quiet });
    expect(sym.ok).toBe(false);
    expect(sym.report).toMatch(/^analog\s+lite\s+10\s+kodim02\s+0\s+channel_symbols\s+589824\s+589825\s+\+1\s.*\s0\s+∞\s+FAIL: changed$/m);
  });

  test('a missing row, an extra row, a value that became empty or new, a changed signature fail', async () => {
    const noRow = editedCopy(base, path.join(work, 'no-row'), (l) => l.filter((x) => !x.startsWith('kodak24,analog,lite,10,kodim02,')));
    let r = await checkAgainstGolden({ inDir: noRow, golden, log: quiet });
    expect(r.ok).toBe(false);
    expect(r.report).toMatch(/^analog\s+lite\s+10\s+kodim02\s+0\s+\(row\)\s+—.*FAIL: missing$/m);

    const extra = editedCopy(base, path.join(work, 'extra'), (l) => [...l, ...l.filter((x) => x.startsWith('kodak24,analog,lite,0,')).map((x) => x.replace(',analog,', ',deep-jscc,'))]);
    r = await checkAgainstGolden({ inDir: extra, golden, log: quiet });
    expect(r.ok).toBe(false);
    expect(r.report.match(/^deep-jscc\s+lite\s+0\s+kodim0\d\s+0\s+\(row\).*FAIL: extra \(not in golden\)$/gm)).toHaveLength(3);

    const emptied = editedCopy(base, path.join(work, 'emptied'), (l) =>
      l.map((x, i) => (i > 0 && x.includes(',analog,') ? x.split(',').map((v, j) => (j === 7 ? '' : j === 8 ? '0.5' : v)).join(',') : x)),
    );
    r = await checkAgainstGolden({ inDir: emptied, golden, log: quiet });
    expect(r.report).toMatch(/^analog\s+lite\s+0\s+kodim01\s+0\s+lpips.*FAIL: value now empty$/m);
    expect(r.report).toMatch(/^analog\s+lite\s+0\s+kodim01\s+0\s+bleu.*FAIL: value new \(empty in golden\)$/m);

    const sig = path.join(work, 'sig');
    fs.cpSync(base, sig, { recursive: true });
    const run = JSON.parse(fs.readFileSync(path.join(sig, 'run.json'), 'utf8'));
    run.config.metrics.lpips = 'lpips:net=alex|v=0.1';
    fs.writeFileSync(path.join(sig, 'run.json'), JSON.stringify(run));
    r = await checkAgainstGolden({ inDir: sig, golden, log: quiet });
    expect(r.ok).toBe(false);
    expect(r.report).toContain('FAIL: metric lpips: signature changed from lpips:net=test');
  });

  test('--update-golden rewrites the file and prints the diff; a second update changes nothing', async () => {
    const g2 = path.join(work, 'golden', 'update.csv');
    fs.copyFileSync(golden, g2);
    const noisy = path.join(work, 'noisy2');
    await makeResults(noisy, { schemes: ['analog', 'multi-sc'], snrs: [0, 10, 20], seeds: 1, samples: 0, extraNoiseDb: { analog: 0.5 } });
    const u = await updateGolden({ inDir: noisy, golden: g2, log: quiet });
    expect(u.changed).toBe(true);
    expect(u.report).toMatch(/^scheme\s+profile\s+SNR dB\s+image\s+seed\s+metric\s+old\s+new\s+Δ\s+Δ %\s+status$/m);
    expect(u.report).toMatch(/^analog\s+lite\s+20\s+kodim03\s+0\s+psnr\s.*changed \(worse\)$/m);
    expect(u.report).toMatch(/updated .*update\.csv: \d+ value\(s\) changed$/);
    expect((await checkAgainstGolden({ inDir: noisy, golden: g2, log: quiet })).ok).toBe(true);
    const again = await updateGolden({ inDir: noisy, golden: g2, log: quiet });
    expect(again.changed).toBe(false);
    expect(again.report).toMatch(/unchanged: the results equal the golden/);
    // A tolerance given on update is recorded (and kept by later updates).
    await updateGolden({ inDir: noisy, golden: g2, tol: 'rtol=1e-5,lpips=1e-4', log: quiet });
    expect(readGolden(g2).tolerance).toEqual({ rtol: 1e-5, atol: 1e-9, perMetric: { lpips: 1e-4 } });
    await updateGolden({ inDir: noisy, golden: g2, log: quiet });
    expect(readGolden(g2).tolerance).toEqual({ rtol: 1e-5, atol: 1e-9, perMetric: { lpips: 1e-4 } });
  });

  test('user errors: no golden, no --in, bad tolerance, a shard as golden, a golden in the old summary format', async () => {
    await expect(checkAgainstGolden({ inDir: base, golden: path.join(work, 'nope.csv') })).rejects.toThrow(/not found: create it with "bench check --in RESULTS --golden .* --update-golden"/);
    await expect(checkAgainstGolden({ golden })).rejects.toThrow(/needs --in RESULTS/);
    await expect(checkCommand({ in: base, golden, rerun: true })).rejects.toThrow(/either --in RESULTS or --rerun/);
    expect(() => parseToleranceSpec('psnr=abc', '--tol')).toThrow(/--tol: "psnr=abc" is not name=value/);
    expect(() => parseToleranceSpec('psnr=-1', '--tol')).toThrow(/≥ 0/);
    expect(() => parseToleranceSpec('channel_symbols=1', '--tol')).toThrow(/channel_symbols and bits_sent are always compared exactly/);
    expect(() => parseToleranceSpec('ci_scale=0.1', '--tol')).toThrow(/"ci_scale" is not rtol, atol or a metric/);
    const shard = path.join(work, 'shard');
    fs.cpSync(base, shard, { recursive: true });
    const run = JSON.parse(fs.readFileSync(path.join(shard, 'run.json'), 'utf8'));
    run.command.push('--shard', '1/2');
    fs.writeFileSync(path.join(shard, 'run.json'), JSON.stringify(run));
    expect(() => goldenCommandFor(shard)).toThrow(/one shard of a run/);
    const old = path.join(work, 'golden', 'old.csv');
    fs.writeFileSync(old, `# command: bench run --dataset kodak24\n${formatSummaryCsv(fakeRows({ seeds: 1 }))}`);
    expect(() => readGolden(old)).toThrow(/holds summary means \(the golden format before per-row goldens\): make it again .* --update-golden"$/);
  });

  test('a golden without a command line cannot be rerun', async () => {
    const g3 = path.join(work, 'golden', 'nocmd.csv');
    fs.writeFileSync(g3, fs.readFileSync(golden, 'utf8').replace(/^# command:.*\n/m, ''));
    await expect(checkAgainstGolden({ golden: g3, rerun: true })).rejects.toThrow(/records no "# command:" line/);
  });
});

describe('compareCells', () => {
  const cells = (): CellValues[] => fakeRows({ seeds: 1, images: ['kodim01'], snrs: [0, 12] }).map(({ wall_ms: _, ...c }) => c);

  test('floating-point noise passes (as moved), anything above 1e-6 relative fails', () => {
    const g = cells();
    const noise = cells().map((c) => ({ ...c, psnr: c.psnr! * (1 + 4e-7), lpips: c.lpips! * (1 - 9e-7) }));
    const same = compareCells(g, noise, resolveTolerance());
    expect(same.failures).toEqual([]);
    expect(same.moved.length).toBe(4);
    const moved = cells().map((c, i) => (i === 1 ? { ...c, ms_ssim: c.ms_ssim! * (1 + 2e-6) } : c));
    const diff = compareCells(g, moved, resolveTolerance());
    expect(diff.failures.map((r) => [r.scheme, r.snr_db, r.image, r.metric, r.status])).toEqual([['analog', 12, 'kodim01', 'ms_ssim', 'better']]);
  });

  test('an infinite PSNR (lossless image) equal on both sides is no change; finite vs infinite is', () => {
    const lossless = cells().map((c) => (c.snr_db === 12 ? { ...c, psnr: Infinity } : c));
    expect(compareCells(lossless, lossless.map((c) => ({ ...c })), resolveTolerance()).failures).toEqual([]);
    const diff = compareCells(lossless, cells(), resolveTolerance());
    expect(diff.failures.map((r) => [r.snr_db, r.metric])).toEqual([[12, 'psnr']]);
  });
});

describe('command lines', () => {
  test('shellQuote and splitCommand round-trip', () => {
    const args = ['run', '--snr', '-3:21:3', '--out', 'a b', "it's", '--x=1,2', '', 'q"uote'];
    expect(splitCommand(args.map(shellQuote).join(' '))).toEqual(args);
    expect(splitCommand(`bench run --a "x y" 'z'`)).toEqual(['bench', 'run', '--a', 'x y', 'z']);
    expect(() => splitCommand(`run 'open`)).toThrow(/unterminated/);
  });
});

/** What the committed goldens must cover between them (issue: "every scheme covered"). */
const GOLDEN_SCHEMES = ['analog', 'bpg-capacity', 'bpg-ldpc', 'deep-jscc', 'multi-sc', 'single-text', 'vlm-csc'];

describe('the committed golden files', () => {
  const files = fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.csv'));

  test('every scheme is covered, each by ≥ 4 images × ≥ 4 SNRs, with the default tolerance and offline metric models', () => {
    const covered = new Set<string>();
    for (const f of files) {
      const g = readGolden(path.join(GOLDEN_DIR, f));
      expect(g.command).toEqual(expect.arrayContaining(['--metric-models', 'offline', '--profile', 'lite', '--samples', '0']));
      expect(resolveTolerance(g.tolerance)).toEqual({ rtol: 1e-6, atol: 1e-9, perMetric: {} });
      for (const scheme of new Set(g.rows.map((r) => r.scheme))) {
        covered.add(scheme);
        const rows = g.rows.filter((r) => r.scheme === scheme);
        const images = new Set(rows.map((r) => r.image));
        const snrs = new Set(rows.map((r) => r.snr_db));
        expect([f, scheme, images.size >= 4, snrs.size >= 4]).toEqual([f, scheme, true, true]);
        expect(rows).toHaveLength(images.size * snrs.size);
        for (const r of rows) for (const m of ['cosine', 'lpips', 'psnr', 'ms_ssim'] as const) expect(r[m]).not.toBeNull();
      }
      for (const m of ['cosine', 'lpips', 'psnr', 'ms_ssim']) expect(g.signatures[m]).toBeDefined();
    }
    expect([...covered].sort()).toEqual(GOLDEN_SCHEMES);
  });

  test(`${path.relative(REPO, GOLDEN)} holds the recorded analog run`, () => {
    const g = readGolden(GOLDEN);
    expect(g.command).toEqual([
      '--dataset', 'kodak24', '--schemes', 'analog', '--snr=-3,3,9,21', '--limit', '4', '--seeds', '1',
      '--profile', 'lite', '--metric-models', 'offline', '--samples', '0',
    ]);
    expect(g.rows.map((r) => `${r.snr_db}/${r.image}/${r.channel_symbols}`).slice(0, 4)).toEqual([
      '-3/kodim01/589824', '-3/kodim02/589824', '-3/kodim03/589824', '-3/kodim04/589824',
    ]);
  });
});

/**
 * The analog golden's own run, re-run from its recorded command on the real Kodak images with
 * the offline metric models (what CI has), reproduces it; the same run with 0.1 dB more noise
 * fails. (The other goldens: CI re-runs each, and test/plots/golden-plants.test.ts plants a change
 * in each scheme family.)
 */
describeWith(kodakRequirement(), cliRequirement(), fileRequirement('the offline metric models', path.join(SHARED_MODELS, 'lpips-squeeze-caffe'), 'set MULTISC_MODELS_DIR to the folder holding lpips-squeeze-caffe/'))(
  'golden rerun on Kodak24 (analog, offline metric models)',
  () => {
    let work: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(() => {
      work = tempDir('golden-rerun');
      env = { ...process.env, MULTISC_DATA_DIR: SHARED_DATA, MULTISC_MODELS_DIR: SHARED_MODELS, MULTISC_METRIC_MODELS: 'offline', MULTISC_CACHE_DIR: path.join(work, 'cache') };
    });
    afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

    test('--rerun of the recorded command reproduces the golden', async () => {
      const log: string[] = [];
      const r = await checkAgainstGolden({ golden: GOLDEN, rerun: true, env, log: (l) => log.push(l) });
      expect(log[0]).toMatch(/^rerun: bench run --dataset kodak24 --schemes analog --snr=-3,3,9,21 .* --out \S+ --quiet --no-cell-cache$/);
      expect(r.report).toMatch(/^check OK: .*: 80 values in 16 rows, 0 moved/m);
      expect(r.ok).toBe(true);
    }, 300000);

    test('0.1 dB more noise (SNR grid shifted by −0.1 dB) fails the check in every row', async () => {
      const g = readGolden(GOLDEN);
      const args = g.command!.map((a) => (a.startsWith('--snr=') ? '--snr=-3.1,2.9,8.9,20.9' : a));
      const dir = rerunGolden(args, { env, log: quiet, tmpRoot: work });
      // Relabel the shifted cells with the golden's SNRs: same cells, 0.1 dB more noise.
      const f = path.join(dir, 'metrics.csv');
      const rows = readMetrics(f).rows.map((r) => ({ ...r, snr_db: Math.round((r.snr_db + 0.1) * 10) / 10 }));
      fs.writeFileSync(f, formatMetricsCsv(rows));
      const r = await checkAgainstGolden({ inDir: dir, golden: GOLDEN, log: quiet });
      expect(r.ok).toBe(false);
      expect(r.report).toMatch(/^analog\s+lite\s+21\s+kodim0\d\s+0\s+psnr\s.*FAIL: worse$/m);
      expect(r.report).toMatch(/^check FAILED: .*: \d+ of 80 values in 16 of 16 rows beyond tolerance/m);
    }, 300000);
  },
);
