import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { cellKey, formatMetricsCsv, formatRow, formatSummaryCsv, readMetrics, type ImageSizes, type MetricsRow } from './results';

interface RunJson {
  status?: string;
  config?: Record<string, unknown> & { shard?: string | null };
  [k: string]: unknown;
}

/**
 * Combines the result folders of a sharded sweep into one folder equal to the unsharded run:
 * the same rows (checked to be disjoint), sorted the same way, and the summary recomputed.
 * The folders must come from the same experiment (dataset, split, profile, scheme configs, metrics).
 */
export function mergeResults(dirs: string[], out: string): { rows: number; shards: string[]; missingShards: string[] } {
  if (dirs.length === 0) throw new UserError('merge needs at least one results folder');
  const runs: { dir: string; run: RunJson; rows: MetricsRow[] }[] = dirs.map((dir) => {
    const runFile = path.join(dir, 'run.json');
    const metricsFile = path.join(dir, 'metrics.csv');
    if (!fs.existsSync(metricsFile) || !fs.existsSync(runFile)) {
      throw new UserError(`${dir} is not a results folder (needs metrics.csv and run.json)`);
    }
    let run: RunJson;
    try {
      run = JSON.parse(fs.readFileSync(runFile, 'utf8')) as RunJson;
    } catch {
      throw new UserError(`${runFile} is not valid JSON`);
    }
    if (run.status !== 'complete') {
      throw new UserError(`${dir} holds an unfinished run (status ${String(run.status)}): finish it with --resume before merging`);
    }
    return { dir, run, rows: readMetrics(metricsFile).rows };
  });

  const same = (k: string): void => {
    const first = JSON.stringify(runs[0].run.config?.[k]);
    for (const r of runs.slice(1)) {
      if (JSON.stringify(r.run.config?.[k]) !== first) {
        throw new UserError(`cannot merge: ${k} differs between ${runs[0].dir} (${first}) and ${r.dir} (${JSON.stringify(r.run.config?.[k])})`);
      }
    }
  };
  for (const k of ['dataset', 'split', 'profile', 'channel', 'budget', 'schemes', 'metrics', 'snr_db', 'seeds', 'images']) same(k);

  const byKey = new Map<string, { row: MetricsRow; dir: string }>();
  for (const r of runs) {
    for (const row of r.rows) {
      const k = cellKey(row);
      const prev = byKey.get(k);
      if (prev) {
        throw new UserError(`cannot merge: cell ${k} is in both ${prev.dir} and ${r.dir}; shards must not overlap`);
      }
      byKey.set(k, { row, dir: r.dir });
    }
  }
  const rows = [...byKey.values()].map((x) => x.row);

  const shards = runs.map((r) => r.run.config?.shard ?? 'all');
  const missingShards: string[] = [];
  const n = shards.map((s) => (s === 'all' ? NaN : Number(s.split('/')[1]))).find((x) => Number.isFinite(x));
  if (n !== undefined) for (let k = 1; k <= n; k++) if (!shards.includes(`${k}/${n}`)) missingShards.push(`${k}/${n}`);

  fs.mkdirSync(out, { recursive: true });
  if (fs.existsSync(path.join(out, 'metrics.csv')) && !dirs.some((d) => path.resolve(d) === path.resolve(out))) {
    throw new UserError(`${path.join(out, 'metrics.csv')} already exists: merge into an empty folder`);
  }
  writeFileAtomic(path.join(out, 'metrics.csv'), formatMetricsCsv(rows));
  const sizes: Record<string, readonly [number, number]> = {};
  for (const r of runs) Object.assign(sizes, (r.run.image_sizes ?? {}) as ImageSizes);
  writeFileAtomic(path.join(out, 'summary.csv'), formatSummaryCsv(rows, sizes));
  const base = runs[0].run;
  const merged = {
    ...base,
    status: missingShards.length ? 'partial' : 'complete',
    config: { ...base.config, shard: null },
    image_sizes: sizes,
    merged_from: runs.map((r) => ({ dir: path.resolve(r.dir), shard: r.run.config?.shard ?? null, rows: r.rows.length, started: r.run.started, git: r.run.git })),
    missing_shards: missingShards,
    timings: { shards: runs.map((r) => r.run.timings ?? null) },
  };
  writeFileAtomic(path.join(out, 'run.json'), JSON.stringify(merged, null, 2) + '\n');
  return { rows: rows.length, shards, missingShards };
}
