import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import { FONT_FAMILY, textWidth } from '../fonts';
import type { SchemeStyle } from '../schemes';

/**
 * Vega-Lite specs of the figures: a metric (mean over images × seeds, with its 95% CI band)
 * against SNR, one line with point markers per scheme. The data are the rows of summary.csv in
 * long form (one record per scheme × SNR × metric, `CurvePoint`), bound by name (`summary`)
 * and inlined in the spec's top-level `datasets`, so every written spec is self-contained.
 */
export interface CurvePoint {
  scheme: string;
  /** Legend name (the letter's), with the profile appended when a folder mixes profiles. */
  label: string;
  /** The scheme's colour (the CI band is filled with it directly). */
  color: string;
  profile: string;
  snr_db: number;
  /** A budget sweep's point: its `--budget` k/n (the x of budget figures) and how it was written. */
  budget?: number;
  budget_text?: string;
  n: number;
  metric: string;
  mean: number;
  ci95: number | null;
  lo: number | null;
  hi: number | null;
}

export const DATA_NAME = 'summary';

export interface MetricAxis {
  metric: string;
  /** Panel title, e.g. "(a) Cosine similarity". */
  title: string;
  /** y-axis title. */
  yTitle: string;
  /** d3-format of the y labels and tooltips. */
  format: string;
  /** Log y scale (channel symbols spanning decades). */
  log?: boolean;
  /** Include zero in the y domain. */
  zero?: boolean;
  /** Fixed y domain, e.g. [0, 1]. */
  domain?: [number, number];
  /** Bounds of the metric's range (the y domain never goes past them; CI bands are clamped). */
  min?: number;
  max?: number;
}

export interface PanelOptions {
  axis: MetricAxis;
  /** Styles of the schemes drawn, in legend order (label → colour, marker, dash). */
  styles: readonly SchemeStyle[];
  /** The SNR grid (x tick values). */
  snrs: readonly number[];
  /** A budget figure's budgets: then x is k/n on a log scale, not the SNR. */
  budgets?: readonly number[];
  /** Draw the CI band (default true). */
  band?: boolean;
  width?: number;
  height?: number;
}

export const BASE_CONFIG = {
  font: FONT_FAMILY,
  background: 'white',
  padding: 12,
  view: { stroke: '#9e9e9e' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6', tickColor: '#9e9e9e', domainColor: '#9e9e9e' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'bold', symbolSize: 90, labelLimit: 240, rowPadding: 4 },
  title: { fontSize: 13, fontWeight: 'bold', subtitleFontSize: 10.5, subtitleColor: '#333333', subtitleLineHeight: 14 },
} as const;

/** One panel: CI band (area), mean line and markers, coloured / shaped / dashed by scheme. */
export function metricPanel(o: PanelOptions): Record<string, unknown> {
  const labels = o.styles.map((s) => s.label);
  const color = { field: 'label', type: 'nominal', title: 'Scheme', sort: labels, scale: { domain: labels, range: o.styles.map((s) => s.color) } };
  const shape = { field: 'label', type: 'nominal', title: 'Scheme', sort: labels, scale: { domain: labels, range: o.styles.map((s) => s.shape) } };
  const dash = { field: 'label', type: 'nominal', title: 'Scheme', sort: labels, scale: { domain: labels, range: o.styles.map((s) => s.dash) } };
  const yScale: Record<string, unknown> = o.axis.log ? { type: 'log' } : { zero: o.axis.zero ?? false, nice: true };
  if (o.axis.domain) yScale.domain = o.axis.domain;
  if (o.axis.min !== undefined || o.axis.max !== undefined) {
    if (o.axis.min !== undefined) yScale.domainMin = o.axis.min;
    if (o.axis.max !== undefined) yScale.domainMax = o.axis.max;
    yScale.clamp = true;
  }
  const y = (field: string): Record<string, unknown> => ({
    field,
    type: 'quantitative',
    title: o.axis.yTitle,
    scale: yScale,
    axis: { format: o.axis.format },
  });
  const snrs = [...o.snrs].sort((a, b) => a - b);
  const budgets = o.budgets ? [...o.budgets].sort((a, b) => a - b) : null;
  const x = budgets
    ? {
        field: 'budget',
        type: 'quantitative',
        title: 'Bandwidth budget k/n',
        scale: { type: 'log', base: 2, domain: [budgets[0], budgets[budgets.length - 1]], nice: false, padding: 10 },
        // Budgets are usually 1/k: label them so.
        axis: { values: budgets, labelExpr: "datum.value >= 1 ? format(datum.value, '~g') : '1/' + format(1 / datum.value, '.3~g')", grid: true },
      }
    : {
        field: 'snr_db',
        type: 'quantitative',
        title: 'SNR (dB)',
        scale: { domain: [snrs[0], snrs[snrs.length - 1]], nice: false, padding: 10 },
        axis: { values: snrs, format: '~g', grid: true },
      };
  return {
    width: o.width ?? 320,
    height: o.height ?? 230,
    transform: [{ filter: { field: 'metric', equal: o.axis.metric } }],
    layer: [
      ...(o.band === false ? [] : [{
        // Rows with n < 2 have no CI: their lo/hi are null and the band is simply absent there.
        mark: { type: 'area', opacity: 0.16, interpolate: 'linear' },
        // Band colours come from the data (`color`, unscaled): a band has no legend entry, so the
        // legend shows the scheme's line and marker.
        encoding: { x, y: y('lo'), y2: { field: 'hi' }, fill: { field: 'color', type: 'nominal', scale: null } },
      }]),
      {
        mark: { type: 'line', strokeWidth: 1.8, interpolate: 'linear' },
        encoding: { x, y: y('mean'), color, strokeDash: dash },
      },
      {
        // The panel title as a text mark at a fixed offset above the plot area, so that panels
        // side by side have their titles on one line (a group title would sit above the axis
        // labels, whose extent differs between panels).
        data: { values: [{}] },
        mark: { type: 'text', text: o.axis.title, x: 0, y: -12, align: 'left', baseline: 'bottom', fontSize: 12.5, fontWeight: 'bold' },
      },
      {
        mark: { type: 'point', filled: true, size: 50, opacity: 1 },
        encoding: {
          x,
          y: y('mean'),
          color,
          shape,
          tooltip: [
            { field: 'label', type: 'nominal', title: 'scheme' },
            budgets ? { field: 'budget_text', type: 'nominal', title: 'budget k/n' } : { field: 'snr_db', type: 'quantitative', title: 'SNR (dB)', format: '~g' },
            { field: 'mean', type: 'quantitative', title: `${o.axis.metric} mean`, format: o.axis.format === '~s' ? ',.0f' : '.4~f' },
            { field: 'ci95', type: 'quantitative', title: '± 95% CI', format: o.axis.format === '~s' ? ',.0f' : '.4~f' },
            { field: 'n', type: 'quantitative', title: 'n (images × seeds)' },
          ],
        },
      },
    ],
  };
}

export interface FigureOptions {
  panels: PanelOptions[];
  data: CurvePoint[];
  /** Caption heading ("Fig. 4. Kodak24: …"), drawn below the panels like a paper's caption. */
  heading: string;
  /** Caption paragraphs, wrapped here to `captionWidth` px. */
  paragraphs: string[];
  /** Width to wrap the caption to (the renderer passes the width of the drawn panels and legend). */
  captionWidth: number;
  description: string;
}

/** A figure of one or more panels side by side, sharing one legend and one caption. */
export function figureSpec(o: FigureOptions): TopLevelSpec {
  const panels = o.panels.map(metricPanel);
  const lines = o.paragraphs.flatMap((p) => wrapCaption(p, o.captionWidth, BASE_CONFIG.title.subtitleFontSize));
  const spec: Record<string, unknown> = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: o.description,
    data: { name: DATA_NAME },
    datasets: { [DATA_NAME]: o.data },
    title: {
      text: o.heading,
      ...(lines.length ? { subtitle: lines } : {}),
      orient: 'bottom',
      anchor: 'start',
      offset: 14,
      subtitlePadding: 6,
      fontSize: 12,
    },
    config: BASE_CONFIG,
    // Always a concat (of one or more panels): the top-level title is then the caption, apart
    // from the panels' own titles, and the panels share one legend.
    hconcat: panels,
    spacing: 28,
    resolve: { legend: { color: 'shared', shape: 'shared', strokeDash: 'shared' } },
  };
  return spec as unknown as TopLevelSpec;
}

/**
 * Breaks caption text into lines at most `maxWidth` px wide in DejaVu Sans at `fontSize`,
 * at spaces, or (for long signatures) after `|` and `,` separators.
 */
export function wrapCaption(text: string, maxWidth: number, fontSize: number): string[] {
  const tokens = text.match(/[^ |,]*[ |,]?/g)?.filter((t) => t !== '') ?? [text];
  const lines: string[] = [];
  let line = '';
  for (const t of tokens) {
    const candidate = line + t;
    if (line !== '' && textWidth(candidate.trimEnd(), fontSize) > maxWidth) {
      lines.push(line.trimEnd());
      line = t;
    } else line = candidate;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}
