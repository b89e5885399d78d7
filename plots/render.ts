import * as fs from 'fs';
import * as path from 'path';
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite' with { 'resolution-mode': 'import' };
import { UserError } from '../bench/errors';
import { writeFileAtomic } from '../bench/fs-atomic';
import { parseBudgetsCsv, readRunMeta, readSummary, type RunMeta, type Summary } from './data';
import { BUDGETS_FILE } from '../bench/sweep/results';
import { budgetFolderName } from '../bench/schemes/bandwidth-ratio';
import { FONT_FAMILY, fontFiles } from './fonts';
import { buildBudgetFigures, buildFigures, estimatedWidth, specOf, type BuildOptions, type Figure, type SkippedFigure } from './specs/figures';
import { BASE_CONFIG } from './specs/metric-vs-snr';
import { loadVega } from './vega-node';

export interface RenderOptions extends BuildOptions {
  /** Results folder written by `bench run` (summary.csv, run.json, samples/). */
  inDir: string;
  /** Output folder; default plots/<dataset> (relative to the working directory). */
  outDir?: string;
  /** PNG pixels per SVG px (2 = crisp on high-DPI screens and in print). */
  scale?: number;
  /** Only these figure ids (default: all). */
  only?: string[];
}

export interface RenderedFigure {
  id: string;
  title: string;
  kind: Figure['kind'];
  metrics: string[];
  schemes: string[];
  /** Written files, relative to outDir. */
  files: { svg: string; png: string; spec: string };
  /** SVG size in px. */
  width: number;
  height: number;
  spec: TopLevelSpec;
}

export interface RenderResult {
  dataset: string;
  inDir: string;
  outDir: string;
  summary: Summary;
  meta: RunMeta;
  figures: RenderedFigure[];
  skipped: SkippedFigure[];
  /** Warnings from Vega-Lite / Vega (none expected). */
  warnings: string[];
}

/** Renders one Vega-Lite spec headlessly to SVG (no browser, no canvas). */
export async function specToSvg(spec: TopLevelSpec, warnings: string[] = []): Promise<{ svg: string; width: number; height: number }> {
  const { vega, vl } = loadVega();
  const logger = {
    level(): number {
      return 2;
    },
    error(...args: unknown[]): void {
      throw new Error(`vega-lite: ${args.map(String).join(' ')}`);
    },
    warn(...args: unknown[]): void {
      warnings.push(args.map(String).join(' '));
    },
    info(): void {},
    debug(): void {},
  };
  // `logger` implements vega-util's LoggerInterface (its level() setter form is never used here).
  const compiled = vl.compile(spec, { logger: logger as never });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none', logLevel: vega.Warn, logger: logger as never });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    return { svg, width: m ? Number(m[1]) : view.width(), height: m ? Number(m[2]) : view.height() };
  } finally {
    view.finalize();
  }
}

/** SVG → PNG with resvg, drawing text with the bundled DejaVu fonts only (no system fonts). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const f = fontFiles();
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      fontFiles: [f.regular, f.bold, f.oblique, f.boldOblique],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  return Buffer.from(resvg.render().asPng());
}

export function defaultOutDir(dataset: string): string {
  return path.join('plots', dataset);
}

/**
 * A budget sweep's folder (budgets.csv and a results folder per budget): its rows, and the run
 * metadata of its first budget with the list of budgets; null for an ordinary results folder.
 */
function readBudgetSweep(dir: string): { summary: Summary; meta: RunMeta } | null {
  const file = path.join(dir, BUDGETS_FILE);
  if (!fs.existsSync(file)) return null;
  const summary = parseBudgetsCsv(fs.readFileSync(file, 'utf8'), file);
  const texts = [...new Set(summary.rows.map((r) => r.budget!.text))];
  const first = summary.rows.length ? path.join(dir, budgetFolderName(summary.rows[0].budget!)) : dir;
  return { summary, meta: { ...readRunMeta(first), budget: texts.join(', ') } };
}

/**
 * `bench plot`: reads summary.csv and run.json in `inDir`, builds the figures (Fig. 3/4 (a), (b)
 * and the extras) and writes each as `<id>.svg`, `<id>.png` and `<id>.vl.json` (the Vega-Lite
 * spec with its data inlined) into `outDir` (default plots/<dataset>).
 */
export async function renderPlots(o: RenderOptions): Promise<RenderResult> {
  if (!fs.existsSync(o.inDir) || !fs.statSync(o.inDir).isDirectory()) {
    throw new UserError(`--in ${o.inDir}: no such folder; point it at a results folder written by "bench run" (e.g. results/kodak24)`);
  }
  const budgetSweep = readBudgetSweep(o.inDir);
  const summary = budgetSweep?.summary ?? readSummary(path.join(o.inDir, 'summary.csv'));
  const meta = budgetSweep?.meta ?? readRunMeta(o.inDir);
  const set = budgetSweep ? buildBudgetFigures(summary, meta, o) : buildFigures(summary, meta, o);
  const outDir = o.outDir ?? defaultOutDir(set.dataset);
  fs.mkdirSync(outDir, { recursive: true });
  const scale = o.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new UserError(`--scale ${scale}: use a number in (0, 8]`);
  let figs = set.figures;
  if (o.only && o.only.length > 0) {
    const unknown = o.only.filter((id) => !figs.some((f) => f.id === id));
    if (unknown.length) {
      throw new UserError(`--only ${unknown.join(',')}: no such figure for this folder; available: ${figs.map((f) => f.id).join(', ')}`);
    }
    figs = figs.filter((f) => o.only!.includes(f.id));
  }
  const warnings: string[] = [];
  const rendered: RenderedFigure[] = [];
  for (const f of figs) {
    // Two passes: draw the panels and legend with the caption heading only, then wrap the
    // caption to the width they take.
    const probe = await specToSvg(specOf({ ...f, paragraphs: [] }, estimatedWidth(f)), warnings);
    const spec = specOf(f, Math.max(300, probe.width - 2 * BASE_CONFIG.padding));
    const { svg, width, height } = await specToSvg(spec, warnings);
    const files = { svg: `${f.id}.svg`, png: `${f.id}.png`, spec: `${f.id}.vl.json` };
    writeFileAtomic(path.join(outDir, files.svg), svg);
    writeFileAtomic(path.join(outDir, files.png), svgToPng(svg, scale));
    writeFileAtomic(path.join(outDir, files.spec), JSON.stringify(spec, null, 2) + '\n');
    rendered.push({ id: f.id, title: f.title, kind: f.kind, metrics: f.metrics, schemes: f.schemes, files, width, height, spec });
  }
  return { dataset: set.dataset, inDir: o.inDir, outDir, summary, meta, figures: rendered, skipped: set.skipped, warnings };
}
