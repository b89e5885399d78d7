import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../bench/errors';
import { writeFileAtomic } from '../bench/fs-atomic';
import { METRIC_MODEL_SETS } from '../bench/metrics/score';
import { readMetrics } from '../bench/sweep/results';
import { parseSummaryCsv, readRunMeta, type Summary, type SummaryRow } from './data';
import { METRIC_AXES } from './specs/figures';

/**
 * Regression check of summary curves against a golden file (results/golden/<name>.csv).
 *
 * A golden file is the summary.csv of a small deterministic run, preceded by `#` lines that
 * record exactly how to make it again (the `bench run` arguments, the image subset, the metric
 * signatures) and the tolerance. `check` compares every scheme × SNR × metric mean with it:
 *
 *     tolerance = max(absolute floor of the metric, ci_scale × golden ci95 of that point)
 *
 * The golden CI (the spread over the golden's few images) sets each point's scale; the golden
 * run is deterministic, so an unchanged tree reproduces it to rounding, and the default
 * ci_scale = 0.1 catches e.g. 0.5 dB more noise in a scheme. A point or curve missing from
 * either side, a changed n, image subset or metric signature fails as well.
 */

export interface Tolerance {
  ciScale: number;
  /** Absolute floor per metric (metrics not listed: `defaultFloor`). */
  absFloor: Record<string, number>;
  defaultFloor: number;
}

export const DEFAULT_TOLERANCE: Tolerance = {
  ciScale: 0.1,
  absFloor: { cosine: 1e-3, lpips: 1e-3, bleu: 1e-3, psnr: 0.02, ms_ssim: 1e-3, channel_symbols: 0 },
  defaultFloor: 1e-6,
};

export interface GoldenFile {
  file: string;
  /** `bench run` arguments (after `run`), as recorded; null for a file without a command line. */
  command: string[] | null;
  images: string[] | null;
  signatures: Record<string, string>;
  tolerance: Partial<Tolerance> & { absFloor: Record<string, number> };
  summary: Summary;
  /** The CSV part (summary.csv text). */
  csv: string;
}

const HEADER_TITLE = '# multi-sc-bench golden curves: the summary.csv of the run below. Checked by `bench check --golden FILE`; rewritten by `bench check --update-golden`.';

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

function formatTolerance(t: GoldenFile['tolerance']): string {
  const parts: string[] = [];
  if (t.ciScale !== undefined) parts.push(`ci_scale=${t.ciScale}`);
  for (const [m, v] of Object.entries(t.absFloor)) parts.push(`${m}=${v}`);
  return parts.join(' ');
}

/** `metric=value,…` or `metric=value metric=value` → floors; `ci_scale=` sets the scale. */
export function parseToleranceSpec(spec: string, where: string): GoldenFile['tolerance'] {
  const t: GoldenFile['tolerance'] = { absFloor: {} };
  for (const part of spec.split(/[\s,]+/).filter(Boolean)) {
    const m = /^([A-Za-z_][\w-]*)=([0-9.eE+-]+)$/.exec(part);
    const v = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(v) || v < 0) {
      throw new UserError(`${where}: "${part}" is not metric=value with a value ≥ 0 (e.g. psnr=0.05,lpips=0.002)`);
    }
    if (m[1] === 'ci_scale' || m[1] === 'ci-scale') t.ciScale = v;
    else t.absFloor[m[1]] = v;
  }
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
  let images: string[] | null = null;
  const signatures: Record<string, string> = {};
  let tolerance: GoldenFile['tolerance'] = { absFloor: {} };
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
    } else if (key === 'images') images = value.split(/[\s,]+/).filter(Boolean);
    else if (key.startsWith('metric ')) signatures[key.slice(7).trim()] = value;
    else if (key === 'tolerance') tolerance = parseToleranceSpec(value, `${file} "# tolerance:" line`);
  }
  const csv = body.join('\n');
  return { file, command, images, signatures, tolerance, summary: parseSummaryCsv(csv, file), csv };
}

export function readGolden(file: string): GoldenFile {
  if (!fs.existsSync(file)) {
    throw new UserError(`golden file ${file} not found: create it with "bench check --in RESULTS --golden ${file} --update-golden"`);
  }
  return parseGolden(fs.readFileSync(file, 'utf8'), file);
}

export function formatGolden(g: {
  command: string[];
  images: string[] | null;
  signatures: Record<string, string>;
  tolerance: GoldenFile['tolerance'];
  csv: string;
  notes?: string[];
}): string {
  const lines = [
    HEADER_TITLE,
    `# command: bench run ${g.command.map(shellQuote).join(' ')}`,
    ...(g.images ? [`# images: ${g.images.join(',')}`] : []),
    ...Object.entries(g.signatures).map(([m, s]) => `# metric ${m}: ${s}`),
    `# tolerance: ${formatTolerance(g.tolerance)}`,
    '#   (per point: max(floor of the metric, ci_scale × golden ci95); override with --ci-scale / --abs-tol)',
    ...(g.notes ?? []).map((n) => `# ${n}`),
  ];
  return `${lines.join('\n')}\n${g.csv.endsWith('\n') ? g.csv : `${g.csv}\n`}`;
}

// ---------------------------------------------------------------------------------------------
// Comparison

export type CheckStatus = 'ok' | 'moved' | 'worse' | 'better' | 'changed' | 'missing' | 'extra' | 'missing-value' | 'new-value' | 'n-changed';

export interface CheckRow {
  scheme: string;
  profile: string;
  snr_db: number | null;
  metric: string;
  golden: number | null;
  value: number | null;
  delta: number | null;
  tol: number | null;
  status: CheckStatus;
}

export interface Comparison {
  rows: CheckRow[];
  compared: number;
  failures: CheckRow[];
  /** Values that differ but within tolerance. */
  moved: CheckRow[];
}

const FAILING: ReadonlySet<CheckStatus> = new Set<CheckStatus>(['worse', 'better', 'changed', 'missing', 'extra', 'missing-value', 'new-value', 'n-changed']);

export function resolveTolerance(...layers: (Partial<Tolerance> | undefined)[]): Tolerance {
  const t: Tolerance = { ciScale: DEFAULT_TOLERANCE.ciScale, absFloor: { ...DEFAULT_TOLERANCE.absFloor }, defaultFloor: DEFAULT_TOLERANCE.defaultFloor };
  for (const l of layers) {
    if (!l) continue;
    if (l.ciScale !== undefined) t.ciScale = l.ciScale;
    if (l.defaultFloor !== undefined) t.defaultFloor = l.defaultFloor;
    Object.assign(t.absFloor, l.absFloor ?? {});
  }
  return t;
}

function pointKey(r: Pick<SummaryRow, 'dataset' | 'scheme' | 'profile' | 'snr_db'>): string {
  return JSON.stringify([r.dataset, r.scheme, r.profile, r.snr_db]);
}

/** Compares every point × metric of `current` with `golden`. */
export function compareSummaries(golden: Summary, current: Summary, tol: Tolerance): Comparison {
  const rows: CheckRow[] = [];
  const cur = new Map(current.rows.map((r) => [pointKey(r), r]));
  const gold = new Map(golden.rows.map((r) => [pointKey(r), r]));
  const metrics = [...new Set([...golden.metricNames, ...current.metricNames])];
  let compared = 0;
  // Whole curves (scheme × profile) missing or extra are reported once, not per SNR and metric.
  const curves = (s: Summary): Set<string> => new Set(s.rows.map((r) => JSON.stringify([r.dataset, r.scheme, r.profile])));
  const goldCurves = curves(golden);
  const curCurves = curves(current);
  for (const c of goldCurves) {
    if (!curCurves.has(c)) {
      const [, scheme, profile] = JSON.parse(c) as string[];
      rows.push({ scheme, profile, snr_db: null, metric: '(curve)', golden: null, value: null, delta: null, tol: null, status: 'missing' });
    }
  }
  for (const c of curCurves) {
    if (!goldCurves.has(c)) {
      const [, scheme, profile] = JSON.parse(c) as string[];
      rows.push({ scheme, profile, snr_db: null, metric: '(curve)', golden: null, value: null, delta: null, tol: null, status: 'extra' });
    }
  }
  for (const g of golden.rows) {
    const base = { scheme: g.scheme, profile: g.profile, snr_db: g.snr_db };
    const c = cur.get(pointKey(g));
    if (!c) {
      if (curCurves.has(JSON.stringify([g.dataset, g.scheme, g.profile]))) {
        rows.push({ ...base, metric: '(point)', golden: null, value: null, delta: null, tol: null, status: 'missing' });
      }
      continue;
    }
    if (c.n !== g.n) rows.push({ ...base, metric: 'n', golden: g.n, value: c.n, delta: c.n - g.n, tol: 0, status: 'n-changed' });
    for (const m of metrics) {
      const gv = g.metrics[m] ?? null;
      const cv = c.metrics[m] ?? null;
      if (!gv && !cv) continue;
      compared++;
      if (!gv || !cv) {
        rows.push({ ...base, metric: m, golden: gv?.mean ?? null, value: cv?.mean ?? null, delta: null, tol: null, status: gv ? 'missing-value' : 'new-value' });
        continue;
      }
      const floor = tol.absFloor[m] ?? tol.defaultFloor;
      const t = Math.max(floor, gv.ci95 !== null && Number.isFinite(gv.ci95) ? tol.ciScale * gv.ci95 : 0);
      const delta = cv.mean - gv.mean;
      // Rounding of the 10-digit CSV numbers is never a change.
      const same =
        Object.is(gv.mean, cv.mean) ||
        (Number.isFinite(delta) && Math.abs(delta) <= 1e-9 * Math.max(Math.abs(gv.mean), Math.abs(cv.mean)));
      let status: CheckStatus = same ? 'ok' : 'moved';
      if (!same && !(Math.abs(delta) <= t)) {
        const better = METRIC_AXES[m]?.better ?? null;
        status = better === null ? 'changed' : (delta > 0) === (better === 'higher') ? 'better' : 'worse';
      }
      rows.push({ ...base, metric: m, golden: gv.mean, value: cv.mean, delta, tol: t, status });
    }
  }
  for (const c of current.rows) {
    if (!gold.has(pointKey(c)) && goldCurves.has(JSON.stringify([c.dataset, c.scheme, c.profile]))) {
      rows.push({ scheme: c.scheme, profile: c.profile, snr_db: c.snr_db, metric: '(point)', golden: null, value: null, delta: null, tol: null, status: 'extra' });
    }
  }
  return { rows, compared, failures: rows.filter((r) => FAILING.has(r.status)), moved: rows.filter((r) => r.status === 'moved') };
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
  'n-changed': 'FAIL: n changed',
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
  'n-changed': 'n changed',
};

/**
 * A plain-text table of the given rows: what moved, by how much, against which tolerance
 * (`diff`: an update's old → new values, without tolerances).
 */
export function formatCheckTable(rows: CheckRow[], opts: { diff?: boolean } = {}): string {
  const head = ['scheme', 'profile', 'SNR dB', 'metric', opts.diff ? 'old' : 'golden', opts.diff ? 'new' : 'now', 'Δ', 'Δ %', 'tolerance', '|Δ|/tol', 'status'];
  const body = rows.map((r) => [
    r.scheme,
    r.profile,
    r.snr_db === null ? 'all' : String(r.snr_db),
    r.metric,
    num(r.golden),
    num(r.value),
    r.delta === null ? '—' : `${r.delta > 0 ? '+' : ''}${num(r.delta, 3)}`,
    r.delta === null || r.golden === null || r.golden === 0 ? '—' : `${r.delta > 0 ? '+' : ''}${((100 * r.delta) / Math.abs(r.golden)).toFixed(2)}%`,
    r.tol === null ? '—' : num(r.tol, 3),
    r.delta === null || r.tol === null ? '—' : r.tol === 0 ? (r.delta === 0 ? '0' : '∞') : (Math.abs(r.delta) / r.tol).toFixed(2),
    opts.diff ? DIFF_TEXT[r.status] : STATUS_TEXT[r.status],
  ]);
  if (opts.diff) {
    head.splice(8, 2);
    for (const b of body) b.splice(8, 2);
  }
  const all = [head, ...body];
  const widths = head.map((_, j) => Math.max(...all.map((row) => [...row[j]].length)));
  const right = new Set(opts.diff ? [2, 4, 5, 6, 7] : [2, 4, 5, 6, 7, 8, 9]);
  const line = (row: string[]): string =>
    row
      .map((c, j) => (j === row.length - 1 ? c : right.has(j) ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Check and update

export interface CheckOptions {
  /** Results folder to check (summary.csv, run.json, metrics.csv). Not needed with `rerun`. */
  inDir?: string;
  /** Golden file. */
  golden: string;
  /** Run the golden's recorded `bench run` into a temp folder first and check that. */
  rerun?: boolean;
  /** Keep the rerun's folder (printed) instead of deleting it. */
  keep?: boolean;
  ciScale?: number;
  /** Absolute floors, `metric=value,…` (override the golden's and the defaults). */
  absTol?: string;
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
  /** Problems beyond the table (signature or image subset changed). */
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
  const full = ['run', ...args, '--out', out, '--quiet'];
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

function runImages(dir: string): string[] | null {
  const f = path.join(dir, 'metrics.csv');
  if (!fs.existsSync(f)) return null;
  return [...new Set(readMetrics(f).rows.map((r) => r.image))].sort();
}

function readCurrent(dir: string): Summary {
  const f = path.join(dir, 'summary.csv');
  if (!fs.existsSync(f)) throw new UserError(`${f} not found: --in must be a results folder written by "bench run"`);
  return parseSummaryCsv(fs.readFileSync(f, 'utf8'), f);
}

/** `bench check`: compares a results folder (or a fresh rerun) with a golden file. */
export async function checkAgainstGolden(o: CheckOptions): Promise<CheckResult> {
  const golden = readGolden(o.golden);
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  let inDir = o.inDir;
  let tmp: string | null = null;
  if (o.rerun) {
    if (!golden.command) throw new UserError(`${o.golden} records no "# command:" line, so --rerun cannot make it again; pass --in`);
    tmp = rerunGolden(golden.command, { cli: o.cli, log, env: o.env });
    inDir = tmp;
  }
  if (!inDir) throw new UserError('check needs --in RESULTS (a results folder) or --rerun');
  try {
    const tol = resolveTolerance(golden.tolerance, {
      ciScale: o.ciScale,
      absFloor: o.absTol ? parseToleranceSpec(o.absTol, '--abs-tol').absFloor : {},
    });
    const current = readCurrent(inDir);
    const comparison = compareSummaries(golden.summary, current, tol);
    const problems: string[] = [];
    const meta = readRunMeta(inDir);
    for (const [m, sig] of Object.entries(golden.signatures)) {
      const now = meta.signatures[m];
      if (meta.file && now !== undefined && now !== sig) problems.push(`metric ${m}: signature changed from ${sig} to ${now}`);
      else if (meta.file && now === undefined && current.rows.some((r) => r.metrics[m])) problems.push(`metric ${m}: no signature in ${meta.file}`);
    }
    const images = runImages(inDir);
    if (golden.images && images && images.join(',') !== golden.images.join(',')) {
      problems.push(`image subset changed: golden ${golden.images.join(',')}, now ${images.join(',')}`);
    }
    const ok = comparison.failures.length === 0 && problems.length === 0;
    const shown = comparison.rows.filter((r) => r.status !== 'ok');
    const maxRatio = Math.max(0, ...comparison.rows.filter((r) => r.delta !== null && r.tol).map((r) => Math.abs(r.delta!) / r.tol!));
    const lines: string[] = [];
    if (shown.length) lines.push(formatCheckTable(shown), '');
    for (const p of problems) lines.push(`FAIL: ${p}`);
    const points = new Set(golden.summary.rows.map((r) => pointKey(r))).size;
    const where = `${inDir} against ${o.golden}`;
    lines.push(
      ok
        ? `check OK: ${where}: ${comparison.compared} values at ${points} points, ${comparison.moved.length} moved within tolerance (max |Δ|/tol ${maxRatio.toFixed(2)})`
        : `check FAILED: ${where}: ${comparison.failures.length} of ${comparison.compared} values beyond tolerance or missing${problems.length ? `, ${problems.length} other problem(s)` : ''}; if the change is intended, run with --update-golden`,
    );
    return { ok, golden: o.golden, inDir, comparison, problems, report: lines.join('\n') };
  } finally {
    if (tmp && !o.keep) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) log(`rerun: kept ${tmp}`);
  }
}

/** Flags of `bench run` that do not change the numbers or are machine-specific: not recorded. */
const DROP_WITH_VALUE = new Set(['--out', '--workers', '--data-dir', '--models-dir', '--cache-dir', '--threads']);
const DROP_FLAGS = new Set(['--resume', '--quiet', '--no-quiet', '--no-resume']);

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
  ciScale?: number;
  absTol?: string;
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
    const csvText = fs.readFileSync(path.join(inDir, 'summary.csv'), 'utf8');
    const current = parseSummaryCsv(csvText, path.join(inDir, 'summary.csv'));
    const signatures: Record<string, string> = {};
    for (const m of current.metricNames) if (meta.signatures[m] && current.rows.some((r) => r.metrics[m])) signatures[m] = meta.signatures[m];
    const tolerance: GoldenFile['tolerance'] = {
      ciScale: o.ciScale ?? old?.tolerance.ciScale ?? DEFAULT_TOLERANCE.ciScale,
      absFloor: {
        ...DEFAULT_TOLERANCE.absFloor,
        ...(old?.tolerance.absFloor ?? {}),
        ...(o.absTol ? parseToleranceSpec(o.absTol, '--abs-tol').absFloor : {}),
      },
    };
    const text = formatGolden({ command, images: runImages(inDir), signatures, tolerance, csv: csvText });
    const lines: string[] = [];
    let changed = true;
    if (old) {
      const oldText = fs.readFileSync(o.golden, 'utf8');
      changed = oldText !== text;
      const headerOf = (t: string): string => t.split('\n').filter((l) => l.startsWith('#')).join('\n');
      const diff = compareSummaries(old.summary, current, { ciScale: 0, absFloor: {}, defaultFloor: 0 });
      const shown = diff.rows.filter((r) => r.status !== 'ok');
      if (old.command && old.command.join('\u0000') !== command.join('\u0000')) {
        lines.push(`command: bench run ${old.command.map(shellQuote).join(' ')}\n      → bench run ${command.map(shellQuote).join(' ')}`);
      }
      for (const [m, sig] of Object.entries(signatures)) {
        if (old.signatures[m] !== undefined && old.signatures[m] !== sig) lines.push(`metric ${m}: ${old.signatures[m]} → ${sig}`);
      }
      if (shown.length) lines.push(formatCheckTable(shown, { diff: true }), '');
      const header = headerOf(oldText) !== headerOf(text) ? ' and its header' : '';
      lines.push(changed ? `updated ${o.golden}: ${shown.length} value(s)${header} changed` : `${o.golden} unchanged: the results equal the golden`);
    } else {
      lines.push(`created ${o.golden}: ${current.rows.length} points from ${inDir}, command: bench run ${command.map(shellQuote).join(' ')}`);
    }
    if (changed) writeFileAtomic(o.golden, text);
    return { file: o.golden, created: !old, changed, report: lines.join('\n') };
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}
