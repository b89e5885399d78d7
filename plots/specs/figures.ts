import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import { UserError } from '../../bench/errors';
import { datasetLabel, DATASETS, type RunMeta, type Summary } from '../data';
import { schemeLabel, stylesFor, type SchemeStyle } from '../schemes';
import { figureSpec, type CurvePoint, type MetricAxis, type PanelOptions } from './metric-vs-snr';

/**
 * The figure catalogue: Fig. 3 (VOC2012) / Fig. 4 (Kodak24) with panel (a) cosine similarity and
 * (b) LPIPS, each panel also on its own, and the extra figures (BLEU for the text schemes, PSNR,
 * MS-SSIM, channel symbols per image). Which figures exist, which schemes they show and their
 * SNR grid all follow from summary.csv; a metric column this file does not know is plotted too.
 */
export const METRIC_AXES: Record<string, Omit<MetricAxis, 'title'> & { name: string; better: 'higher' | 'lower' | null }> = {
  cosine: { metric: 'cosine', name: 'Cosine similarity', yTitle: 'Cosine similarity', format: '.2f', better: 'higher', max: 1 },
  lpips: { metric: 'lpips', name: 'LPIPS', yTitle: 'LPIPS', format: '.2f', better: 'lower', min: 0 },
  bleu: { metric: 'bleu', name: 'BLEU', yTitle: 'BLEU-4 (0–1)', format: '.2f', better: 'higher', min: 0, max: 1 },
  psnr: { metric: 'psnr', name: 'PSNR', yTitle: 'PSNR (dB)', format: '~g', better: 'higher' },
  ms_ssim: { metric: 'ms_ssim', name: 'MS-SSIM', yTitle: 'MS-SSIM', format: '.2f', better: 'higher', max: 1 },
  channel_symbols: { metric: 'channel_symbols', name: 'Channel symbols per image', yTitle: 'Complex channel symbols per image', format: ',', better: null },
  // Not an extra figure of its own (channel symbols is one); the budget figures draw it.
  kn: { metric: 'kn', name: 'k/n used', yTitle: 'k/n used (symbols / H·W·3)', format: '~g', better: null, log: true },
};

/** How the caption names the channel: AWGN, or block Rayleigh fading with its block length. */
function channelText(signature: string | null): string {
  const m = /^rayleigh:block=(\d+)/.exec(signature ?? '');
  if (!m) return 'Es/N0 per complex channel symbol (AWGN)';
  return `the average Es/N0 per complex channel symbol (Rayleigh ${m[1] === '1' ? 'fast' : `block`} fading${m[1] === '1' ? '' : `, ${m[1]} symbols per block`}, perfect CSI at the receiver)`;
}

export function metricName(metric: string): string {
  return METRIC_AXES[metric]?.name ?? metric;
}

/** The name inside a sentence ("cosine similarity", but "LPIPS"). */
function inSentence(metric: string): string {
  const n = metricName(metric);
  return /^[A-Z][a-z]/.test(n) ? n[0].toLowerCase() + n.slice(1) : n;
}

export interface Figure {
  /** File name stem: fig4, fig4a-cosine, extra-psnr … */
  id: string;
  /** Heading in the report (and, with a full stop, the caption's first line). */
  title: string;
  kind: 'main' | 'panel' | 'extra';
  metrics: string[];
  schemes: string[];
  panels: PanelOptions[];
  data: CurvePoint[];
  /** Caption text below the heading, one paragraph per entry (wrapped when the spec is made). */
  paragraphs: string[];
}

export interface SkippedFigure {
  id: string;
  title: string;
  reason: string;
}

export interface FigureSet {
  dataset: string;
  figures: Figure[];
  skipped: SkippedFigure[];
}

/** The Vega-Lite spec of a figure, its caption wrapped to `captionWidth` px. */
export function specOf(f: Figure, captionWidth: number): TopLevelSpec {
  return figureSpec({
    panels: f.panels,
    data: f.data,
    heading: `${f.title}.`,
    paragraphs: f.paragraphs,
    captionWidth,
    description: `${f.title} (multi-sc-bench; data: summary.csv)`,
  });
}

/** A first guess of a figure's drawn width (the renderer measures the real one). */
export function estimatedWidth(f: Figure): number {
  return f.panels.reduce((w, p) => w + (p.width ?? 320) + 70, 0) + (f.panels.length - 1) * 28 + 150;
}

/** Long-form curve points of one metric, only for schemes with at least one value. */
function curvePoints(summary: Summary, metric: string, styleOf: (scheme: string, profile: string) => SchemeStyle): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const r of summary.rows) {
    const v = r.metrics[metric];
    if (!v || !Number.isFinite(v.mean)) continue;
    const ci = v.ci95 !== null && Number.isFinite(v.ci95) ? v.ci95 : null;
    const style = styleOf(r.scheme, r.profile);
    out.push({
      scheme: r.scheme,
      label: style.label,
      color: style.color,
      profile: r.profile,
      snr_db: r.snr_db,
      ...(r.budget ? { budget: r.budget.ratio, budget_text: r.budget.text } : {}),
      n: r.n,
      metric,
      mean: v.mean,
      ci95: ci,
      lo: ci === null ? null : v.mean - ci,
      hi: ci === null ? null : v.mean + ci,
    });
  }
  return out;
}

/** Whether any point has a CI (n ≥ 2): a band layer with none would have no extent. */
function hasBand(points: readonly CurvePoint[]): boolean {
  return points.some((p) => p.lo !== null);
}

function range(xs: number[]): string {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? String(lo) : `${lo}–${hi}`;
}

export interface BuildOptions {
  panelWidth?: number;
  panelHeight?: number;
}

/** What every figure of one results folder shares: its dataset, scheme styles and caption. */
function figureContext(summary: Summary, meta: RunMeta) {
  const datasets = [...new Set(summary.rows.map((r) => r.dataset))];
  if (datasets.length === 0) throw new UserError(`${summary.file} has no rows: the run produced no results yet; finish it with "bench run --resume"`);
  if (datasets.length > 1) {
    throw new UserError(`${summary.file} mixes datasets (${datasets.join(', ')}): plot one dataset per results folder`);
  }
  const dataset = datasets[0];
  const profiles = [...new Set(summary.rows.map((r) => r.profile))].sort();
  // A folder normally holds one profile; if it holds several, the legend tells them apart.
  const baseStyles = stylesFor(summary.rows.map((r) => r.scheme));
  const styleOf = (scheme: string, profile: string): SchemeStyle => {
    const base = baseStyles.find((s) => s.scheme === scheme) ?? { ...baseStyles[0], scheme, label: schemeLabel(scheme) };
    return profiles.length > 1 ? { ...base, label: `${base.label} [${profile}]` } : base;
  };
  const stylesOf = (points: CurvePoint[]): SchemeStyle[] =>
    baseStyles.flatMap((s) => profiles.filter((p) => points.some((q) => q.scheme === s.scheme && q.profile === p)).map((p) => styleOf(s.scheme, p)));

  const fig = DATASETS[dataset]?.figure ?? null;
  const dsLabel = datasetLabel(dataset);
  const nAll = summary.rows.map((r) => r.n);
  const imagesSeeds =
    meta.images !== null && meta.seeds !== null
      ? `${meta.images} image${meta.images === 1 ? '' : 's'} × ${meta.seeds} seed${meta.seeds === 1 ? '' : 's'}, n = ${range(nAll)} per point`
      : `n = ${range(nAll)} per point (images × seeds)`;
  const ciText = nAll.some((n) => n >= 2) ? 'lines: mean; bands: 95% CI of the mean (Student t over images × seeds)' : 'lines: mean (n = 1: no CI band)';
  const metricModels = meta.metricModels !== null ? ` (metric models ${meta.metricModels})` : '';
  const budget = meta.budget !== null ? ` Every scheme within a bandwidth budget of k/n = ${meta.budget} (channel symbols ≤ k/n·H·W·3, side information included).` : '';
  const general = `${dsLabel}, profile ${profiles.join(', ')}${metricModels}, ${imagesSeeds}; ${ciText}. SNR is ${channelText(meta.channel)}.`;
  const signatureLine = (m: string): string => meta.signatures[m] ?? `${m}: signature not recorded (run.json missing or without config.metrics)`;
  return { dataset, fig, dsLabel, styleOf, stylesOf, general, budget, signatureLine };
}

export function buildFigures(summary: Summary, meta: RunMeta, opts: BuildOptions = {}): FigureSet {
  const ctx = figureContext(summary, meta);
  const { dataset, fig, dsLabel, styleOf, stylesOf, signatureLine } = ctx;
  const general = ctx.general + ctx.budget;
  const prefix = fig !== null ? `fig${fig}` : `fig-${dataset.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const figLabel = fig !== null ? `Fig. ${fig}` : 'Figure';

  const axisFor = (metric: string, title: string, points: CurvePoint[]): MetricAxis => {
    const known = METRIC_AXES[metric];
    const axis: MetricAxis = known ? { ...known, title } : { metric, title, yTitle: metric, format: '~g' };
    if (metric === 'channel_symbols') {
      const vals = points.map((p) => p.mean).filter((v) => v > 0);
      const spread = vals.length ? Math.max(...vals) / Math.min(...vals) : 1;
      if (spread > 20) axis.log = true;
      else axis.zero = true;
    }
    return axis;
  };
  const panel = (metric: string, title: string, points: CurvePoint[]): PanelOptions => ({
    axis: axisFor(metric, title, points),
    styles: stylesOf(points),
    snrs: [...new Set(points.map((p) => p.snr_db))].sort((a, b) => a - b),
    band: hasBand(points),
    width: opts.panelWidth ?? 320,
    height: opts.panelHeight ?? 230,
  });

  const figures: Figure[] = [];
  const skipped: SkippedFigure[] = [];
  const points: Record<string, CurvePoint[]> = {};
  for (const m of summary.metricNames) points[m] = curvePoints(summary, m, styleOf);
  const schemesOf = (pts: CurvePoint[]): string[] => [...new Set(pts.map((p) => p.scheme))];

  // The letter's figure: (a) cosine similarity, (b) LPIPS; together and each on its own.
  const main = [
    { metric: 'cosine', letter: 'a' },
    { metric: 'lpips', letter: 'b' },
  ].filter((p) => (points[p.metric] ?? []).length > 0);
  if (main.length > 0) {
    const data = main.flatMap((p) => points[p.metric]);
    const what = main.map((p) => `(${p.letter}) ${inSentence(p.metric)}`).join(' and ');
    figures.push({
      id: prefix,
      title: `${figLabel}. ${dsLabel}: ${what} versus SNR`,
      kind: 'main',
      metrics: main.map((p) => p.metric),
      schemes: schemesOf(data),
      panels: main.map((p) => panel(p.metric, `(${p.letter}) ${metricName(p.metric)}`, points[p.metric])),
      data,
      paragraphs: [general, ...main.map((p) => signatureLine(p.metric))],
    });
    for (const p of main) {
      figures.push({
        id: `${prefix}${p.letter}-${p.metric}`,
        title: `${figLabel}(${p.letter}). ${dsLabel}: ${inSentence(p.metric)} versus SNR`,
        kind: 'panel',
        metrics: [p.metric],
        schemes: schemesOf(points[p.metric]),
        panels: [panel(p.metric, `(${p.letter}) ${metricName(p.metric)}`, points[p.metric])],
        data: points[p.metric],
        paragraphs: [general, signatureLine(p.metric)],
      });
    }
  } else {
    skipped.push({ id: prefix, title: `${figLabel} (cosine similarity, LPIPS)`, reason: 'no cosine or LPIPS values in summary.csv (run with --metrics cosine,lpips)' });
  }

  // Extras: BLEU (text schemes only: the others have none), PSNR, MS-SSIM, channel symbols,
  // then any other metric column.
  const extras = ['bleu', 'psnr', 'ms_ssim', 'channel_symbols', ...summary.metricNames.filter((m) => !(m in METRIC_AXES))];
  for (const m of extras) {
    const title = m === 'channel_symbols' ? `${dsLabel}: channel symbols per image (bandwidth)` : `${dsLabel}: ${metricName(m)} versus SNR`;
    const pts = points[m] ?? [];
    if (pts.length === 0) {
      const reason =
        m === 'bleu' ? 'no text scheme in this run (BLEU scores the sent vs the corrected text of text schemes)' : `no ${m} values in summary.csv`;
      skipped.push({ id: `extra-${m}`, title, reason });
      continue;
    }
    const paragraphs = [general];
    if (m === 'channel_symbols') {
      paragraphs.push('Complex channel uses spent per image, side information included; bandwidth ratio k/n = symbols / (H·W·3).');
    } else paragraphs.push(signatureLine(m));
    if (m === 'bleu') paragraphs.push('BLEU of the sent vs the corrected text; only text schemes have one.');
    figures.push({
      id: `extra-${m}`,
      title,
      kind: 'extra',
      metrics: [m],
      schemes: schemesOf(pts),
      panels: [panel(m, metricName(m), pts)],
      data: pts,
      paragraphs,
    });
  }
  return { dataset, figures, skipped };
}

/**
 * The figures of a budget sweep (budgets.csv): at each SNR, the metrics against the bandwidth
 * budget k/n, every scheme held to it, and the k/n each scheme actually used.
 */
export function buildBudgetFigures(summary: Summary, meta: RunMeta, opts: BuildOptions = {}): FigureSet {
  const { dataset, dsLabel, styleOf, stylesOf, general, signatureLine } = figureContext(summary, meta);
  const budgets = [...new Set(summary.rows.map((r) => r.budget?.ratio).filter((b): b is number => b !== undefined))].sort((a, b) => a - b);
  if (budgets.length === 0) throw new UserError(`${summary.file}: no budget in its rows; is this a budgets.csv written by "bench run --budget A,B,..."?`);
  const budgetTexts = [...new Map(summary.rows.filter((r) => r.budget).map((r) => [r.budget!.ratio, r.budget!.text])).entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const figures: Figure[] = [];
  const skipped: SkippedFigure[] = [];
  const panelsOf = ['cosine', 'lpips', 'psnr', 'kn'];
  for (const snr of [...new Set(summary.rows.map((r) => r.snr_db))].sort((a, b) => a - b)) {
    const atSnr = { ...summary, rows: summary.rows.filter((r) => r.snr_db === snr) };
    const shown = panelsOf
      .map((m) => ({ m, points: curvePoints(atSnr, m, styleOf) }))
      .filter((p) => p.points.length > 0);
    const id = `budget-${dataset.replace(/[^A-Za-z0-9_-]/g, '_')}-snr${String(snr).replace('-', 'm')}`;
    const title = `${dsLabel} at ${snr} dB: ${shown.map((p) => inSentence(p.m)).join(', ')} versus the bandwidth budget k/n`;
    if (shown.length === 0) {
      skipped.push({ id, title, reason: `no values at ${snr} dB` });
      continue;
    }
    const data = shown.flatMap((p) => p.points);
    figures.push({
      id,
      title,
      kind: 'main',
      metrics: shown.map((p) => p.m),
      schemes: [...new Set(data.map((p) => p.scheme))],
      panels: shown.map((p, i) => {
        const known = METRIC_AXES[p.m];
        return {
          axis: { ...known, title: `(${String.fromCharCode(97 + i)}) ${metricName(p.m)}` },
          styles: stylesOf(p.points),
          snrs: [snr],
          budgets,
          // k/n used spans decades on a log axis: a CI band would reach below zero.
          band: p.m !== 'kn' && hasBand(p.points),
          width: opts.panelWidth ?? 280,
          height: opts.panelHeight ?? 220,
        };
      }),
      data,
      paragraphs: [
        general,
        `Each point: a sweep with every scheme held to --budget k/n (${budgetTexts.join(', ')}): at most ⌊k/n·H·W·3⌋ complex channel symbols per image, text and side information included. Analog and deep JSCC meet a budget below their own ratio (1/2, c/96) by sending a downscaled image; deep JSCC above c/96 spends c/96; BPG-LDPC fits its stream to the budget; Multi-SC and single-text SC give the slice what the captions and side information leave; VLM-CSC sends its caption whatever the budget. The last panel is the k/n each scheme used.`,
        ...shown.filter((p) => p.m !== 'kn').map((p) => signatureLine(p.m)),
      ],
    });
  }
  return { dataset, figures, skipped };
}
