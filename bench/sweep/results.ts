import * as fs from 'fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../errors';
import { meanCi95 } from './stats';

/** Columns of metrics.csv, in order (DESIGN.md). An empty field means "does not apply". */
export const METRICS_COLUMNS = [
  'dataset', 'scheme', 'profile', 'snr_db', 'image', 'seed',
  'cosine', 'lpips', 'bleu', 'psnr', 'ms_ssim', 'channel_symbols', 'bits_sent', 'wall_ms',
] as const;

/**
 * The per-row quantities that summary.csv averages: the metrics, the channel symbols and the
 * bandwidth ratio they make, kn = channel_symbols / (H·W·3) (empty where the image size is unknown).
 */
export const SUMMARY_METRICS = ['cosine', 'lpips', 'bleu', 'psnr', 'ms_ssim', 'channel_symbols', 'kn'] as const;

/** Image id → [width, height]: what turns a row's channel symbols into its k/n (run.json `image_sizes`). */
export type ImageSizes = Readonly<Record<string, readonly [number, number]>>;

export interface MetricsRow {
  dataset: string;
  scheme: string;
  profile: string;
  snr_db: number;
  image: string;
  seed: number;
  cosine: number | null;
  lpips: number | null;
  bleu: number | null;
  psnr: number | null;
  ms_ssim: number | null;
  channel_symbols: number;
  bits_sent: number | null;
  wall_ms: number;
}

/** The identity of a cell; a results folder holds at most one row per key. */
export function cellKey(r: Pick<MetricsRow, 'dataset' | 'scheme' | 'profile' | 'snr_db' | 'image' | 'seed'>): string {
  return JSON.stringify([r.dataset, r.scheme, r.profile, r.snr_db, r.image, r.seed]);
}

/**
 * Numbers are written with 10 significant digits: far below any metric's noise, and the same
 * text for the same double on every platform, so identical runs give identical files.
 */
export function formatNumber(v: number | null): string {
  if (v === null) return '';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Number.isNaN(v)) return 'nan';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(10)));
}

/** The inverse of `formatNumber` (metrics.csv, summary.csv, golden files); `where` names the place for errors. */
export function parseNumber(s: string, where: string): number | null {
  if (s === '') return null;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  const v = Number(s);
  if (!Number.isFinite(v)) throw new UserError(`${where}: "${s}" is not a number; the file was edited or damaged, re-run the sweep`);
  return v;
}

export function metricsHeader(): string {
  return stringify([METRICS_COLUMNS as unknown as string[]]);
}

export function formatRow(r: MetricsRow): string {
  return formatRowOf(r, METRICS_COLUMNS);
}

function formatRowOf<R extends CellValues>(r: R, columns: readonly (keyof R & string)[]): string {
  return stringify([
    columns.map((c) => {
      const v = r[c] as unknown;
      return typeof v === 'string' ? v : formatNumber(v as number | null);
    }),
  ]);
}

/**
 * Reads metrics.csv. A last line without its newline is the row that was in flight when a run
 * was killed: only complete lines are read, and `validBytes` says where they end so that the
 * caller can cut the rest off.
 */
export function readMetrics(file: string): { rows: MetricsRow[]; validBytes: number } {
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const rows = parseRowsCsv(text.slice(0, end), file, METRICS_COLUMNS, 'the metrics.csv header') as MetricsRow[];
  return { rows, validBytes: Buffer.byteLength(text.slice(0, end), 'utf8') };
}

/**
 * The columns that are a pure function of the configuration: every one but `wall_ms`. Golden
 * files hold these.
 */
export const CELL_COLUMNS = METRICS_COLUMNS.filter((c) => c !== 'wall_ms');

/** A row without its timing: what a deterministic run must reproduce. */
export type CellValues = Omit<MetricsRow, 'wall_ms'>;

/**
 * Parses CSV text whose header is exactly `columns` (METRICS_COLUMNS or CELL_COLUMNS) into rows;
 * `wall_ms` is read only where `columns` has it.
 */
export function parseRowsCsv(text: string, file: string, columns: readonly string[], headerName: string): CellValues[] {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true }) as string[][];
  } catch (e) {
    throw new UserError(`${file}: not valid CSV (${(e as Error).message.split('\n')[0]}); remove the damaged lines and use --resume`);
  }
  if (records.length === 0) return [];
  if (records[0].join(',') !== columns.join(',')) {
    throw new UserError(`${file}: header is not ${headerName} (${columns.join(',')}); is this a multi-sc-bench results file?`);
  }
  const at = Object.fromEntries(columns.map((c, j) => [c, j]));
  const rows: CellValues[] = [];
  for (let i = 1; i < records.length; i++) {
    const f = records[i];
    const where = `${file} line ${i + 1}`;
    if (f.length !== columns.length) {
      throw new UserError(`${where}: ${f.length} fields, expected ${columns.length}; the file was edited or damaged, remove that line and use --resume`);
    }
    const num = (c: string): number | null => parseNumber(f[at[c]], where);
    const req = (c: string): number => {
      const v = num(c);
      if (v === null) throw new UserError(`${where}: column ${c} is empty`);
      return v;
    };
    const row: CellValues & { wall_ms?: number } = {
      dataset: f[at.dataset], scheme: f[at.scheme], profile: f[at.profile], snr_db: req('snr_db'), image: f[at.image], seed: req('seed'),
      cosine: num('cosine'), lpips: num('lpips'), bleu: num('bleu'), psnr: num('psnr'), ms_ssim: num('ms_ssim'),
      channel_symbols: req('channel_symbols'), bits_sent: num('bits_sent'),
    };
    if ('wall_ms' in at) row.wall_ms = req('wall_ms');
    rows.push(row);
  }
  return rows;
}

/** Canonical row order: scheme, SNR, image, seed (dataset and profile are constant in a folder). */
export function compareRows(a: CellValues, b: CellValues): number {
  return (
    cmp(a.dataset, b.dataset) || cmp(a.scheme, b.scheme) || cmp(a.profile, b.profile) ||
    a.snr_db - b.snr_db || cmp(a.image, b.image) || a.seed - b.seed
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatMetricsCsv(rows: readonly MetricsRow[]): string {
  return metricsHeader() + [...rows].sort(compareRows).map(formatRow).join('');
}

/** The rows' CELL_COLUMNS (no timing), in canonical order: a golden file's body. */
export function formatCellsCsv(rows: readonly CellValues[]): string {
  return stringify([CELL_COLUMNS as string[]]) + [...rows].sort(compareRows).map((r) => formatRowOf(r, CELL_COLUMNS)).join('');
}

export const SUMMARY_COLUMNS = [
  'dataset', 'scheme', 'profile', 'snr_db', 'n',
  ...SUMMARY_METRICS.flatMap((m) => [`${m}_mean`, `${m}_ci95`]),
];

/** summary.csv: a row per (dataset, scheme, profile, SNR), mean and 95% CI of each metric. */
export function formatSummaryCsv(rows: readonly MetricsRow[], sizes: ImageSizes = {}): string {
  return stringify([SUMMARY_COLUMNS, ...summaryRecords(rows, sizes)]);
}

/** The records of summary.csv under SUMMARY_COLUMNS (no header). */
export function summaryRecords(rows: readonly CellValues[], sizes: ImageSizes = {}): string[][] {
  const kn = (r: CellValues): number | null => {
    const size = sizes[r.image];
    return size ? r.channel_symbols / (size[0] * size[1] * 3) : null;
  };
  const groups = new Map<string, CellValues[]>();
  for (const r of [...rows].sort(compareRows)) {
    const k = JSON.stringify([r.dataset, r.scheme, r.profile, r.snr_db]);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const records: string[][] = [];
  for (const g of groups.values()) {
    const r0 = g[0];
    const rec = [r0.dataset, r0.scheme, r0.profile, formatNumber(r0.snr_db), String(g.length)];
    for (const m of SUMMARY_METRICS) {
      const vals = g.map((r) => (m === 'kn' ? kn(r) : r[m])).filter((v): v is number => v !== null);
      if (vals.length === 0) {
        rec.push('', '');
        continue;
      }
      const { mean, ci95 } = meanCi95(vals);
      rec.push(formatNumber(mean), formatNumber(ci95));
    }
    records.push(rec);
  }
  return records;
}

/** A budget sweep's summaries side by side (bench/sweep/budget-sweep.ts): a row per budget × scheme × SNR. */
export const BUDGETS_FILE = 'budgets.csv';
export const BUDGET_COLUMNS = ['budget', 'budget_ratio', ...SUMMARY_COLUMNS];
