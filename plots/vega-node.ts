import * as fs from 'fs';
import * as path from 'path';
import type * as VegaModule from 'vega' with { 'resolution-mode': 'import' };
import type * as VegaLiteModule from 'vega-lite' with { 'resolution-mode': 'import' };
import { isBold, textWidth } from './fonts';

export type Vega = typeof VegaModule;
export type VegaLite = typeof VegaLiteModule;

/**
 * Vega, Vega-Lite and vega-embed ship ES modules (Vega's with a top-level await, which Node's
 * `require` refuses and jest cannot import without experimental flags) and UMD bundles. We load
 * the UMD bundles: the same files the HTML report copies next to itself, so Node and the browser
 * run the same code.
 */
export function vendorFiles(): { vega: string; vegaLite: string; vegaEmbed: string } {
  const dir = (pkg: string): string => {
    // Each package's `exports` resolves its ES module inside build/; the UMD bundle sits beside it.
    return path.dirname(require.resolve(pkg));
  };
  return {
    vega: path.join(dir('vega'), 'vega.min.js'),
    vegaLite: path.join(dir('vega-lite'), 'vega-lite.min.js'),
    vegaEmbed: path.join(dir('vega-embed'), 'vega-embed.min.js'),
  };
}

/** Evaluates a UMD bundle as CommonJS, resolving its `require`s from `deps`. */
function loadUmd(file: string, deps: Record<string, unknown>): unknown {
  const src = fs.readFileSync(file, 'utf8');
  const module = { exports: {} as Record<string, unknown> };
  const req = (name: string): unknown => {
    if (name in deps) return deps[name];
    throw new Error(`${file} requires "${name}", which the plot renderer does not provide`);
  };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function('exports', 'module', 'require', `${src}\n//# sourceURL=${file}`) as (e: unknown, m: unknown, r: unknown) => void;
  fn.call(globalThis, module.exports, module, req);
  return module.exports;
}

let cached: { vega: Vega; vl: VegaLite } | null = null;

/**
 * Vega and Vega-Lite for headless rendering. Text is measured with DejaVu Sans's advance widths
 * (Vega would otherwise guess 0.8 em per character without a canvas), so legends, titles and
 * padding fit the text that resvg later draws with the same font.
 */
export function loadVega(): { vega: Vega; vl: VegaLite } {
  if (cached) return cached;
  const files = vendorFiles();
  const vega = loadUmd(files.vega, {}) as Vega;
  const vl = loadUmd(files.vegaLite, { vega }) as VegaLite;
  const metrics = (vega as unknown as { textMetrics: unknown }).textMetrics as { width: (item: TextItem, text?: unknown) => number };
  metrics.width = (item: TextItem, text?: unknown): number => {
    const t = text === undefined ? item.text : text;
    const s = t == null ? '' : String(t).trim();
    const size = item.fontSize ?? 11;
    return s && size > 0 ? textWidth(s, size, isBold(item.fontWeight)) : 0;
  };
  cached = { vega, vl };
  return cached;
}

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}
