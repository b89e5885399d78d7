import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { ImageScorer, type ScorerConfig } from '../metrics/score';
import { requirePaperModels } from '../models/paper-profile';
import { fetchModel, locateModel } from '../models/store';
import { addPhaseTimes, type PhaseTimes } from '../phase-timer';
import { createProgress } from '../progress';
import { environmentInfo, gitState } from '../run-info';
import { schemeFactory } from '../schemes/registry';
import type { SchemeOptions } from '../schemes/scheme';
import type { Profile } from '../models/registry';
import { AWGN, channelSignature, type ChannelSpec } from '../phy/channel';
import { inShard, type Shard } from './grid';
import { runTasks } from './pool';
import type { CellSpec, ImageTask, SweepEnv, TaskEvent } from './image-task';
import { cellKey, formatMetricsCsv, formatRow, formatSummaryCsv, metricsHeader, readMetrics, type ImageSizes, type MetricsRow } from './results';
import { imageFileSize } from '../image';
import { BudgetRefusal, type BandwidthBudget } from '../schemes/bandwidth-ratio';

export interface SweepImage {
  id: string;
  path: string;
  /** The ground-truth class mask (VOC `SegmentationClass/<id>.png`), when the dataset has one. */
  maskPath?: string;
}

export interface SweepConfig {
  dataset: string;
  /** Dataset split (VOC), recorded in run.json. */
  split: string | null;
  /** Folder the images came from, recorded in run.json. */
  dataRoot: string;
  images: SweepImage[];
  /** Ids the split lists but the folder lacks (--skip-missing), recorded in run.json. */
  missingImages: string[];
  schemes: string[];
  schemeOptions: SchemeOptions;
  snrs: number[];
  seeds: number;
  profile: Profile;
  /** The channel of every cell (absent: AWGN). */
  channel?: ChannelSpec;
  /** `--budget k/n` for every scheme (absent: each scheme's own ratio). */
  budget?: BandwidthBudget;
  out: string;
  resume: boolean;
  shard: Shard | null;
  workers: number;
  samples: number;
  skipBad: boolean;
  cacheDir: string;
  /** Reuse finished cells from the cell cache (default true); false recomputes every cell. */
  cellCache?: boolean;
  scorer: ScorerConfig;
  quiet?: boolean;
  /** The command line, for run.json. */
  argv?: string[];
}

export interface SweepOutcome {
  cellsTotal: number;
  cellsRun: number;
  cellsResumed: number;
  badImages: { image: string; message: string }[];
  /** Schemes that could not meet --budget on some image, left out of the run: the first refusal's line and every image refused. */
  budgetRefused: BudgetRefused;
  wallMs: number;
}

export type BudgetRefused = Record<string, { message: string; images: string[] }>;

/**
 * The part of the configuration that changes the numbers. A resumed run must match the run it
 * continues here, or its rows would mix two experiments in one folder.
 */
function resultConfig(cfg: SweepConfig, schemeConfigs: Record<string, unknown>, signatures: Record<string, string>): Record<string, unknown> {
  return {
    dataset: cfg.dataset,
    split: cfg.split,
    profile: cfg.profile,
    channel: channelSignature(cfg.channel ?? AWGN),
    budget: cfg.budget?.text ?? null,
    metric_models: cfg.scorer.metricModels,
    schemes: schemeConfigs,
    metrics: signatures,
  };
}

export async function runSweep(cfg: SweepConfig): Promise<SweepOutcome> {
  const started = new Date();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const children0 = childrenCpuMs();
  const schemeConfigs: Record<string, unknown> = {};
  const schemeModels = new Set<string>();
  const modelsOfScheme: Record<string, string[]> = {};
  for (const name of cfg.schemes) {
    const factory = schemeFactory(name);
    const ids = factory.requiredModels?.(cfg.schemeOptions, cfg.profile) ?? [];
    modelsOfScheme[name] = ids;
    // The paper profile's models are gigabytes: never fetched implicitly, and a missing one stops
    // the run before anything else (no scheme ever stands in for another).
    if (cfg.profile === 'paper') await requirePaperModels(name, ids, cfg.scorer.session);
    schemeConfigs[name] = factory.create(cfg.schemeOptions, { session: cfg.scorer.session, dataset: cfg.dataset, profile: cfg.profile, channel: cfg.channel, budget: cfg.budget }).config;
    for (const id of ids) schemeModels.add(id);
  }
  // Models are fetched (where they have a public source) and loaded before any cell runs, so a
  // missing or wrong one stops the run at once with one line.
  const neededModels = [...new Set([...ImageScorer.requiredModels(cfg.scorer), ...schemeModels])];
  for (const id of neededModels) await fetchModel(id, cfg.scorer.session);
  const scorer = await ImageScorer.create(cfg.scorer);
  const models = await Promise.all(
    neededModels.map(async (id) => {
      const file = await locateModel(id, cfg.scorer.session);
      return { id, sha256: file.sha256, path: file.path, source: file.source.kind };
    }),
  );
  const fixtures = models.filter((m) => m.source === 'fixture').map((m) => m.id);
  if (fixtures.length) {
    process.stderr.write(`warning: ${fixtures.join(', ')}: test fixtures (same inputs and outputs, not the real weights); these results mean nothing\n`);
  }
  let results = resultConfig(cfg, schemeConfigs, scorer.signatures());

  if (fs.existsSync(cfg.out) && !fs.statSync(cfg.out).isDirectory()) {
    throw new UserError(`--out ${cfg.out} is a file, not a folder: name a new folder for the results (it is created) or an existing results folder with --resume`);
  }
  try {
    fs.mkdirSync(cfg.out, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`cannot create the results folder --out ${cfg.out}: ${err.code ?? err.message} at ${err.path ?? cfg.out}; choose a writable folder`);
  }
  const metricsFile = path.join(cfg.out, 'metrics.csv');
  const runFile = path.join(cfg.out, 'run.json');
  const done = new Set<string>();
  // Each image's size, from its header: what turns channel symbols into k/n in summary.csv.
  const sizes: Record<string, readonly [number, number]> = {};
  for (const im of cfg.images) {
    const size = await imageFileSize(im.path);
    if (size) sizes[im.id] = [size.width, size.height];
  }
  if (fs.existsSync(metricsFile)) {
    if (!cfg.resume) {
      throw new UserError(`${metricsFile} already holds results: pass --resume to continue that run, or choose another --out`);
    }
    // The folder keeps the rows of the schemes run before, so run.json keeps their configs too.
    const prev = checkResumable(runFile, results);
    results = { ...results, schemes: { ...prev.schemes, ...schemeConfigs } };
    for (const [id, size] of Object.entries(prev.imageSizes)) sizes[id] ??= size;
    const { rows, validBytes } = readMetrics(metricsFile);
    // Cut off a row that was being written when the previous run was killed.
    if (fs.statSync(metricsFile).size !== validBytes) fs.truncateSync(metricsFile, validBytes);
    if (validBytes === 0) fs.writeFileSync(metricsFile, metricsHeader());
    for (const r of rows) done.add(cellKey(r));
  } else {
    fs.writeFileSync(metricsFile, metricsHeader());
  }

  // Canonical cell order: image (dataset order), scheme, SNR, seed. Shards are slices of it.
  const all: { image: SweepImage; imageIndex: number; cell: CellSpec }[] = [];
  cfg.images.forEach((image, imageIndex) => {
    for (const scheme of cfg.schemes)
      for (const snrDb of cfg.snrs)
        for (let seed = 0; seed < cfg.seeds; seed++) all.push({ image, imageIndex, cell: { scheme, snrDb, seed } });
  });
  const mine = all.filter((_, i) => inShard(i, all.length, cfg.shard));
  const key = (image: string, c: CellSpec): string =>
    cellKey({ dataset: cfg.dataset, scheme: c.scheme, profile: cfg.profile, snr_db: c.snrDb, image, seed: c.seed });
  const todo = mine.filter((x) => !done.has(key(x.image.id, x.cell)));
  const tasks: ImageTask[] = [];
  for (const x of todo) {
    const last = tasks[tasks.length - 1];
    if (last && last.id === x.image.id) last.cells.push(x.cell);
    else tasks.push({ id: x.image.id, path: x.image.path, maskPath: x.image.maskPath, cells: [x.cell], saveSamples: x.imageIndex < cfg.samples });
  }

  const runInfo = (status: string, extra: Record<string, unknown>): Record<string, unknown> => ({
    tool: 'multi-sc-bench',
    status,
    started: started.toISOString(),
    command: cfg.argv ?? null,
    config: {
      ...results,
      data_root: cfg.dataRoot,
      images: cfg.images.length,
      snr_db: cfg.snrs,
      seeds: cfg.seeds,
      shard: cfg.shard ? `${cfg.shard.k}/${cfg.shard.n}` : null,
      workers: cfg.workers,
      samples: cfg.samples,
      skip_bad: cfg.skipBad,
      cell_cache: cfg.cellCache ?? true,
    },
    conventions: {
      snr: 'Es/N0 per complex channel symbol, Es = 1, noise CN(0, N0) with N0 = 10^(-SNR/10), N0/2 per real component',
      rng: 'xoshiro128** seeded by SHA-256 of [dataset, image, scheme, snr_db, seed, stream]',
    },
    environment: environmentInfo(),
    git: gitState(),
    models,
    missing_images: cfg.missingImages,
    image_sizes: sizes,
    ...extra,
  });
  writeFileAtomic(runFile, JSON.stringify(runInfo('running', {}), null, 2) + '\n');

  const prepareMs: Record<string, { computed: number; from_disk: number; ms: number }> = {};
  const phases: PhaseTimes = {};
  let busyMs = 0;
  const badImages: { image: string; message: string }[] = [];
  const budgetRefused: BudgetRefused = {};
  const fd = fs.openSync(metricsFile, 'a');
  const progress = createProgress({ label: `${cfg.dataset}`, total: todo.length, quiet: cfg.quiet });
  const env: SweepEnv = {
    dataset: cfg.dataset,
    profile: cfg.profile,
    schemes: cfg.schemes,
    schemeOptions: cfg.schemeOptions,
    cacheDir: cfg.cacheDir,
    samplesDir: cfg.samples > 0 ? path.join(cfg.out, 'samples') : null,
    cellCache: cfg.cellCache ?? true,
    skipBad: cfg.skipBad,
    scorer: cfg.scorer,
    ...(cfg.channel && cfg.channel.kind !== 'awgn' ? { channel: cfg.channel } : {}),
    ...(cfg.budget ? { budget: cfg.budget } : {}),
    schemeModelFiles: Object.fromEntries(
      Object.entries(modelsOfScheme).map(([name, ids]) => [name, models.filter((m) => ids.includes(m.id)).map((m) => `${m.id}@${m.sha256}`).sort().join(',')]),
    ),
  };
  let cellsRun = 0;
  let cellsFromCache = 0;
  const onEvent = (e: TaskEvent): void => {
    if (e.kind === 'row') {
      // One write per row: a killed run loses at most the row in flight.
      fs.writeSync(fd, formatRow(e.row));
      cellsRun++;
      if (e.fromCache) cellsFromCache++;
      progress.tick();
    } else if (e.kind === 'prepared') {
      const p = (prepareMs[e.scheme] ??= { computed: 0, from_disk: 0, ms: 0 });
      if (e.source === 'disk') p.from_disk++;
      else p.computed++;
      p.ms += e.ms;
    } else if (e.kind === 'task-done') {
      addPhaseTimes(phases, e.phases);
      busyMs += e.busyMs;
    } else if (e.kind === 'budget-refused') {
      const r = (budgetRefused[e.scheme] ??= { message: e.message, images: [] });
      r.images.push(e.image);
      progress.tick(todo.filter((x) => x.image.id === e.image && x.cell.scheme === e.scheme).length);
    } else if (e.kind === 'bad-image') {
      badImages.push({ image: e.image, message: e.message });
      const skipped = todo.filter((x) => x.image.id === e.image).length;
      progress.tick(skipped);
      if (!cfg.quiet) process.stderr.write(`skipped ${e.image}: ${e.message}\n`);
    }
  };
  const workersUsed = Math.max(1, Math.min(cfg.workers, tasks.length));
  try {
    await runTasks(env, tasks, workersUsed, onEvent);
  } finally {
    fs.closeSync(fd);
    progress.done();
  }

  // A scheme refused on one image is left out on all: its mean over the images it could send
  // would not be comparable with the others'.
  const rows = readMetrics(metricsFile).rows.filter((r) => !(r.scheme in budgetRefused));
  writeFileAtomic(metricsFile, formatMetricsCsv(rows));
  writeFileAtomic(path.join(cfg.out, 'summary.csv'), formatSummaryCsv(rows, sizes));
  const wallMs = performance.now() - t0;
  const outcome: SweepOutcome = {
    cellsTotal: mine.length,
    cellsRun,
    cellsResumed: mine.length - todo.length,
    badImages,
    budgetRefused,
    wallMs,
  };
  writeFileAtomic(
    runFile,
    JSON.stringify(
      runInfo('complete', {
        finished: new Date().toISOString(),
        skipped_bad_images: badImages,
        budget_refused: budgetRefused,
        timings: {
          wall_ms: Math.round(wallMs),
          cells_in_shard: outcome.cellsTotal,
          cells_run: cellsRun,
          cells_resumed: outcome.cellsResumed,
          cells_from_cache: cellsFromCache,
          rows_in_file: rows.length,
          prepare: prepareMs,
          mean_cell_ms: cellsRun ? Math.round((rows.reduce((a, r) => a + r.wall_ms, 0) / rows.length) * 10) / 10 : null,
          host_cpus: os.cpus().length,
          ...resourceTimings(phases, busyMs, cpu0, children0, workersUsed),
        },
      }),
      null,
      2,
    ) + '\n',
  );
  const refused = Object.keys(budgetRefused);
  if (refused.length > 0 && refused.length === cfg.schemes.length) {
    throw new BudgetRefusal(refused[0], `${budgetRefused[refused[0]].message}${refused.length > 1 ? ` (and ${refused.slice(1).join(', ')}: no scheme of the run meets it)` : ''}`);
  }
  // Always said, --quiet or not: the run's results lack these schemes.
  for (const [scheme, r] of Object.entries(budgetRefused)) {
    process.stderr.write(`warning: ${r.message}; ${scheme} is left out of this run (${r.images.length} image${r.images.length === 1 ? '' : 's'} refused, no rows)\n`);
  }
  return outcome;
}

/** What a finished sweep did, for the command's last line: `N cells run, M already done[, B bad image(s) skipped], T s`. */
export function outcomeText(o: SweepOutcome): string {
  const bad = o.badImages.length ? `, ${o.badImages.length} bad image(s) skipped` : '';
  return `${o.cellsRun} cells run, ${o.cellsResumed} already done${bad}, ${(o.wallMs / 1000).toFixed(1)} s`;
}

/** Throws unless the folder's earlier run is the same experiment; returns its scheme configs and image sizes. */
function checkResumable(runFile: string, current: Record<string, unknown>): { schemes: Record<string, unknown>; imageSizes: ImageSizes } {
  let prev: { config?: Record<string, unknown>; image_sizes?: ImageSizes };
  try {
    prev = JSON.parse(fs.readFileSync(runFile, 'utf8')) as typeof prev;
  } catch {
    throw new UserError(`cannot resume: ${runFile} is missing or unreadable, so the earlier run's settings are unknown; use a new --out`);
  }
  // A run.json from before the channel and budget were recorded ran over AWGN with none.
  const c: Record<string, unknown> = { channel: 'awgn', budget: null, ...(prev.config ?? {}) };
  for (const k of ['dataset', 'split', 'profile', 'channel', 'budget', 'metrics'] as const) {
    if (JSON.stringify(c[k]) !== JSON.stringify(current[k])) {
      throw new UserError(`cannot resume in ${path.dirname(runFile)}: ${k} was ${JSON.stringify(c[k])}, now ${JSON.stringify(current[k])}; use a new --out`);
    }
  }
  const prevSchemes = (c.schemes ?? {}) as Record<string, unknown>;
  const curSchemes = current.schemes as Record<string, unknown>;
  for (const [name, conf] of Object.entries(curSchemes)) {
    if (name in prevSchemes && JSON.stringify(prevSchemes[name]) !== JSON.stringify(conf)) {
      throw new UserError(
        `cannot resume in ${path.dirname(runFile)}: scheme ${name} was run with ${JSON.stringify(prevSchemes[name])}, now ${JSON.stringify(conf)}; use a new --out`,
      );
    }
  }
  return { schemes: prevSchemes, imageSizes: prev.image_sizes ?? {} };
}

/** CPU milliseconds of this process's finished child processes (ffmpeg), from /proc; null elsewhere. */
function childrenCpuMs(): number | null {
  try {
    // Fields after the command name: state is field 3; cutime and cstime are fields 16 and 17 (clock ticks, 100 per s on Linux).
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * 10;
  } catch {
    return null;
  }
}

/**
 * Where the time went (run.json `timings`): each phase's wall time summed over the workers
 * (bench/phase-timer.ts; `other` is the workers' busy time no phase covers: scheduling, model
 * loading, bookkeeping), the CPU time of the whole process (all worker threads) and of its child
 * processes (x265), and the process's peak resident memory. Worker threads share one process, so
 * the peak RSS is that of all workers together; `peak_rss_mib_per_worker` divides it by the
 * worker threads (there is no per-thread figure; `--workers 1` measures one worker alone).
 */
function resourceTimings(phases: PhaseTimes, busyMs: number, cpu0: NodeJS.CpuUsage, children0: number | null, workers: number): Record<string, unknown> {
  const cpu = process.cpuUsage(cpu0);
  const children = childrenCpuMs();
  const peakRssMib = process.resourceUsage().maxRSS / 1024;
  const covered = Object.values(phases).reduce((a, p) => a + p.ms, 0);
  const sorted = Object.entries(phases).sort((a, b) => b[1].ms - a[1].ms);
  return {
    worker_busy_ms: Math.round(busyMs),
    phases: Object.fromEntries([
      ...sorted.map(([name, p]) => [name, { ms: Math.round(p.ms), calls: p.calls }]),
      ['other', { ms: Math.round(Math.max(0, busyMs - covered)), calls: null }],
    ]),
    cpu_ms: { process: Math.round((cpu.user + cpu.system) / 1000), children: children === null || children0 === null ? null : children - children0 },
    peak_rss_mib: Math.round(peakRssMib),
    peak_rss_mib_per_worker: Math.round(peakRssMib / workers),
  };
}
