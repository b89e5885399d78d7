import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { encodePng, loadImage } from '../image';
import { ImageScorer, type ScoredSource, type ScorerConfig } from '../metrics/score';
import { codeVersion } from '../code-version';
import { takePhaseTimes, timed, timedSync, type PhaseTimes } from '../phase-timer';
import { rngFor } from '../phy/rng';
import { schemeCodeVersion, schemeFactory } from '../schemes/registry';
import type { Profile } from '../models/registry';
import type { ChannelSpec } from '../phy/channel';
import { isBudgetRefusal, type BandwidthBudget } from '../schemes/bandwidth-ratio';
import type { Scheme, SchemeOptions } from '../schemes/scheme';
import { CellCache } from './cell-cache';
import { PrepareCache, contentHash, type PrepareSource } from './prepare-cache';
import type { MetricsRow } from './results';
import { formatNumber } from './results';

/** What every task of a sweep shares; plain data so that it can cross to a worker thread. */
export interface SweepEnv {
  dataset: string;
  profile: Profile;
  schemes: string[];
  schemeOptions: SchemeOptions;
  cacheDir: string;
  scorer: ScorerConfig;
  /** Where sample reconstructions go, or null for none. */
  samplesDir: string | null;
  /** Read and write finished cells in the cell cache (bench/sweep/cell-cache.ts); false recomputes every cell. */
  cellCache: boolean;
  skipBad: boolean;
  /**
   * Per scheme, the files of the models it uses (`id@sha256`, sorted): part of what keys its
   * prepared data and finished cells, so that another file under one id (a test fixture, a
   * re-export) is never answered from the cache of the first.
   */
  schemeModelFiles?: Record<string, string>;
  /** The channel of every cell (absent: AWGN). */
  channel?: ChannelSpec;
  /** `--budget` for every scheme (absent: each scheme's own ratio). */
  budget?: BandwidthBudget;
}

export interface CellSpec {
  scheme: string;
  snrDb: number;
  seed: number;
}

/** All cells of one image: the unit of work handed to a worker. */
export interface ImageTask {
  id: string;
  path: string;
  /** The ground-truth class mask (VOC), when the dataset has one. */
  maskPath?: string;
  cells: CellSpec[];
  saveSamples: boolean;
}

export type TaskEvent =
  | { kind: 'row'; row: MetricsRow; fromCache: boolean }
  | { kind: 'prepared'; scheme: string; image: string; ms: number; source: PrepareSource }
  | { kind: 'bad-image'; image: string; message: string }
  /** The scheme cannot meet --budget on this image (BudgetRefusal): its cells of the image are not run. */
  | { kind: 'budget-refused'; scheme: string; image: string; message: string }
  | { kind: 'task-done'; image: string; phases: PhaseTimes; busyMs: number };

/** Runs the cells of one image; holds the schemes and caches for the life of a process/worker. */
export class ImageTaskRunner {
  private readonly schemes = new Map<string, Scheme>();
  private readonly cache: PrepareCache;
  private scorer: Promise<ImageScorer> | null = null;
  private cells: CellCache | null | undefined;

  /**
   * `createScheme` builds each scheme of the sweep: by default the registry's factory with the
   * sweep's options. A caller may build or wrap one itself (the golden tests plant a change in a
   * scheme this way and check that its rows show it); a wrapped scheme keeps the name, config and
   * code version the cell cache keys on, so such a caller sets `cellCache: false`.
   */
  constructor(
    private readonly env: SweepEnv,
    createScheme: (name: string) => Scheme = (name) =>
      schemeFactory(name).create(env.schemeOptions, { session: env.scorer.session, dataset: env.dataset, profile: env.profile, channel: env.channel, budget: env.budget }),
  ) {
    for (const name of env.schemes) this.schemes.set(name, createScheme(name));
    this.cache = new PrepareCache(env.cacheDir, (scheme) => this.versionOf(scheme));
  }

  /** What a scheme's cached data depends on besides its config: its code, and its models' files. */
  private versionOf(scheme: Scheme): string {
    const files = this.env.schemeModelFiles?.[scheme.name];
    return files ? `${schemeCodeVersion(scheme.name)}|${files}` : schemeCodeVersion(scheme.name);
  }

  /** `stopping`: asked before each cell; true ends the task there (the sweep is closing after a failure). */
  async run(task: ImageTask, emit: (e: TaskEvent) => void, stopping: () => boolean = () => false): Promise<void> {
    const { env } = this;
    const started = performance.now();
    let bytes: Buffer;
    let source;
    try {
      bytes = fs.readFileSync(task.path);
      source = await timed('image-load', () => loadImage(bytes, task.path));
    } catch (e) {
      const message = isUserError(e) ? e.message : `cannot read image ${task.path}: ${(e as Error).message}`;
      if (!env.skipBad) throw isUserError(e) ? e : new Error(message);
      emit({ kind: 'bad-image', image: task.id, message });
      emit({ kind: 'task-done', image: task.id, phases: takePhaseTimes(), busyMs: performance.now() - started });
      return;
    }
    const hash = contentHash(bytes);
    this.scorer ??= ImageScorer.create(env.scorer);
    const scorer = await this.scorer;
    this.cells ??= env.cellCache
      ? new CellCache(env.cacheDir, (scheme) => this.versionOf(scheme), JSON.stringify([scorer.signatures(), codeVersion(require.resolve('../metrics/score'))]))
      : null;
    const saveSamples = task.saveSamples && env.samplesDir !== null;
    let scored: Promise<ScoredSource> | null = null;
    if (saveSamples) {
      const png = await timed('samples-io', () => encodePng(source));
      writeFileAtomic(path.join(env.samplesDir!, 'source', `${task.id}.png`), png);
    }
    const firstSeed = Math.min(...task.cells.map((c) => c.seed));
    const refused = new Set<string>();
    for (const cell of task.cells) {
      if (stopping()) break;
      if (refused.has(cell.scheme)) continue;
      const scheme = this.schemes.get(cell.scheme);
      if (!scheme) throw new Error(`scheme ${cell.scheme} is not part of this sweep`);
      const t0 = performance.now();
      const ids = { dataset: env.dataset, scheme: scheme.name, profile: env.profile, snr_db: cell.snrDb, image: task.id, seed: cell.seed };
      const cellKey = this.cells?.key({ ...ids, imageHash: hash, scheme, snrDb: cell.snrDb, seed: cell.seed, channel: env.channel }) ?? null;
      // Sample images are always computed: their reconstructions are saved.
      const hit = cellKey && !saveSamples ? timedSync('cell-cache-io', () => this.cells!.get(scheme.name, cellKey)) : null;
      if (hit) {
        emit({ kind: 'row', row: { ...ids, ...hit, wall_ms: Math.round((performance.now() - t0) * 10) / 10 }, fromCache: true });
        continue;
      }
      let prepared;
      try {
        prepared = await this.cache.get(scheme, source, hash, { dataset: env.dataset, id: task.id, path: task.path, maskPath: task.maskPath });
      } catch (e) {
        if (!isBudgetRefusal(e)) throw e;
        refused.add(cell.scheme);
        emit({ kind: 'budget-refused', scheme: cell.scheme, image: task.id, message: e.message });
        continue;
      }
      if (prepared.source !== 'memory') {
        emit({ kind: 'prepared', scheme: scheme.name, image: task.id, ms: performance.now() - t0, source: prepared.source });
      }
      const t1 = performance.now();
      const result = await scheme.transmit(prepared.value, {
        snrDb: cell.snrDb,
        seed: cell.seed,
        ...(env.channel ? { channel: env.channel } : {}),
        rng: (stream) =>
          rngFor({ dataset: env.dataset, image: task.id, scheme: scheme.name, snrDb: cell.snrDb, seed: cell.seed, stream }),
      });
      scored ??= scorer.prepareSource(source);
      const scores = await scorer.score(await scored, result.reconstruction, result.texts);
      const values = { ...scores, channel_symbols: result.channelSymbols, bits_sent: result.bitsSent };
      const wallMs = performance.now() - t1;
      if (cellKey) timedSync('cell-cache-io', () => this.cells!.set(scheme.name, cellKey, values));
      emit({ kind: 'row', row: { ...ids, ...values, wall_ms: Math.round(wallMs * 10) / 10 }, fromCache: false });
      if (saveSamples && cell.seed === firstSeed) {
        const base = path.join(env.samplesDir!, scheme.name, `${task.id}_snr${formatNumber(cell.snrDb)}`);
        writeFileAtomic(`${base}.png`, await timed('samples-io', () => encodePng(result.reconstruction)));
        if (result.texts) writeFileAtomic(`${base}.json`, JSON.stringify(result.texts, null, 2) + '\n');
      }
    }
    this.cache.clearMemory();
    emit({ kind: 'task-done', image: task.id, phases: takePhaseTimes(), busyMs: performance.now() - started });
  }
}
