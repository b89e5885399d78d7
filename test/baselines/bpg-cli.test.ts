import * as fs from 'fs';
import * as path from 'path';
import { cliEnv, column, makeSyntheticKodak, runCli, tempDir } from '../cli/helpers';
import { cliRequirement, describeWith } from '../requirements';

const d = describeWith(cliRequirement());

d('bench run with bpg-ldpc / bpg-capacity (synthetic Kodak-named images)', () => {
  let work: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const base = (out: string, ...more: string[]) => ['run', '--dataset', 'kodak24', '--data-dir', dataDir, '--metrics', 'psnr', '--out', out, '--quiet', '--limit', '1', '--no-cell-cache', ...more];

  beforeAll(async () => {
    work = tempDir('bpg-cli');
    dataDir = path.join(work, 'data');
    await makeSyntheticKodak(dataDir, 200, 180);
    env = cliEnv(path.join(work, 'cache'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('rows for both schemes; the capacity bound is never below bpg-ldpc; a re-run reads the prepared cache', () => {
    const out = path.join(work, 'run');
    const args = base(out, '--schemes', 'bpg-ldpc,bpg-capacity', '--snr', '-6,6,18', '--workers', '1');
    const r = runCli(args, env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const metrics = path.join(out, 'metrics.csv');
    const scheme = column(metrics, 'scheme');
    const snr = column(metrics, 'snr_db');
    const value = column(metrics, 'psnr').map(Number);
    const at = (s: string, x: string) => value[scheme.findIndex((v, i) => v === s && snr[i] === x)];
    for (const x of ['-6', '6', '18']) expect(at('bpg-capacity', x)).toBeGreaterThanOrEqual(at('bpg-ldpc', x));
    expect(at('bpg-ldpc', '18')).toBeGreaterThan(at('bpg-ldpc', '-6'));
    const { config, timings } = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(JSON.stringify(config)).toContain('min-sum/wasm-simd-i16x8');
    // x265 runs in the process host's children; the host is reaped at the end, so they count.
    expect(timings.phases['x265-encode'].calls).toBeGreaterThan(0);
    expect(timings.cpu_ms.children).toBeGreaterThan(0);
    expect(fs.readdirSync(path.join(work, 'cache', 'prepared', 'bpg-ldpc')).length).toBe(1);
    const again = runCli(base(path.join(work, 'again'), '--schemes', 'bpg-ldpc', '--snr', '18', '--workers', '1'), env);
    expect(again.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(work, 'again', 'run.json'), 'utf8')).timings.prepare['bpg-ldpc']).toMatchObject({ computed: 0, from_disk: 1 });
    expect(column(path.join(work, 'again', 'metrics.csv'), 'psnr')).toEqual([String(column(metrics, 'psnr')[scheme.findIndex((v, i) => v === 'bpg-ldpc' && snr[i] === '18')])]);
  });

  test("with two worker threads, each worker's process host is reaped at the end: the encoders' CPU time is counted", () => {
    const out = path.join(work, 'two-workers');
    const args = ['run', '--dataset', 'kodak24', '--data-dir', dataDir, '--metrics', 'psnr', '--out', out, '--quiet', '--limit', '2', '--schemes', 'bpg-capacity', '--snr', '6', '--workers', '2'];
    const r = runCli(args, cliEnv(path.join(work, 'cache-two-workers')));
    expect(r.status).toBe(0);
    const { timings } = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(timings.phases['x265-encode'].calls).toBeGreaterThan(0);
    expect(timings.cpu_ms.children).toBeGreaterThan(0);
    expect(Math.abs(timings.peak_rss_mib_per_worker - timings.peak_rss_mib / 2)).toBeLessThanOrEqual(1);
  });

  test('--bpg-codec bpgenc without bpgenc installed: one line, exit 1', () => {
    const r = runCli(base(path.join(work, 'nobpg'), '--schemes', 'bpg-ldpc', '--bpg-codec', 'bpgenc'), { ...env, PATH: '/nonexistent-bin' });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: --bpg-codec bpgenc: bpgenc not found on the PATH/);
  });

  test('a bad --bpg-mcs: one line, exit 1', () => {
    const r = runCli(base(path.join(work, 'badmcs'), '--schemes', 'bpg-ldpc', '--bpg-mcs', '2/3:32qam'), env);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*modulation "32qam"/);
  });
});
