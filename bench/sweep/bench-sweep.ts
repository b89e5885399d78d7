import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir, ensureDataset } from '../../datasets';
import { benchOption } from '../bench-options';
import { isUserError } from '../errors';
import { METRIC_NAMES, metricModelSetFrom, parseMetricList } from '../metrics/score';
import { schemeNames } from '../schemes/registry';
import { parseSnrGrid } from './grid';
import { runSweep } from './run';

/**
 * `npm run bench:sweep [-- --dataset kodak24 --schemes analog --snr -3:21:3 --workers N --metrics psnr,ms_ssim --limit N --cache-dir DIR]`:
 * the wall time of a sweep into a temporary folder (deleted afterwards), as one JSON line.
 * `--full` runs the README's main command instead (every scheme, every metric, all images) and
 * first prints where the time went: each phase's wall time summed over the workers, and the CPU
 * and memory figures of run.json `timings`. A fresh `--cache-dir` measures a cold run;
 * `--no-cell-cache` recomputes every cell even where the cache holds it.
 */
async function main(): Promise<void> {
  const full = process.argv.includes('--full');
  const dataset = benchOption('dataset', 'kodak24');
  const schemes = benchOption('schemes', full ? schemeNames().join(',') : 'analog').split(',');
  const snrs = parseSnrGrid(benchOption('snr', '-3:21:3'));
  const workers = Number(benchOption('workers', String(os.availableParallelism())));
  const metrics = parseMetricList(benchOption('metrics', full ? METRIC_NAMES.join(',') : 'psnr,ms_ssim'));
  const limit = process.argv.includes('--limit') ? Number(benchOption('limit', '0')) : undefined;
  const cache = cacheDir(benchOption('cache-dir', ''));
  const ds = await ensureDataset(dataset, { fetchIfMissing: true, skipMissing: dataset === 'voc2012', cacheDir: cache, limit });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bench-sweep-'));
  try {
    const r = await runSweep({
      dataset: ds.name, split: null, dataRoot: ds.root, images: ds.images, missingImages: ds.missing, schemes,
      schemeOptions: {}, snrs, seeds: 1, profile: 'lite', out, resume: false, shard: null, workers, samples: 0,
      skipBad: false, cacheDir: cache, quiet: true, cellCache: !process.argv.includes('--no-cell-cache'),
      scorer: { metrics, metricModels: metricModelSetFrom(undefined), session: { threads: 1, cacheDir: cache } },
    });
    const timings = (JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')) as { timings: Record<string, unknown> }).timings;
    if (full) printBreakdown(timings);
    console.log(JSON.stringify({
      bench: 'sweep', dataset: ds.name, images: ds.images.length, schemes, snrs: snrs.length, workers, metrics,
      cells: r.cellsRun, cells_from_cache: timings.cells_from_cache, wall_s: Math.round(r.wallMs / 100) / 10, cells_per_s: Math.round((r.cellsRun / r.wallMs) * 1e4) / 10,
      load_avg_1m: Math.round(os.loadavg()[0] * 100) / 100,
      ...(full ? { cpu_ms: timings.cpu_ms, peak_rss_mib: timings.peak_rss_mib, peak_rss_mib_per_worker: timings.peak_rss_mib_per_worker } : {}),
    }));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

export function printBreakdown(timings: Record<string, unknown>): void {
  const phases = timings.phases as Record<string, { ms: number; calls: number | null }>;
  const busy = timings.worker_busy_ms as number;
  const rows = Object.entries(phases).map(([name, p]) => [
    name,
    (p.ms / 1000).toFixed(1),
    `${((100 * p.ms) / Math.max(1, busy)).toFixed(1)}%`,
    p.calls === null ? '—' : String(p.calls),
    p.calls ? (p.ms / p.calls).toFixed(1) : '—',
  ]);
  const head = ['phase', 'wall s (all workers)', 'share', 'calls', 'ms/call'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(`workers busy ${(busy / 1000).toFixed(1)} s; run wall ${((timings.wall_ms as number) / 1000).toFixed(1)} s; CPU ${JSON.stringify(timings.cpu_ms)} ms; peak RSS ${String(timings.peak_rss_mib)} MiB (${String(timings.peak_rss_mib_per_worker)} MiB per worker)`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(isUserError(e) ? `error: ${e.message}\n` : `${(e as Error).stack}\n`);
    process.exit(1);
  });
}
