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

  test('--budget with --bpg-ratio or --analog-ratio: one line, nothing written', () => {
    for (const flag of ['--bpg-ratio', '--analog-ratio']) {
      const out = path.join(work, `conflict${flag}`);
      const r = run(out, '--snr', '9', '--budget', '1/6', flag, '1/6', '--schemes', 'analog');
      expect(r.status).not.toBe(0);
      expect(r.stderr.trim()).toBe(`error: ${flag} and --budget both set a bandwidth ratio: give --budget alone (it applies to every scheme)`);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  test('two workers: the one that cannot meet the budget stops the run with its line while the other is inside IS-Net', () => {
    // Both workers segment (ONNX Runtime) at once; the first to refuse must not take the process
    // down with a worker terminated inside a native call (it aborted, exit 134, with no line).
    const out = path.join(work, 'two-workers');
    const r = run(out, '--snr', '9', '--budget', '1/200', '--schemes', 'multi-sc', '--limit', '2', '--workers', '2');
    expect(r.stderr.trim()).toMatch(/^error: multi-sc cannot meet --budget 1\/200 on kodim0[12]: [^\n]*or leave multi-sc out$/);
    expect(r.status).toBe(1);
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
