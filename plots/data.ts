import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../bench/errors';
import { parseNumber } from '../bench/sweep/results';

/** Mean and 95% CI half-width of one metric in one summary row (ci95 null when n < 2). */
export interface MeanCi {
  mean: number;
  ci95: number | null;
}

/** A row of summary.csv: one curve point (dataset × scheme × profile × SNR). */
export interface SummaryRow {
  dataset: string;
  scheme: string;
  profile: string;
  snr_db: number;
  n: number;
  /** By metric name (`cosine`, `lpips`, …); absent or null where the metric does not apply. */
  metrics: Record<string, MeanCi | null>;
  /** A budget sweep's row (budgets.csv): the `--budget` it ran under. */
  budget?: { text: string; ratio: number };
}

export interface Summary {
  file: string;
  /** Metric names in column order (every `<m>_mean` column). */
  metricNames: string[];
  rows: SummaryRow[];
}

const KEY_COLUMNS = ['dataset', 'scheme', 'profile', 'snr_db', 'n'] as const;

/** Parses summary.csv text (header: dataset,scheme,profile,snr_db,n then `<m>_mean,<m>_ci95` pairs). */
export function parseSummaryCsv(text: string, file: string): Summary {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new UserError(`${file}: not valid CSV (${(e as Error).message.split('\n')[0]}); re-run the sweep or restore the file`);
  }
  if (records.length === 0) throw new UserError(`${file} is empty: expected a summary.csv header and rows`);
  const header = records[0];
  for (const [i, c] of KEY_COLUMNS.entries()) {
    if (header[i] !== c) {
      throw new UserError(`${file}: column ${i + 1} is "${header[i] ?? ''}", expected "${c}"; is this a multi-sc-bench summary.csv?`);
    }
  }
  const metricNames: string[] = [];
  for (let i = KEY_COLUMNS.length; i < header.length; i += 2) {
    const m = /^(.+)_mean$/.exec(header[i]);
    if (!m || header[i + 1] !== `${m[1]}_ci95`) {
      throw new UserError(`${file}: columns ${i + 1}-${i + 2} are "${header[i]}","${header[i + 1] ?? ''}", expected a <metric>_mean,<metric>_ci95 pair`);
    }
    metricNames.push(m[1]);
  }
  const rows: SummaryRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const f = records[r];
    const where = `${file} row ${r + 1}`;
    if (f.length !== header.length) throw new UserError(`${where}: ${f.length} fields, expected ${header.length}; re-run the sweep or restore the file`);
    const snr = parseNumber(f[3], where);
    const n = parseNumber(f[4], where);
    if (snr === null || n === null) throw new UserError(`${where}: snr_db and n must not be empty`);
    const metrics: Record<string, MeanCi | null> = {};
    metricNames.forEach((m, j) => {
      const mean = parseNumber(f[KEY_COLUMNS.length + 2 * j], where);
      const ci95 = parseNumber(f[KEY_COLUMNS.length + 2 * j + 1], where);
      metrics[m] = mean === null ? null : { mean, ci95 };
    });
    rows.push({ dataset: f[0], scheme: f[1], profile: f[2], snr_db: snr, n, metrics });
  }
  return { file, metricNames, rows };
}

/**
 * Parses budgets.csv (bench/sweep/budget-sweep.ts): `budget,budget_ratio` then summary.csv's
 * columns, a row per budget × scheme × SNR.
 */
export function parseBudgetsCsv(text: string, file: string): Summary {
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new UserError(`${file}: not valid CSV (${(e as Error).message.split('\n')[0]}); re-run the budget sweep`);
  }
  if (records.length === 0 || records[0][0] !== 'budget' || records[0][1] !== 'budget_ratio') {
    throw new UserError(`${file}: the header does not start with budget,budget_ratio; is this a multi-sc-bench budgets.csv?`);
  }
  const summary = parseSummaryCsv(stringify(records.map((r) => r.slice(2))), file);
  summary.rows.forEach((row, i) => {
    const f = records[i + 1];
    const ratio = parseNumber(f[1], `${file} row ${i + 2}`);
    if (ratio === null) throw new UserError(`${file} row ${i + 2}: budget_ratio is empty`);
    row.budget = { text: f[0], ratio };
  });
  return summary;
}

export function readSummary(file: string): Summary {
  if (!fs.existsSync(file)) {
    throw new UserError(`${file} not found: point --in at a results folder written by "bench run" (it holds summary.csv)`);
  }
  return parseSummaryCsv(fs.readFileSync(file, 'utf8'), file);
}

/** What the figures and the report show from run.json (every field optional: an old or partial run.json still plots). */
export interface RunMeta {
  file: string | null;
  status: string | null;
  started: string | null;
  finished: string | null;
  command: string[] | null;
  dataset: string | null;
  split: string | null;
  profile: string | null;
  /** Which metric models scored the run (offline | public), independent of the profile. */
  metricModels: string | null;
  /** The channel signature (`awgn`, `rayleigh:block=N|csi=perfect`); null in runs before it was recorded (AWGN). */
  channel: string | null;
  /** `--budget` (k/n) of the run, or of each run of a budget sweep; null: each scheme's own ratio. */
  budget: string | null;
  images: number | null;
  seeds: number | null;
  snrs: number[] | null;
  /** Metric name → signature (config.metrics). */
  signatures: Record<string, string>;
  /** Scheme name → its config (config.schemes). */
  schemes: Record<string, unknown>;
  models: { id: string; sha256: string; source: string }[];
  environment: Record<string, unknown>;
  git: Record<string, unknown>;
  timings: Record<string, unknown>;
  missingImages: string[];
  raw: Record<string, unknown>;
}

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function readRunMeta(dir: string): RunMeta {
  const file = path.join(dir, 'run.json');
  let raw: Record<string, unknown> = {};
  let found: string | null = null;
  if (fs.existsSync(file)) {
    try {
      raw = obj(JSON.parse(fs.readFileSync(file, 'utf8')));
      found = file;
    } catch {
      throw new UserError(`${file} is not valid JSON: restore it from the run or re-run the sweep`);
    }
  }
  const config = obj(raw.config);
  const signatures: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(config.metrics))) if (typeof v === 'string') signatures[k] = v;
  const models = Array.isArray(raw.models)
    ? raw.models.map(obj).map((m) => ({ id: String(m.id ?? ''), sha256: String(m.sha256 ?? ''), source: String(m.source ?? '') }))
    : [];
  return {
    file: found,
    status: str(raw.status),
    started: str(raw.started),
    finished: str(raw.finished),
    command: Array.isArray(raw.command) && raw.command.every((x) => typeof x === 'string') ? (raw.command as string[]) : null,
    dataset: str(config.dataset),
    split: str(config.split),
    profile: str(config.profile),
    metricModels: str(config.metric_models),
    channel: str(config.channel),
    budget: str(config.budget),
    images: int(config.images),
    seeds: int(config.seeds),
    snrs: Array.isArray(config.snr_db) && config.snr_db.every((x) => typeof x === 'number') ? (config.snr_db as number[]) : null,
    signatures,
    schemes: obj(config.schemes),
    models,
    environment: obj(raw.environment),
    git: obj(raw.git),
    timings: obj(raw.timings),
    missingImages: Array.isArray(raw.missing_images) ? raw.missing_images.map(String) : [],
    raw,
  };
}

/** Display names of the datasets and the letter's figure numbers. */
export const DATASETS: Record<string, { label: string; figure: number | null }> = {
  voc2012: { label: 'VOC2012', figure: 3 },
  kodak24: { label: 'Kodak24', figure: 4 },
};

export function datasetLabel(dataset: string): string {
  return DATASETS[dataset]?.label ?? dataset;
}
