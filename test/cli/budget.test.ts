import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { CACHED_ISNET, cliEnv, column, linkCachedIsnet, makeSyntheticKodak, runCli, tempDir } from './helpers';
import { cliRequirement, describeWith, fileRequirement, SHARED_MODELS } from '../requirements';

/**
 * `--budget k/n` from the CLI: every scheme, every row within ⌊k/n·H·W·3⌋ channel symbols on an
 * image with an odd number of values; a budget list runs one sweep per budget and writes
 * budgets.csv, which `bench plot` draws; conflicts and impossible budgets are one line.
 */
const [W, H] = [201, 181];
const ALL = ['analog', 'bpg-capacity', 'bpg-ldpc', 'deep-jscc', 'multi-sc', 'single-text', 'vlm-csc'];

function records(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
}

describeWith(
  cliRequirement(),
  fileRequirement('IS-Net', CACHED_ISNET, 'run "npm run models -- fetch isnet-general"'),
  fileRequirement('the YOLOX-Nano detector', path.join(SHARED_MODELS, 'yolox-nano-coco'), 'set MULTISC_MODELS_DIR to the offline models folder'),
)('bench run --budget', () => {
  let work: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    work = tempDir('budget');
    dataDir = path.join(work, 'data');
    await makeSyntheticKodak(dataDir, W, H);
    const cache = path.join(work, 'cache');
    linkCachedIsnet(cache);
    env = cliEnv(cache);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const run = (out: string, ...more: string[]) =>
    runCli(['run', '--dataset', 'kodak24', '--data-dir', dataDir, '--limit', '1', '--metrics', 'psnr', '--quiet', '--samples', '0', '--out', out, ...more], env);

  test('a budget list: one folder per budget, every row within its budget, budgets.csv with the k/n used, and its figure', () => {
    const out = path.join(work, 'sweep');
    const r = run(out, '--snr', '9', '--budget', '1/2,1/12', '--schemes', ALL.join(','));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/budgets\.csv: 2 budgets \(1\/12, 1\/2\); draw them with: bench plot --in /);
    for (const [text, ratio] of [['1_12', 1 / 12], ['1_2', 1 / 2]] as const) {
      const dir = path.join(out, `budget-${text}`);
      const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
      expect(run.config.budget).toBe(text.replace('_', '/'));
      expect(run.image_sizes).toEqual({ kodim01: [W, H] });
      expect(column(path.join(dir, 'metrics.csv'), 'scheme').sort()).toEqual(ALL);
      const cap = Math.floor(ratio * W * H * 3);
      for (const symbols of column(path.join(dir, 'metrics.csv'), 'channel_symbols').map(Number)) {
        expect(symbols).toBeGreaterThan(0);
        expect(symbols).toBeLessThanOrEqual(cap);
      }
      // summary.csv's k/n is channel_symbols / (H·W·3), row by row (one image: the mean is the value).
      for (const s of records(path.join(dir, 'summary.csv'))) expect(Number(s.kn_mean)).toBeCloseTo(Number(s.channel_symbols_mean) / (W * H * 3), 9);
    }
    const budgets = records(path.join(out, 'budgets.csv'));
    expect(budgets).toHaveLength(2 * ALL.length);
    for (const b of budgets) expect(Number(b.kn_mean)).toBeLessThanOrEqual(Number(b.budget_ratio));
    // The analog scheme fills its budget; VLM-CSC sends its caption whatever the budget.
    const used = (scheme: string, budget: string) => Number(budgets.find((b) => b.scheme === scheme && b.budget === budget)!.kn_mean);
    expect(used('analog', '1/2')).toBeGreaterThan(0.49);
    expect(used('analog', '1/12')).toBeGreaterThan(0.08);
    expect(used('vlm-csc', '1/2')).toBe(used('vlm-csc', '1/12'));

    const plots = path.join(work, 'plots');
    const p = runCli(['plot', '--in', out, '--out', plots], env);
    expect(p.stderr).toBe('');
    expect(p.stdout).not.toMatch(/warning/);
    expect(p.stdout).toMatch(/budget-kodak24-snr9\.png .*versus the bandwidth budget k\/n/);
    const html = fs.readFileSync(path.join(plots, 'index.html'), 'utf8');
    expect(html).toContain('<th>Budget k/n</th>');
    expect(html).toContain('<td>1/12</td>');
  });

  test('a budget list with --shard: one line, nothing written', () => {
    const out = path.join(work, 'sharded');
    const r = run(out, '--snr', '9', '--budget', '1/12,1/6', '--shard', '1/2', '--schemes', 'analog');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe('error: --shard with a list of budgets: shard one budget at a time (--budget 1/12 --shard 1/2, then merge), or run the list unsharded');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('--budget with --bpg-ratio or --analog-ratio: one line, nothing written', () => {
    for (const flag of ['--bpg-ratio', '--analog-ratio']) {
      const out = path.join(work, `conflict${flag}`);
      const r = run(out, '--snr', '9', '--budget', '1/6', flag, '1/6', '--schemes', 'analog');
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim()).toBe(`error: ${flag} and --budget both set a bandwidth ratio: give --budget alone (it applies to every scheme)`);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  test('two workers: a run that fails in one worker while the other is busy ends with its error line and exit 1', async () => {
    // The failing worker stops the pool; the other is asked to stop after its current cell before
    // it is terminated (a worker terminated inside ONNX Runtime once aborted the process, exit 134,
    // with no line: seen with a mid-run failure on real Kodak images, not reproduced here at will).
    const data = path.join(work, 'corrupt');
    await makeSyntheticKodak(data, W, H);
    const bad = path.join(data, 'kodak24', 'kodim03.png');
    fs.writeFileSync(bad, fs.readFileSync(bad).subarray(0, 100));
    const out = path.join(work, 'two-workers');
    const r = runCli(['run', '--dataset', 'kodak24', '--data-dir', data, '--limit', '4', '--workers', '2', '--snr', '9', '--metrics', 'psnr', '--quiet', '--samples', '0', '--schemes', 'multi-sc', '--out', out], env);
    expect(r.stderr.trim()).toMatch(/^error: cannot decode image .*kodim03\.png: .*pass --skip-bad to skip it\)$/);
    expect(r.status).toBe(1);
  });

  test('a scheme that cannot meet the budget on an image is left out of the run with one warning line; the others run', () => {
    const out = path.join(work, 'left-out');
    const r = run(out, '--snr', '9', '--budget', '1/200', '--schemes', 'analog,vlm-csc,deep-jscc', '--limit', '2');
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^warning: vlm-csc cannot meet --budget 1\/200 on kodim0[12]: its captions \(bpsk, none\) take \d+ channel symbols, the budget allows 545; raise --budget to at least \d+\/109143 or leave vlm-csc out; vlm-csc is left out of this run \(2 images refused, no rows\)$/),
    ]);
    expect([...new Set(column(path.join(out, 'metrics.csv'), 'scheme'))].sort()).toEqual(['analog', 'deep-jscc']);
    expect(records(path.join(out, 'summary.csv')).map((x) => x.scheme).sort()).toEqual(['analog', 'deep-jscc']);
    const refused = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).budget_refused;
    expect(Object.keys(refused)).toEqual(['vlm-csc']);
    expect(refused['vlm-csc'].images.sort()).toEqual(['kodim01', 'kodim02']);
    // A budget list goes on past a budget no scheme meets.
    const sweep = path.join(work, 'left-out-sweep');
    const l = run(sweep, '--snr', '9', '--budget', '1/100000,1/200', '--schemes', 'vlm-csc,analog');
    expect(l.status).toBe(0);
    expect(l.stdout).toMatch(/budget-1_100000: budget 1\/100000: no scheme meets it: vlm-csc cannot meet/);
    expect(l.stdout).toMatch(/budgets\.csv: 1 budgets \(1\/200\)/);
  });

  test('a budget below the captions stops with one line naming scheme, image and need; a resume under another budget is refused', () => {
    const out = path.join(work, 'tiny');
    const r = run(out, '--snr', '9', '--budget', '1/100000', '--schemes', 'vlm-csc', '--workers', '1');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/^error: vlm-csc cannot meet --budget 1\/100000 on kodim01: its captions \(bpsk, none\) take \d+ channel symbols, the budget allows 1; raise --budget to at least \d+\/109143 or leave vlm-csc out$/);
    const ok = path.join(work, 'resume');
    expect(run(ok, '--snr', '9', '--budget', '1/6', '--schemes', 'analog').status).toBe(0);
    const again = run(ok, '--snr', '9', '--budget', '1/12', '--schemes', 'analog', '--resume');
    expect(again.status).not.toBe(0);
    expect(again.stderr.trim()).toBe(`error: cannot resume in ${ok}: budget was "1/6", now "1/12"; use a new --out`);
  });
});
