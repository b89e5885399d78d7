import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir, ensureDataset } from '../../datasets';
import { benchOption } from '../../bench/bench-options';
import { isUserError } from '../../bench/errors';
import { metricModelSetFrom } from '../../bench/metrics/score';
import { parseSnrGrid } from '../../bench/sweep/grid';
import { runSweep } from '../../bench/sweep/run';

/**
 * `npm run bench:bpg [-- --limit N --snr -3:21:3 --workers N --passes 2 --cache-dir DIR --schemes bpg-ldpc,bpg-capacity --cell-cache]`:
 * the BPG schemes' sweep over Kodak24 (PSNR only), run `--passes` times into fresh results folders
 * with one cache folder (a fresh temporary one unless `--cache-dir`; deleted afterwards), each pass
 * in its own process: the first is cold, the next ones warm. Per pass it prints the x265 encodes
 * and decoder processes per image (the `x265-encode` / `x265-decode` phase calls of run.json),
 * the time of the BPG phases, the wall time and a hash of metrics.csv (less wall_ms), which must
 * be the same for every pass. The sweep's cell cache (finished cells read back whole) is off unless
 * `--cell-cache`: a warm pass then measures the BPG caches, not the skipping of every cell.
 */

interface Phase {
  ms: number;
  calls: number | null;
}

interface PassReport {
  pass: number;
  images: number;
  workers: number;
  wall_s: number;
  encodes_per_image: number;
  decodes_per_image: number;
  phases_s: Record<string, number>;
  prepare: unknown;
  metrics_sha256: string;
}

function metricsDigest(file: string): string {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const wall = head.indexOf('wall_ms');
  const rows = lines.map((l) => l.split(',').filter((_, i) => i !== wall).join(','));
  return createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16);
}

async function onePass(pass: number, cache: string): Promise<PassReport> {
  const limit = process.argv.includes('--limit') ? Number(benchOption('limit', '24')) : undefined;
  const snrs = parseSnrGrid(benchOption('snr', '-3:21:3'));
  const workers = Number(benchOption('workers', String(os.availableParallelism())));
  const schemes = benchOption('schemes', 'bpg-ldpc,bpg-capacity').split(',');
  const ds = await ensureDataset('kodak24', { fetchIfMissing: false, limit });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bench-bpg-'));
  try {
    const r = await runSweep({
      dataset: ds.name, split: null, dataRoot: ds.root, images: ds.images, missingImages: ds.missing, schemes,
      schemeOptions: {}, snrs, seeds: 1, profile: 'lite', out, resume: false, shard: null, workers, samples: 0,
      skipBad: false, cacheDir: cache, quiet: true, cellCache: process.argv.includes('--cell-cache'),
      scorer: { metrics: ['psnr'], metricModels: metricModelSetFrom('offline'), session: { threads: 1, cacheDir: cache } },
    });
    const timings = (JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')) as { timings: Record<string, unknown> }).timings;
    const phases = (timings.phases ?? {}) as Record<string, Phase>;
    const n = ds.images.length;
    const calls = (name: string): number => Math.round(((phases[name]?.calls ?? 0) / n) * 100) / 100;
    return {
      pass,
      images: n,
      workers,
      wall_s: Math.round(r.wallMs / 100) / 10,
      encodes_per_image: calls('x265-encode'),
      decodes_per_image: calls('x265-decode'),
      phases_s: Object.fromEntries(Object.entries(phases).map(([k, p]) => [k, Math.round(p.ms / 100) / 10])),
      prepare: timings.prepare,
      metrics_sha256: metricsDigest(path.join(out, 'metrics.csv')),
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--child-pass');
  if (child >= 0) {
    const report = await onePass(Number(process.argv[child + 1]), process.argv[child + 2]);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const passes = Number(benchOption('passes', '2'));
  const given = benchOption('cache-dir', '');
  const cache = given ? cacheDir(given) : fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bench-bpg-cache-'));
  try {
    for (let pass = 1; pass <= passes; pass++) {
      // A process per pass: nothing of one pass stays in memory for the next, as between two runs.
      const r = spawnSync(process.execPath, [__filename, ...process.argv.slice(2), '--child-pass', String(pass), cache], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`pass ${pass} failed (exit ${r.status ?? r.signal})`);
      process.stdout.write(r.stdout);
    }
  } finally {
    if (!given) fs.rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(isUserError(e) ? `error: ${e.message}\n` : `${(e as Error).stack}\n`);
  process.exit(1);
});
