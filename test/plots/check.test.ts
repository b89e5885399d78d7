import * as fs from 'fs';
import * as path from 'path';
import { formatSummaryCsv } from '../../bench/sweep/results';
import {
  checkAgainstGolden,
  compareSummaries,
  compiledCli,
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
import { parseSummaryCsv } from '../../plots/data';
import { fakeRows, makeResults, tempDir } from './fixtures';

const REPO = path.join(__dirname, '..', '..');
const GOLDEN = path.join(REPO, 'results', 'golden', 'kodak24-analog.csv');
const quiet = (): void => {};

/** Copies a results folder and rewrites its summary.csv through `edit` (lines, header first). */
function editedCopy(src: string, dest: string, edit: (lines: string[]) => string[]): string {
  fs.cpSync(src, dest, { recursive: true });
  const f = path.join(dest, 'summary.csv');
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

  test('the golden records the run: command (no --out, --workers, --quiet), images, signatures, tolerance', () => {
    const text = fs.readFileSync(golden, 'utf8');
    expect(text).toMatch(/^# command: bench run --dataset kodak24 --schemes analog,multi-sc --snr 0,10,20 --metric-models offline$/m);
    expect(text).toMatch(/^# images: kodim01,kodim02,kodim03$/m);
    expect(text).toMatch(/^# metric lpips: lpips:net=test/m);
    expect(text).toMatch(/^# tolerance: ci_scale=0.1 cosine=0.001 lpips=0.001 bleu=0.001 psnr=0.02 ms_ssim=0.001 channel_symbols=0$/m);
    expect(text).toContain(fs.readFileSync(path.join(base, 'summary.csv'), 'utf8'));
    const g = readGolden(golden);
    expect(g.command).toEqual(['--dataset', 'kodak24', '--schemes', 'analog,multi-sc', '--snr', '0,10,20', '--metric-models', 'offline']);
    expect(g.summary.rows).toHaveLength(6);
  });

  test('an unchanged tree passes', async () => {
    const r = await checkAgainstGolden({ inDir: base, golden, log: quiet });
    expect(r.ok).toBe(true);
    expect(r.report).toMatch(/^check OK: .* 33 values at 6 points, 0 moved within tolerance/);
    expect((await checkCommand({ in: base, golden })).exitCode).toBe(0);
  });

  test('0.5 dB more noise in one scheme fails, with a table of what moved and by how much', async () => {
    const noisy = path.join(work, 'noisy');
    await makeResults(noisy, { schemes: ['analog', 'multi-sc'], snrs: [0, 10, 20], seeds: 1, samples: 0, extraNoiseDb: { 'multi-sc': 0.5 } });
    const r = await checkAgainstGolden({ inDir: noisy, golden, log: quiet });
    expect(r.ok).toBe(false);
    const lines = r.report.split('\n');
    expect(lines[0]).toMatch(/^scheme\s+profile\s+SNR dB\s+metric\s+golden\s+now\s+Δ\s+Δ %\s+tolerance\s+\|Δ\|\/tol\s+status$/);
    expect(lines[1]).toMatch(/^-+( +-+)+$/);
    // Only the perturbed scheme moved; its curves got worse beyond tolerance.
    const body = lines.slice(2).filter((l) => /^\S/.test(l) && !l.startsWith('check'));
    expect(body.length).toBeGreaterThan(0);
    expect(body.every((l) => l.startsWith('multi-sc '))).toBe(true);
    expect(body.some((l) => /multi-sc\s+lite\s+0\s+psnr\s+[\d.]+\s+[\d.]+\s+-[\d.]+\s+-[\d.]+%\s+[\d.]+\s+[\d.]+\s+FAIL: worse$/.test(l))).toBe(true);
    expect(body.some((l) => /\blpips\b.*FAIL: worse$/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^check FAILED: .* values beyond tolerance or missing; if the change is intended, run with --update-golden$/);
    const cmd = await checkCommand({ in: noisy, golden });
    expect(cmd.exitCode).toBe(1);
    // A wide enough tolerance lets it pass.
    expect((await checkAgainstGolden({ inDir: noisy, golden, ciScale: 100, log: quiet })).ok).toBe(true);
    expect((await checkAgainstGolden({ inDir: noisy, golden, absTol: 'cosine=1,lpips=1,bleu=1,psnr=100,ms_ssim=1', log: quiet })).ok).toBe(true);
  });

  test('a missing curve, an extra curve, a missing point and a changed n fail', async () => {
    const noAnalog = editedCopy(base, path.join(work, 'no-analog'), (l) => l.filter((x) => !x.includes(',analog,')));
    let r = await checkAgainstGolden({ inDir: noAnalog, golden, log: quiet });
    expect(r.ok).toBe(false);
    expect(r.report).toMatch(/^analog\s+lite\s+all\s+\(curve\)\s+—.*FAIL: missing$/m);

    const extra = editedCopy(base, path.join(work, 'extra'), (l) => [...l, ...l.filter((x) => x.includes(',analog,')).map((x) => x.replace(',analog,', ',deep-jscc,'))]);
    r = await checkAgainstGolden({ inDir: extra, golden, log: quiet });
    expect(r.ok).toBe(false);
    expect(r.report).toMatch(/^deep-jscc\s+lite\s+all\s+\(curve\).*FAIL: extra \(not in golden\)$/m);

    const noPoint = editedCopy(base, path.join(work, 'no-point'), (l) => l.filter((x) => !x.startsWith('kodak24,analog,lite,10,')));
    r = await checkAgainstGolden({ inDir: noPoint, golden, log: quiet });
    expect(r.report).toMatch(/^analog\s+lite\s+10\s+\(point\).*FAIL: missing$/m);

    const nChanged = editedCopy(base, path.join(work, 'n'), (l) => l.map((x) => x.replace(/^(kodak24,analog,lite,0),3,/, '$1,4,')));
    r = await checkAgainstGolden({ inDir: nChanged, golden, log: quiet });
    expect(r.report).toMatch(/^analog\s+lite\s+0\s+n\s+3\s+4.*FAIL: n changed$/m);
  });

  test('a value that became empty, a changed signature or image subset fail', async () => {
    const emptied = editedCopy(base, path.join(work, 'emptied'), (l) =>
      l.map((x, i) => (i > 0 && x.includes(',analog,') ? x.split(',').map((v, j) => (j === 7 || j === 8 ? '' : v)).join(',') : x)),
    );
    let r = await checkAgainstGolden({ inDir: emptied, golden, log: quiet });
    expect(r.report).toMatch(/^analog\s+lite\s+0\s+lpips.*FAIL: value now empty$/m);

    const sig = path.join(work, 'sig');
    fs.cpSync(base, sig, { recursive: true });
    const run = JSON.parse(fs.readFileSync(path.join(sig, 'run.json'), 'utf8'));
    run.config.metrics.lpips = 'lpips:net=alex|v=0.1';
    fs.writeFileSync(path.join(sig, 'run.json'), JSON.stringify(run));
    r = await checkAgainstGolden({ inDir: sig, golden, log: quiet });
    expect(r.ok).toBe(false);
    expect(r.report).toContain('FAIL: metric lpips: signature changed from lpips:net=test');

    const imgs = path.join(work, 'images');
    await makeResults(imgs, { schemes: ['analog', 'multi-sc'], snrs: [0, 10, 20], seeds: 1, samples: 0, images: ['kodim04', 'kodim02', 'kodim03'] });
    r = await checkAgainstGolden({ inDir: imgs, golden, log: quiet, ciScale: 1000, absTol: 'cosine=9,lpips=9,bleu=9,psnr=99,ms_ssim=9' });
    expect(r.report).toContain('FAIL: image subset changed: golden kodim01,kodim02,kodim03, now kodim02,kodim03,kodim04');
  });

  test('--update-golden rewrites the file and prints the diff; a second update changes nothing', async () => {
    const g2 = path.join(work, 'golden', 'update.csv');
    fs.copyFileSync(golden, g2);
    const noisy = path.join(work, 'noisy2');
    await makeResults(noisy, { schemes: ['analog', 'multi-sc'], snrs: [0, 10, 20], seeds: 1, samples: 0, extraNoiseDb: { analog: 0.5 } });
    const u = await updateGolden({ inDir: noisy, golden: g2, log: quiet });
    expect(u.changed).toBe(true);
    expect(u.report).toMatch(/^scheme\s+profile\s+SNR dB\s+metric\s+old\s+new\s+Δ\s+Δ %\s+status$/m);
    expect(u.report).toMatch(/^analog\s+lite\s+20\s+psnr\s.*changed \(worse\)$/m);
    expect(u.report).toMatch(/updated .*update\.csv: \d+ value\(s\) changed$/);
    expect((await checkAgainstGolden({ inDir: noisy, golden: g2, log: quiet })).ok).toBe(true);
    const again = await updateGolden({ inDir: noisy, golden: g2, log: quiet });
    expect(again.changed).toBe(false);
    expect(again.report).toMatch(/unchanged: the results equal the golden/);
    // A tolerance given on update is recorded (and kept by later updates).
    await updateGolden({ inDir: noisy, golden: g2, ciScale: 0.25, absTol: 'psnr=0.05', log: quiet });
    expect(readGolden(g2).tolerance).toMatchObject({ ciScale: 0.25, absFloor: { psnr: 0.05, lpips: 0.001 } });
    await updateGolden({ inDir: noisy, golden: g2, log: quiet });
    expect(readGolden(g2).tolerance).toMatchObject({ ciScale: 0.25, absFloor: { psnr: 0.05 } });
  });

  test('user errors: no golden, no --in, bad tolerance, a shard as golden', async () => {
    await expect(checkAgainstGolden({ inDir: base, golden: path.join(work, 'nope.csv') })).rejects.toThrow(/not found: create it with "bench check --in RESULTS --golden .* --update-golden"/);
    await expect(checkAgainstGolden({ golden })).rejects.toThrow(/needs --in RESULTS/);
    await expect(checkCommand({ in: base, golden, rerun: true })).rejects.toThrow(/either --in RESULTS or --rerun/);
    expect(() => parseToleranceSpec('psnr=abc', '--abs-tol')).toThrow(/--abs-tol: "psnr=abc" is not metric=value/);
    expect(() => parseToleranceSpec('psnr=-1', '--abs-tol')).toThrow(/≥ 0/);
    const shard = path.join(work, 'shard');
    fs.cpSync(base, shard, { recursive: true });
    const run = JSON.parse(fs.readFileSync(path.join(shard, 'run.json'), 'utf8'));
    run.command.push('--shard', '1/2');
    fs.writeFileSync(path.join(shard, 'run.json'), JSON.stringify(run));
    expect(() => goldenCommandFor(shard)).toThrow(/one shard of a run/);
  });

  test('a golden without a command line cannot be rerun', async () => {
    const g3 = path.join(work, 'golden', 'nocmd.csv');
    fs.writeFileSync(g3, formatSummaryCsv(fakeRows({ seeds: 1 })));
    await expect(checkAgainstGolden({ golden: g3, rerun: true })).rejects.toThrow(/records no "# command:" line/);
  });
});

describe('compareSummaries', () => {
  test('an infinite PSNR (lossless image) equal on both sides is no change; finite vs infinite is', () => {
    const csv = formatSummaryCsv(fakeRows({ seeds: 1, images: ['kodim01'] }));
    const lossless = csv.replace(/^(kodak24,analog,lite,12,1,(?:[^,]*,){6})[^,]*/m, '$1inf');
    expect(lossless).not.toBe(csv);
    const a = parseSummaryCsv(lossless, 'a.csv');
    expect(compareSummaries(a, parseSummaryCsv(lossless, 'b.csv'), resolveTolerance()).failures).toEqual([]);
    const diff = compareSummaries(a, parseSummaryCsv(csv, 'c.csv'), resolveTolerance());
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

describe('the committed golden file', () => {
  test(`${path.relative(REPO, GOLDEN)} records a small deterministic analog run with offline metric models`, () => {
    const g = readGolden(GOLDEN);
    expect(g.command).toEqual([
      '--dataset', 'kodak24', '--schemes', 'analog', '--snr', '0,10,20', '--limit', '3', '--seeds', '1',
      '--profile', 'lite', '--metric-models', 'offline', '--samples', '0',
    ]);
    expect(g.images).toEqual(['kodim01', 'kodim02', 'kodim03']);
    expect(Object.keys(g.signatures).sort()).toEqual(['cosine', 'lpips', 'ms_ssim', 'psnr']);
    expect(g.summary.rows.map((r) => [r.scheme, r.snr_db, r.n])).toEqual([
      ['analog', 0, 3],
      ['analog', 10, 3],
      ['analog', 20, 3],
    ]);
    for (const r of g.summary.rows) for (const m of ['cosine', 'lpips', 'psnr', 'ms_ssim', 'channel_symbols']) expect(r.metrics[m]).not.toBeNull();
  });
});

/**
 * The golden's own run, re-run from its recorded command on the real Kodak images with the
 * offline metric models (what CI has), must pass; the same run with 0.5 dB more noise (the SNR
 * grid shifted down by 0.5 dB, relabelled) must fail.
 */
const dataDir = process.env.MULTISC_DATA_DIR;
const modelsDir = process.env.MULTISC_MODELS_DIR;
const haveData = Boolean(
  dataDir && fs.existsSync(path.join(dataDir, 'kodak24', 'kodim01.png')) && modelsDir && fs.existsSync(path.join(modelsDir, 'lpips-squeeze-caffe')),
);
let haveCli = true;
try {
  compiledCli();
} catch {
  haveCli = false;
}
if (!haveData || !haveCli) console.warn('golden rerun test skipped: needs MULTISC_DATA_DIR with kodak24/, MULTISC_MODELS_DIR with the offline metric models, and a build (dist/)');
const real = haveData && haveCli ? describe : describe.skip;

real('golden rerun on Kodak24 (analog, offline metric models)', () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    work = tempDir('golden-rerun');
    env = { ...process.env, MULTISC_CACHE_DIR: path.join(work, 'cache') };
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('--rerun of the recorded command reproduces the golden', async () => {
    const log: string[] = [];
    const r = await checkAgainstGolden({ golden: GOLDEN, rerun: true, env, log: (l) => log.push(l) });
    expect(log[0]).toMatch(/^rerun: bench run --dataset kodak24 --schemes analog --snr 0,10,20 .* --out \S+ --quiet$/);
    expect(r.report).toMatch(/^check OK/m);
    expect(r.ok).toBe(true);
  }, 300000);

  test('0.5 dB more noise (SNR grid shifted by −0.5 dB) fails the check', async () => {
    const g = readGolden(GOLDEN);
    const args = [...g.command!];
    const i = args.indexOf('--snr');
    args[i + 1] = '-0.5,9.5,19.5';
    const dir = rerunGolden(args, { env, log: quiet, tmpRoot: work });
    // Relabel the shifted points with the golden's SNRs: same cells, 0.5 dB more noise.
    const f = path.join(dir, 'summary.csv');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/,lite,(-?[\d.]+),/g, (_, s: string) => `,lite,${Number(s) + 0.5},`));
    const r = await checkAgainstGolden({ inDir: dir, golden: GOLDEN, log: quiet });
    expect(r.ok).toBe(false);
    expect(r.report).toMatch(/^analog\s+lite\s+20\s+psnr\s.*FAIL: worse$/m);
    expect(r.report).toMatch(/^check FAILED/m);
  }, 300000);
});
