import * as fs from 'fs';
import * as path from 'path';
import { cliEnv, column, makeSyntheticKodak, rowsWithoutTiming, runCli, startCli, tempDir } from './helpers';
import { cliRequirement, describeWith } from '../requirements';

const d = describeWith(cliRequirement());

d('bench run end to end (analog, synthetic Kodak-named images)', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let work: string;
  const base = (out: string, ...more: string[]) => [
    // Every run computes its cells (the cell cache would make two runs trivially equal); the cache has its own test.
    'run', '--dataset', 'kodak24', '--data-dir', dataDir, '--schemes', 'analog', '--metrics', 'psnr,ms_ssim', '--out', out, '--quiet', '--no-cell-cache', ...more,
  ];

  beforeAll(async () => {
    work = tempDir('cli');
    dataDir = path.join(work, 'data');
    await makeSyntheticKodak(dataDir);
    env = cliEnv(path.join(work, 'cache'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes metrics.csv, summary.csv, run.json and samples; PSNR rises with SNR', () => {
    const out = path.join(work, 'basic');
    const r = runCli(base(out, '--snr', '0,10,20', '--limit', '3'), env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const metrics = path.join(out, 'metrics.csv');
    expect(fs.readFileSync(metrics, 'utf8').split('\n')[0]).toBe(
      'dataset,scheme,profile,snr_db,image,seed,cosine,lpips,bleu,psnr,ms_ssim,channel_symbols,bits_sent,wall_ms',
    );
    const psnr = column(metrics, 'psnr').map(Number);
    const images = column(metrics, 'image');
    expect(psnr).toHaveLength(9);
    for (const im of ['kodim01', 'kodim02', 'kodim03']) {
      const p = psnr.filter((_, i) => images[i] === im);
      expect(p[1]).toBeGreaterThan(p[0]);
      expect(p[2]).toBeGreaterThan(p[1]);
    }
    expect(column(metrics, 'channel_symbols').every((v) => v === String((200 * 180 * 3) / 2))).toBe(true);
    expect(fs.readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.status).toBe('complete');
    expect(run.config.metrics.ms_ssim).toMatch(/^ms-ssim:/);
    expect(run.environment.node).toBe(process.version);
    // Where the time went: leaf phases summed over the workers, the rest as "other", CPU and memory.
    const t = run.timings;
    expect(t.phases['analog-encode']).toEqual({ ms: expect.any(Number), calls: 3 });
    expect(t.phases['analog-decode'].calls).toBe(9);
    expect(t.phases.channel.calls).toBe(9);
    expect(t.phases['image-load'].calls).toBe(3);
    expect(t.phases.other.calls).toBeNull();
    const phaseSum = Object.values(t.phases as Record<string, { ms: number }>).reduce((a, p) => a + p.ms, 0);
    expect(Math.abs(phaseSum - t.worker_busy_ms)).toBeLessThanOrEqual(Object.keys(t.phases).length);
    expect(t.cpu_ms.process).toBeGreaterThan(0);
    expect(t.peak_rss_mib).toBeGreaterThan(10);
    expect(fs.existsSync(path.join(out, 'samples', 'analog', 'kodim02_snr10.png'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'samples', 'source', 'kodim03.png'))).toBe(true);
  });

  test('the cell cache: a second run into another folder reads every cell, with the same rows; --no-cell-cache recomputes', () => {
    const cacheEnv = cliEnv(path.join(work, 'cell-cache'));
    const [a, b, c] = ['cc1', 'cc2', 'cc3'].map((n) => path.join(work, n));
    const grid = ['--snr', '0,20', '--limit', '3', '--samples', '1', '--cell-cache'];
    expect(runCli(base(a, ...grid), cacheEnv).status).toBe(0);
    expect(runCli(base(b, ...grid), cacheEnv).status).toBe(0);
    expect(runCli(base(c, ...grid.slice(0, -1), '--no-cell-cache'), cacheEnv).status).toBe(0);
    const timings = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).timings;
    expect(timings(a).cells_from_cache).toBe(0);
    // The sample image (kodim01) is always computed, its reconstructions are saved.
    expect(timings(b).cells_from_cache).toBe(4);
    expect(fs.existsSync(path.join(b, 'samples', 'analog', 'kodim01_snr20.png'))).toBe(true);
    expect(timings(c).cells_from_cache).toBe(0);
    expect(rowsWithoutTiming(path.join(b, 'metrics.csv'))).toEqual(rowsWithoutTiming(path.join(a, 'metrics.csv')));
    expect(rowsWithoutTiming(path.join(c, 'metrics.csv'))).toEqual(rowsWithoutTiming(path.join(a, 'metrics.csv')));
    // Another metric set is another scorer: nothing is reused.
    const d2 = path.join(work, 'cc4');
    expect(runCli([...base(d2, ...grid), '--metrics', 'psnr'], cacheEnv).status).toBe(0);
    expect(timings(d2).cells_from_cache).toBe(0);
  });

  test('one worker and two workers give the same rows', () => {
    const a = path.join(work, 'w1');
    const b = path.join(work, 'w2');
    expect(runCli(base(a, '--snr', '0,20', '--limit', '4', '--workers', '1'), env).status).toBe(0);
    expect(runCli(base(b, '--snr', '0,20', '--limit', '4', '--workers', '2'), env).status).toBe(0);
    expect(rowsWithoutTiming(path.join(b, 'metrics.csv'))).toEqual(rowsWithoutTiming(path.join(a, 'metrics.csv')));
  });

  test('a killed run resumes with no duplicate and no lost row', async () => {
    const grid = ['--snr', '-3:21:1', '--limit', '6', '--seeds', '2', '--workers', '1', '--samples', '0'];
    const ref = path.join(work, 'ref');
    expect(runCli(base(ref, ...grid), env).status).toBe(0);
    const total = rowsWithoutTiming(path.join(ref, 'metrics.csv')).length - 1;

    const out = path.join(work, 'killed');
    const metrics = path.join(out, 'metrics.csv');
    const child = startCli(base(out, ...grid), env);
    const rowsNow = () => (fs.existsSync(metrics) ? fs.readFileSync(metrics, 'utf8').split('\n').length - 2 : 0);
    while (rowsNow() < 5) await new Promise((res) => setTimeout(res, 5));
    child.kill('SIGKILL');
    await new Promise((res) => child.on('exit', res));
    const before = rowsNow();
    expect(before).toBeLessThan(total);
    fs.appendFileSync(metrics, 'kodak24,analog,lite,4,kodim0'); // the row in flight, cut off by the kill

    const again = runCli(base(out, ...grid, '--resume'), env);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`${total - before} cells run, ${before} already done`));
    const rows = rowsWithoutTiming(metrics);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows).toEqual(rowsWithoutTiming(path.join(ref, 'metrics.csv')));
    expect(fs.readFileSync(path.join(out, 'summary.csv'), 'utf8')).toBe(fs.readFileSync(path.join(ref, 'summary.csv'), 'utf8'));
  });

  test('two shards merged equal the unsharded run', () => {
    const grid = ['--snr', '0:20:5', '--limit', '5', '--seeds', '2', '--samples', '0'];
    const full = path.join(work, 'full');
    expect(runCli(base(full, ...grid), env).status).toBe(0);
    const s1 = path.join(work, 's1');
    const s2 = path.join(work, 's2');
    expect(runCli(base(s1, ...grid, '--shard', '1/2'), env).status).toBe(0);
    expect(runCli(base(s2, ...grid, '--shard', '2/2'), env).status).toBe(0);
    const n1 = rowsWithoutTiming(path.join(s1, 'metrics.csv')).length - 1;
    const n2 = rowsWithoutTiming(path.join(s2, 'metrics.csv')).length - 1;
    expect(n1).toBeGreaterThan(0);
    expect(n1 + n2).toBe(5 * 5 * 2);
    const merged = path.join(work, 'merged');
    const m = runCli(['merge', s1, s2, '--out', merged], env);
    expect(m.stderr).toBe('');
    expect(m.status).toBe(0);
    expect(rowsWithoutTiming(path.join(merged, 'metrics.csv'))).toEqual(rowsWithoutTiming(path.join(full, 'metrics.csv')));
    expect(fs.readFileSync(path.join(merged, 'summary.csv'), 'utf8')).toBe(fs.readFileSync(path.join(full, 'summary.csv'), 'utf8'));
    expect(JSON.parse(fs.readFileSync(path.join(merged, 'run.json'), 'utf8')).status).toBe('complete');
    // A missing shard is said plainly; merging a shard with itself is refused.
    expect(runCli(['merge', s1, '--out', path.join(work, 'half')], env).stdout).toMatch(/MISSING shards 2\/2/);
    const twice = runCli(['merge', s1, s1, '--out', path.join(work, 'twice')], env);
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/^error: cannot merge: cell .* is in both/);
  });

  describe('bad input: one line, non-zero exit, finished results intact', () => {
    let out: string;
    let before: string;
    beforeAll(() => {
      out = path.join(work, 'intact');
      expect(runCli(base(out, '--snr', '0,10', '--limit', '2'), env).status).toBe(0);
      before = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8');
    });

    const cases: [string, string[], RegExp][] = [
      ['a descending range', ['--snr', '5:1:1'], /--snr "5:1:1": the step 1 never goes from 5 to 1/],
      ['an unknown dataset', ['--dataset', 'nope'], /unknown dataset|nope/],
      ['an unknown scheme', ['--schemes', 'nope'], /unknown scheme "nope".*available schemes are .*analog/],
      ['a missing data dir', ['--data-dir', '/nonexistent/multisc'], /--data-dir \/nonexistent\/multisc is not a folder/],
      ['an unknown flag', ['--snrr', '3'], /Unknown argument/],
      ['a bad shard', ['--shard', '3/2'], /--shard "3\/2"/],
      ['an unknown metric', ['--metrics', 'psnr,fid'], /--metrics: unknown metric "fid"/],
      ['a missing models dir', ['--metrics', 'lpips', '--models-dir', '/nonexistent/models'], /--models-dir \/nonexistent\/models is not a folder/],
      ['a changed metric set on resume', ['--metrics', 'psnr'], /cannot resume in .*: metrics was/],
    ];
    test.each(cases)('%s', (_, args, message) => {
      const a = [...base(out, '--resume', '--limit', '2'), ...args];
      const r = runCli(a, env);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(message);
      expect(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8')).toBe(before);
    });

    test('existing results without --resume are refused, untouched', () => {
      const r = runCli(base(out, '--snr', '0,10', '--limit', '2'), env);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toMatch(/already holds results: pass --resume/);
      expect(fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8')).toBe(before);
    });

    test('--out naming a file is one error line; the file is untouched', () => {
      const file = path.join(work, 'not-a-folder.txt');
      fs.writeFileSync(file, 'keep me');
      const r = runCli(base(file, '--snr', '0', '--limit', '1'), env);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: --out .*not-a-folder\.txt is a file, not a folder: name a new folder/)]);
      expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    });

    test('a corrupt PNG names the file; --skip-bad skips it and records it', () => {
      const badData = path.join(work, 'bad-data');
      fs.cpSync(path.join(dataDir, 'kodak24'), path.join(badData, 'kodak24'), { recursive: true });
      const victim = path.join(badData, 'kodak24', 'kodim02.png');
      const bytes = fs.readFileSync(victim);
      fs.writeFileSync(victim, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const bad = ['run', '--dataset', 'kodak24', '--data-dir', badData, '--schemes', 'analog', '--metrics', 'psnr', '--quiet', '--snr', '0,10', '--limit', '3', '--workers', '1'];
      const partial = path.join(work, 'corrupt');
      const r = runCli([...bad, '--out', partial], env);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: cannot decode image .*kodim02\.png.*--skip-bad/);
      // kodim01 was finished before kodim02 failed: its rows stay.
      expect(column(path.join(partial, 'metrics.csv'), 'image')).toEqual(['kodim01', 'kodim01']);

      const skipped = path.join(work, 'skipped');
      const s = runCli([...bad, '--out', skipped, '--skip-bad'], env);
      expect(s.status).toBe(0);
      expect(new Set(column(path.join(skipped, 'metrics.csv'), 'image'))).toEqual(new Set(['kodim01', 'kodim03']));
      const run = JSON.parse(fs.readFileSync(path.join(skipped, 'run.json'), 'utf8'));
      expect(run.skipped_bad_images.map((b: { image: string }) => b.image)).toEqual(['kodim02']);
    });
  });

  test('--help lists every option with its default', () => {
    const r = runCli(['run', '--help'], env);
    expect(r.status).toBe(0);
    for (const flag of ['--dataset', '--schemes', '--snr', '--limit', '--seeds', '--profile', '--out', '--resume', '--shard', '--data-dir', '--workers']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toContain('[default: "-3:21:3"]');
  });
});
