import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../bench/errors';
import { writeFileAtomic } from '../bench/fs-atomic';
import { METRIC_MODEL_SETS } from '../bench/metrics/score';
import { cellKey, CELL_COLUMNS, formatCellsCsv, parseRowsCsv, readMetrics, SUMMARY_COLUMNS, type CellValues } from '../bench/sweep/results';
import { readRunMeta } from './data';
import { METRIC_AXES } from './specs/figures';

/**
 * Regression check of a run against a golden file (results/golden/<name>.csv).
 *
 * A golden file is the metrics.csv of a small deterministic run without its timing column (every
 * image × scheme × SNR × seed), preceded by `#` lines that record exactly how to make it again
 * (the `bench run` arguments, the metric signatures) and the tolerance. Every column but
 * `wall_ms` is a pure function of the configuration, so `check` compares each row's values:
 *
 *     |now − golden| ≤ atol + rtol × |golden|      (channel_symbols and bits_sent: exactly equal)
 *
 * The default rtol = 1e-6 admits floating-point noise only: the CSV's 10 significant digits
 * (5e-10) and float32 network kernels that differ between CPUs in their last bits (~1e-7);
 * anything a change to a scheme does (0.1 dB more noise, one caption word, one MCS fewer) moves
 * values by 1e-4 or more. A row missing from either side, a value that became empty or new, or
 * a changed metric signature fails as well.
 */

/** Columns compared value by value (the rest form the row's key). */
export const VALUE_COLUMNS = ['cosine', 'lpips', 'bleu', 'psnr', 'ms_ssim', 'channel_symbols', 'bits_sent'] as const;
type ValueColumn = (typeof VALUE_COLUMNS)[number];

/** Counts: equal or not, never within a tolerance. */
const EXACT_COLUMNS: ReadonlySet<string> = new Set(['channel_symbols', 'bits_sent']);

export interface Tolerance {
  /** Relative tolerance of every metric not in `perMetric`. */
  rtol: number;
  /** Absolute tolerance added to every relative one (values near 0). */
  atol: number;
  /** Relative tolerance per metric, where it differs from `rtol`. */
  perMetric: Record<string, number>;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-6, atol: 1e-9, perMetric: {} };

export interface GoldenFile {
  file: string;
  /** `bench run` arguments (after `run`), as recorded; null for a file without a command line. */
  command: string[] | null;
  signatures: Record<string, string>;
  tolerance: Partial<Tolerance>;
  rows: CellValues[];
}

const HEADER_TITLE =
  '# multi-sc-bench golden rows: the metrics.csv (less wall_ms) of the run below. Checked by `bench check --golden FILE [--rerun]`; rewritten by `bench check --update-golden`.';

/** POSIX-shell quoting of one argument (only where needed). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Splits a command line with '…' and "…" quoting and backslash escapes (what shellQuote writes and a user types). */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inToken = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inToken = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) out.push(cur);
      cur = '';
      inToken = false;
    } else {
      cur += ch;
      inToken = true;
    }
  }
  if (quote) throw new UserError(`unterminated ${quote} quote in command line: ${line}`);
  if (inToken) out.push(cur);
  return out;
}

function formatTolerance(t: Partial<Tolerance>): string {
  const parts: string[] = [];
  if (t.rtol !== undefined) parts.push(`rtol=${t.rtol}`);
  if (t.atol !== undefined) parts.push(`atol=${t.atol}`);
  for (const [m, v] of Object.entries(t.perMetric ?? {})) parts.push(`${m}=${v}`);
  return parts.join(' ');
}

/** `rtol=…`, `atol=…` and `metric=…` (a relative tolerance for that metric), separated by spaces or commas. */
export function parseToleranceSpec(spec: string, where: string): Partial<Tolerance> {
  const t: Partial<Tolerance> = {};
  const perMetric: Record<string, number> = {};
  for (const part of spec.split(/[\s,]+/).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)=([0-9.eE+-]+)$/.exec(part);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v) || v < 0) {
      throw new UserError(`${where}: "${part}" is not name=value with a value ≥ 0 (e.g. rtol=1e-6,atol=1e-9,lpips=1e-5)`);
    }
    const name = m[1];
    if (name === 'rtol') t.rtol = v;
    else if (name === 'atol') t.atol = v;
    else if ((VALUE_COLUMNS as readonly string[]).includes(name) && !EXACT_COLUMNS.has(name)) perMetric[name] = v;
    else {
      const metrics = VALUE_COLUMNS.filter((c) => !EXACT_COLUMNS.has(c)).join(', ');
      throw new UserError(`${where}: "${name}" is not rtol, atol or a metric (${metrics}); ${[...EXACT_COLUMNS].join(' and ')} are always compared exactly`);
    }
  }
  if (Object.keys(perMetric).length) t.perMetric = perMetric;
  return t;
}

export function parseGolden(text: string, file: string): GoldenFile {
  const header: string[] = [];
  const body: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) header.push(line.slice(1).trim());
    else body.push(line);
  }
  let command: string[] | null = null;
  const signatures: Record<string, string> = {};
  let tolerance: Partial<Tolerance> = {};
  for (const h of header) {
    const m = /^([a-z_ ]+?):\s*(.*)$/.exec(h);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'command') {
      const args = splitCommand(value);
      // "bench run …" (also "multi-sc-bench run …" or "node dist/bench/cli.js run …").
      const i = args.indexOf('run');
      if (i < 0) throw new UserError(`${file}: the "# command:" line must hold a "bench run …" command line, not "${value}"`);
      command = args.slice(i + 1);
    } else if (key.startsWith('metric ')) signatures[key.slice(7).trim()] = value;
    else if (key === 'tolerance') tolerance = parseToleranceSpec(value, `${file} "# tolerance:" line`);
  }
  const csv = body.join('\n');
  if (csv.startsWith(SUMMARY_COLUMNS.slice(0, 5).join(','))) {
    throw new UserError(
      `${file} holds summary means (the golden format before per-row goldens): make it again from a results folder of its run with "bench check --in RESULTS --golden ${file} --update-golden"`,
    );
  }
  return { file, command, signatures, tolerance, rows: parseRowsCsv(csv, file, CELL_COLUMNS, 'a golden header') };
}

export function readGolden(file: string): GoldenFile {
  if (!fs.existsSync(file)) {
    throw new UserError(`golden file ${file} not found: create it with "bench check --in RESULTS --golden ${file} --update-golden"`);
  }
  return parseGolden(fs.readFileSync(file, 'utf8'), file);
}

export function formatGolden(g: { command: string[]; signatures: Record<string, string>; tolerance: Partial<Tolerance>; rows: CellValues[] }): string {
  const lines = [
    HEADER_TITLE,
    `# command: bench run ${g.command.map(shellQuote).join(' ')}`,
    ...Object.entries(g.signatures).map(([m, s]) => `# metric ${m}: ${s}`),
    `# tolerance: ${formatTolerance(g.tolerance)}`,
    '#   (per value: |now − golden| ≤ atol + rtol × |golden|; channel_symbols and bits_sent exact; override with --tol)',
  ];
  return `${lines.join('\n')}\n${formatCellsCsv(g.rows)}`;
}

// ---------------------------------------------------------------------------------------------
// Comparison

export type CheckStatus = 'ok' | 'moved' | 'worse' | 'better' | 'changed' | 'missing' | 'extra' | 'missing-value' | 'new-value';

export interface CheckRow {
  scheme: string;
  profile: string;
  snr_db: number;
  image: string;
  seed: number;
  /** A value column, or '(row)' for a whole row missing or extra. */
  metric: string;
  golden: number | null;
  value: number | null;
  delta: number | null;
  tol: number | null;
  status: CheckStatus;
}

export interface Comparison {
  rows: CheckRow[];
  /** Values compared. */
  compared: number;
  /** Golden rows (cells). */
  cells: number;
  failures: CheckRow[];
  /** Values that differ but within tolerance. */
  moved: CheckRow[];
}

const FAILING: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['worse', 'better', 'changed', 'missing', 'extra', 'missing-value', 'new-value']);

export function resolveTolerance(...layers: (Partial<Tolerance> | undefined)[]): Tolerance {
  const t: Tolerance = { rtol: DEFAULT_TOLERANCE.rtol, atol: DEFAULT_TOLERANCE.atol, perMetric: { ...DEFAULT_TOLERANCE.perMetric } };
  for (const l of layers) {
    if (!l) continue;
    if (l.rtol !== undefined) t.rtol = l.rtol;
    if (l.atol !== undefined) t.atol = l.atol;
    Object.assign(t.perMetric, l.perMetric ?? {});
  }
  return t;
}

/** The tolerance of one value: exact for counts, else atol + rtol × |golden|. */
export function valueTolerance(metric: string, golden: number, tol: Tolerance): number {
  if (EXACT_COLUMNS.has(metric)) return 0;
  return tol.atol + (tol.perMetric[metric] ?? tol.rtol) * Math.abs(golden);
}

/** Compares every row × value of `current` with `golden`, matched by cell (dataset, scheme, profile, SNR, image, seed). */
export function compareCells(golden: readonly CellValues[], current: readonly CellValues[], tol: Tolerance): Comparison {
  const rows: CheckRow[] = [];
  const cur = new Map(current.map((r) => [cellKey(r), r]));
  const gold = new Set(golden.map((r) => cellKey(r)));
  const whole = (r: CellValues, status: CheckStatus): CheckRow => ({
    scheme: r.scheme, profile: r.profile, snr_db: r.snr_db, image: r.image, seed: r.seed,
    metric: '(row)', golden: null, value: null, delta: null, tol: null, status,
  });
  let compared = 0;
  for (const g of golden) {
    const c = cur.get(cellKey(g));
    if (!c) {
      rows.push(whole(g, 'missing'));
      continue;
    }
    const base = { scheme: g.scheme, profile: g.profile, snr_db: g.snr_db, image: g.image, seed: g.seed };
    for (const m of VALUE_COLUMNS) {
      const gv = g[m as ValueColumn];
      const cv = c[m as ValueColumn];
      if (gv === null && cv === null) continue;
      compared++;
      if (gv === null || cv === null) {
        rows.push({ ...base, metric: m, golden: gv, value: cv, delta: null, tol: null, status: gv === null ? 'new-value' : 'missing-value' });
        continue;
      }
      const t = valueTolerance(m, gv, tol);
      const delta = cv - gv;
      let status: CheckStatus = Object.is(gv, cv) ? 'ok' : 'moved';
      // An infinite value (a lossless PSNR) equals only itself.
      const within = Number.isFinite(gv) && Number.isFinite(cv) && Math.abs(delta) <= t;
      if (status !== 'ok' && !within) {
        const better = METRIC_AXES[m]?.better ?? null;
        status = better === null ? 'changed' : (delta > 0) === (better === 'higher') ? 'better' : 'worse';
      }
      rows.push({ ...base, metric: m, golden: gv, value: cv, delta, tol: t, status });
    }
  }
  for (const c of current) if (!gold.has(cellKey(c))) rows.push(whole(c, 'extra'));
  return {
    rows,
    compared,
    cells: golden.length,
    failures: rows.filter((r) => FAILING.has(r.status)),
    moved: rows.filter((r) => r.status === 'moved'),
  };
}

function num(v: number | null, digits = 6): string {
  if (v === null) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

const STATUS_TEXT: Record<CheckStatus, string> = {
  ok: 'ok',
  moved: 'ok (within tolerance)',
  worse: 'FAIL: worse',
  better: 'FAIL: better (update the golden if intended)',
  changed: 'FAIL: changed',
  missing: 'FAIL: missing',
  extra: 'FAIL: extra (not in golden)',
  'missing-value': 'FAIL: value now empty',
  'new-value': 'FAIL: value new (empty in golden)',
};

const DIFF_TEXT: Record<CheckStatus, string> = {
  ok: 'same',
  moved: 'changed',
  worse: 'changed (worse)',
  better: 'changed (better)',
  changed: 'changed',
  missing: 'removed',
  extra: 'added',
  'missing-value': 'value removed',
  'new-value': 'value added',
};

/** How far beyond its tolerance a row is (for ordering: whole rows and empty values first). */
function severity(r: CheckRow): number {
  if (r.delta === null || r.tol === null) return Infinity;
  return r.tol === 0 ? (r.delta === 0 ? 0 : Infinity) : Math.abs(r.delta) / r.tol;
}

/**
 * A plain-text table of the given rows, the furthest beyond tolerance first, at most `limit` of
 * them (a line says how many more): what moved, by how much, against which tolerance (`diff`: an
 * update's old → new values, without tolerances).
 */
export function formatCheckTable(rows: CheckRow[], opts: { diff?: boolean; limit?: number } = {}): string {
  const limit = opts.limit ?? 40;
  const sorted = [...rows].sort((a, b) => severity(b) - severity(a));
  const head = ['scheme', 'profile', 'SNR dB', 'image', 'seed', 'metric', opts.diff ? 'old' : 'golden', opts.diff ? 'new' : 'now', 'Δ', 'Δ %', 'tolerance', '|Δ|/tol', 'status'];
  const body = sorted.slice(0, limit).map((r) => [
    r.scheme,
    r.profile,
    String(r.snr_db),
    r.image,
    String(r.seed),
    r.metric,
    num(r.golden),
    num(r.value),
    r.delta === null ? '—' : `${r.delta > 0 ? '+' : ''}${num(r.delta, 3)}`,
    r.delta === null || r.golden === null || r.golden === 0 ? '—' : `${r.delta > 0 ? '+' : ''}${((100 * r.delta) / Math.abs(r.golden)).toPrecision(3)}%`,
    r.tol === null ? '—' : num(r.tol, 3),
    r.delta === null || r.tol === null ? '—' : r.tol === 0 ? (r.delta === 0 ? '0' : '∞') : (Math.abs(r.delta) / r.tol).toPrecision(3),
    opts.diff ? DIFF_TEXT[r.status] : STATUS_TEXT[r.status],
  ]);
  if (opts.diff) {
    head.splice(10, 2);
    for (const b of body) b.splice(10, 2);
  }
  const all = [head, ...body];
  const widths = head.map((_, j) => Math.max(...all.map((row) => [...row[j]].length)));
  const right = new Set(opts.diff ? [2, 4, 6, 7, 8, 9] : [2, 4, 6, 7, 8, 9, 10, 11]);
  const line = (row: string[]): string =>
    row
      .map((c, j) => (j === row.length - 1 ? c : right.has(j) ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  const more = sorted.length > limit ? [`… ${sorted.length - limit} more row(s) not shown (furthest beyond tolerance first)`] : [];
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...more].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Check and update

export interface CheckOptions {
  /** Results folder to check (metrics.csv, run.json). Not needed with `rerun`. */
  inDir?: string;
  /** Golden file. */
  golden: string;
  /** Run the golden's recorded `bench run` into a temp folder first and check that. */
  rerun?: boolean;
  /** Keep the rerun's folder (printed) instead of deleting it. */
  keep?: boolean;
  /** Tolerances `rtol=…,atol=…,metric=…` (override the golden's and the defaults). */
  tol?: string;
  /** Rows of the table at most (default 40). */
  limit?: number;
  /** Progress lines (rerun command, folders); default: stderr. */
  log?: (line: string) => void;
  /** The compiled CLI for `rerun` (default: dist/bench/cli.js of this build). */
  cli?: string;
  /** Environment of the rerun (default: this process's: MULTISC_DATA_DIR, MULTISC_MODELS_DIR, …). */
  env?: NodeJS.ProcessEnv;
}

export interface CheckResult {
  ok: boolean;
  golden: string;
  inDir: string;
  comparison: Comparison;
  /** Problems beyond the table (a signature changed). */
  problems: string[];
  /** The text to print: the table of what moved and a verdict line. */
  report: string;
}

export function compiledCli(): string {
  const candidates = [
    path.join(__dirname, '..', 'bench', 'cli.js'), // dist/plots/check.js → dist/bench/cli.js
    path.join(__dirname, '..', 'dist', 'bench', 'cli.js'), // plots/check.ts (ts-jest) → dist/bench/cli.js
  ];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new UserError(`the compiled CLI (dist/bench/cli.js) is missing: run "npm run build" before --rerun`);
  return found;
}

/** Runs `bench run <args> --out <tmp>` with the compiled CLI; returns the folder. */
export function rerunGolden(args: string[], o: { cli?: string; log?: (l: string) => void; tmpRoot?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const cli = o.cli ?? compiledCli();
  const out = fs.mkdtempSync(path.join(o.tmpRoot ?? os.tmpdir(), 'msb-golden-'));
  fs.rmSync(out, { recursive: true });
  // Computed afresh: a golden checks the code as it is now, not cells cached by an earlier run.
  const full = ['run', ...args, '--out', out, '--quiet', '--no-cell-cache'];
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  log(`rerun: bench ${full.map(shellQuote).join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cli, ...full], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: o.env ?? process.env });
  if (r.status !== 0) {
    const err = (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ');
    throw new UserError(`the golden's recorded run failed (exit ${r.status ?? r.signal}): ${err}`);
  }
  log(`rerun: done in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${out}`);
  return out;
}

function readCells(dir: string): CellValues[] {
  const f = path.join(dir, 'metrics.csv');
  if (!fs.existsSync(f)) throw new UserError(`${f} not found: --in must be a results folder written by "bench run"`);
  return readMetrics(f).rows.map(({ wall_ms: _, ...cell }) => cell);
}

/** `bench check`: compares a results folder (or a fresh rerun) with a golden file, row by row. */
export async function checkAgainstGolden(o: CheckOptions): Promise<CheckResult> {
  const golden = readGolden(o.golden);
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const tol = resolveTolerance(golden.tolerance, o.tol ? parseToleranceSpec(o.tol, '--tol') : undefined);
  let inDir = o.inDir;
  let tmp: string | null = null;
  if (o.rerun) {
    if (!golden.command) throw new UserError(`${o.golden} records no "# command:" line, so --rerun cannot make it again; pass --in`);
    tmp = rerunGolden(golden.command, { cli: o.cli, log, env: o.env });
    inDir = tmp;
  }
  if (!inDir) throw new UserError('check needs --in RESULTS (a results folder) or --rerun');
  try {
    const current = readCells(inDir);
    const comparison = compareCells(golden.rows, current, tol);
    const problems: string[] = [];
    const meta = readRunMeta(inDir);
    for (const [m, sig] of Object.entries(golden.signatures)) {
      const now = meta.signatures[m];
      if (meta.file && now !== undefined && now !== sig) problems.push(`metric ${m}: signature changed from ${sig} to ${now}`);
      else if (meta.file && now === undefined && current.some((r) => r[m as ValueColumn] !== null)) problems.push(`metric ${m}: no signature in ${meta.file}`);
    }
    const ok = comparison.failures.length === 0 && problems.length === 0;
    const shown = comparison.rows.filter((r) => r.status !== 'ok');
    const ratios = comparison.rows.filter((r) => r.delta !== null && r.tol).map((r) => Math.abs(r.delta!) / r.tol!);
    const maxRatio = Math.max(0, ...ratios);
    const lines: string[] = [];
    if (shown.length) lines.push(formatCheckTable(shown, { limit: o.limit }), '');
    for (const p of problems) lines.push(`FAIL: ${p}`);
    const where = `${inDir} against ${o.golden}`;
    const failedCells = new Set(comparison.failures.map((r) => JSON.stringify([r.scheme, r.profile, r.snr_db, r.image, r.seed]))).size;
    lines.push(
      ok
        ? `check OK: ${where}: ${comparison.compared} values in ${comparison.cells} rows, ${comparison.moved.length} moved within tolerance (max |Δ|/tol ${maxRatio.toPrecision(2)})`
        : `check FAILED: ${where}: ${comparison.failures.length} of ${comparison.compared} values in ${failedCells} of ${comparison.cells} rows beyond tolerance or missing${problems.length ? `, ${problems.length} other problem(s)` : ''}; if the change is intended, run with --update-golden`,
    );
    return { ok, golden: o.golden, inDir, comparison, problems, report: lines.join('\n') };
  } finally {
    if (tmp && !o.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) log(`rerun: kept ${tmp}`);
  }
}

/** Flags of `bench run` that do not change the numbers or are machine-specific: not recorded. */
const DROP_WITH_VALUE = new Set(['--out', '--workers', '--data-dir', '--models-dir', '--cache-dir', '--threads']);
const DROP_FLAGS = new Set(['--resume', '--quiet', '--no-quiet', '--no-resume', '--cell-cache', '--no-cell-cache']);

/**
 * The `bench run` arguments to record for a results folder: its run.json command without the
 * output folder, paths and worker counts; `--metric-models` made explicit (it may have come from
 * MULTISC_METRIC_MODELS).
 */
export function goldenCommandFor(dir: string): string[] {
  const meta = readRunMeta(dir);
  if (!meta.command) throw new UserError(`${path.join(dir, 'run.json')} records no command line: make the golden run with "bench run …" of this version`);
  const args: string[] = [];
  const a = meta.command[0] === 'run' ? meta.command.slice(1) : meta.command;
  for (let i = 0; i < a.length; i++) {
    const flag = a[i].split('=')[0];
    if (flag === '--shard') throw new UserError(`${dir} holds one shard of a run: a golden run must be a whole run`);
    if (DROP_FLAGS.has(flag)) continue;
    if (DROP_WITH_VALUE.has(flag)) {
      if (!a[i].includes('=')) i++;
      continue;
    }
    args.push(a[i]);
  }
  if (!args.some((x) => x.split('=')[0] === '--metric-models')) {
    const ids = meta.models.map((m) => m.id);
    const set = (Object.keys(METRIC_MODEL_SETS) as (keyof typeof METRIC_MODEL_SETS)[]).find((k) =>
      Object.values(METRIC_MODEL_SETS[k]).some((id) => ids.includes(id)),
    );
    if (set) args.push('--metric-models', set);
  }
  return args;
}

export interface UpdateOptions {
  inDir?: string;
  golden: string;
  rerun?: boolean;
  cli?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Tolerance to record (default: the existing golden's, else the defaults). */
  tol?: string;
  limit?: number;
}

export interface UpdateResult {
  file: string;
  created: boolean;
  changed: boolean;
  /** Printable: what changed (table), or that nothing did. */
  report: string;
}

/** `bench check --update-golden`: rewrites the golden file from a results folder (or a rerun) and reports the diff. */
export async function updateGolden(o: UpdateOptions): Promise<UpdateResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const old = fs.existsSync(o.golden) ? readGolden(o.golden) : null;
  let inDir = o.inDir;
  let tmp: string | null = null;
  if (o.rerun) {
    if (!old?.command) throw new UserError(`--rerun needs an existing golden file with a "# command:" line; create ${o.golden} from --in RESULTS first`);
    tmp = rerunGolden(old.command, { cli: o.cli, log, env: o.env });
    inDir = tmp;
  }
  if (!inDir) throw new UserError('--update-golden needs --in RESULTS (a results folder) or --rerun');
  try {
    const meta = readRunMeta(inDir);
    if (meta.status !== null && meta.status !== 'complete') {
      throw new UserError(`${inDir} holds an unfinished run (status ${meta.status}): finish it with --resume before recording it as golden`);
    }
    const command = goldenCommandFor(inDir);
    const rows = readCells(inDir);
    const signatures: Record<string, string> = {};
    for (const m of VALUE_COLUMNS) if (meta.signatures[m] && rows.some((r) => r[m] !== null)) signatures[m] = meta.signatures[m];
    const tolerance = resolveTolerance(old?.tolerance, o.tol ? parseToleranceSpec(o.tol, '--tol') : undefined);
    const text = formatGolden({ command, signatures, tolerance, rows });
    const lines: string[] = [];
    let changed = true;
    if (old) {
      const oldText = fs.readFileSync(o.golden, 'utf8');
      changed = oldText !== text;
      const headerOf = (t: string): string => t.split('\n').filter((l) => l.startsWith('#')).join('\n');
      const diff = compareCells(old.rows, rows, { rtol: 0, atol: 0, perMetric: {} });
      const shown = diff.rows.filter((r) => r.status !== 'ok');
      if (old.command && old.command.join('\u0000') !== command.join('\u0000')) {
        lines.push(`command: bench run ${old.command.map(shellQuote).join(' ')}\n      → bench run ${command.map(shellQuote).join(' ')}`);
      }
      for (const [m, sig] of Object.entries(signatures)) {
        if (old.signatures[m] !== undefined && old.signatures[m] !== sig) lines.push(`metric ${m}: ${old.signatures[m]} → ${sig}`);
      }
      if (shown.length) lines.push(formatCheckTable(shown, { diff: true, limit: o.limit }), '');
      const header = headerOf(oldText) !== headerOf(text) ? ' and its header' : '';
      lines.push(changed ? `updated ${o.golden}: ${shown.length} value(s)${header} changed` : `${o.golden} unchanged: the results equal the golden`);
    } else {
      lines.push(`created ${o.golden}: ${rows.length} rows from ${inDir}, command: bench run ${command.map(shellQuote).join(' ')}`);
    }
    if (changed) writeFileAtomic(o.golden, text);
    return { file: o.golden, created: !old, changed, report: lines.join('\n') };
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
