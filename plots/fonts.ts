import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../bench/errors';

/**
 * The fonts every figure is drawn with: DejaVu Sans from the `dejavu-fonts-ttf` package, so
 * text renders the same on a machine without desktop fonts. Vega lays text out with these
 * fonts' real advance widths (below), and resvg draws the SVG with the same files.
 */
export const FONT_FAMILY = 'DejaVu Sans';

export function fontDir(): string {
  const pkg = require.resolve('dejavu-fonts-ttf/package.json');
  return path.join(path.dirname(pkg), 'ttf');
}

export function fontFiles(): { regular: string; bold: string; oblique: string; boldOblique: string } {
  const d = fontDir();
  const files = {
    regular: path.join(d, 'DejaVuSans.ttf'),
    bold: path.join(d, 'DejaVuSans-Bold.ttf'),
    oblique: path.join(d, 'DejaVuSans-Oblique.ttf'),
    boldOblique: path.join(d, 'DejaVuSans-BoldOblique.ttf'),
  };
  for (const f of Object.values(files)) {
    if (!fs.existsSync(f)) throw new UserError(`font file ${f} is missing: reinstall the dejavu-fonts-ttf package (npm ci)`);
  }
  return files;
}

/** Horizontal metrics of one TrueType font: advance width per code point, in em. */
export class FontMetrics {
  private constructor(
    private readonly advance: (codePoint: number) => number,
    private readonly cache = new Map<number, number>(),
  ) {}

  /** Reads the `head`, `hhea`, `hmtx` and `cmap` (format 4 or 12) tables of a .ttf file. */
  static fromFile(file: string): FontMetrics {
    const buf = fs.readFileSync(file);
    const tables = new Map<string, number>();
    const numTables = buf.readUInt16BE(4);
    for (let i = 0; i < numTables; i++) {
      const rec = 12 + 16 * i;
      tables.set(buf.toString('latin1', rec, rec + 4), buf.readUInt32BE(rec + 8));
    }
    const table = (tag: string): number => {
      const off = tables.get(tag);
      if (off === undefined) throw new Error(`${file}: no ${tag} table`);
      return off;
    };
    const unitsPerEm = buf.readUInt16BE(table('head') + 18);
    const numHMetrics = buf.readUInt16BE(table('hhea') + 34);
    const hmtx = table('hmtx');
    const advanceOfGlyph = (g: number): number => buf.readUInt16BE(hmtx + 4 * Math.min(g, numHMetrics - 1)) / unitsPerEm;
    const glyphOf = cmapLookup(buf, table('cmap'), file);
    return new FontMetrics((cp) => advanceOfGlyph(glyphOf(cp)));
  }

  /** Width of `text` in em (no kerning: within a few per cent of shaped text). */
  widthEm(text: string): number {
    let w = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      let a = this.cache.get(cp);
      if (a === undefined) {
        a = this.advance(cp);
        this.cache.set(cp, a);
      }
      w += a;
    }
    return w;
  }
}

function cmapLookup(buf: Buffer, cmap: number, file: string): (cp: number) => number {
  const n = buf.readUInt16BE(cmap + 2);
  let best: { format: number; off: number } | null = null;
  for (let i = 0; i < n; i++) {
    const rec = cmap + 4 + 8 * i;
    const platform = buf.readUInt16BE(rec);
    const encoding = buf.readUInt16BE(rec + 2);
    const off = cmap + buf.readUInt32BE(rec + 4);
    const format = buf.readUInt16BE(off);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode || (format !== 4 && format !== 12)) continue;
    if (!best || (format === 12 && best.format === 4)) best = { format, off };
  }
  if (!best) throw new Error(`${file}: no Unicode cmap subtable (format 4 or 12)`);
  const off = best.off;
  if (best.format === 12) {
    const groups = buf.readUInt32BE(off + 12);
    return (cp) => {
      let lo = 0;
      let hi = groups - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const g = off + 16 + 12 * mid;
        const start = buf.readUInt32BE(g);
        const end = buf.readUInt32BE(g + 4);
        if (cp < start) hi = mid - 1;
        else if (cp > end) lo = mid + 1;
        else return buf.readUInt32BE(g + 8) + (cp - start);
      }
      return 0;
    };
  }
  const segX2 = buf.readUInt16BE(off + 6);
  const ends = off + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let s = 0; s < segX2; s += 2) {
      if (cp > buf.readUInt16BE(ends + s)) continue;
      const start = buf.readUInt16BE(starts + s);
      if (cp < start) return 0;
      const delta = buf.readUInt16BE(deltas + s);
      const ro = buf.readUInt16BE(rangeOffsets + s);
      if (ro === 0) return (cp + delta) & 0xffff;
      const g = buf.readUInt16BE(rangeOffsets + s + ro + 2 * (cp - start));
      return g === 0 ? 0 : (g + delta) & 0xffff;
    }
    return 0;
  };
}

let loaded: { regular: FontMetrics; bold: FontMetrics } | null = null;

/** DejaVu Sans metrics, regular and bold, loaded once. */
export function dejaVuMetrics(): { regular: FontMetrics; bold: FontMetrics } {
  if (!loaded) {
    const f = fontFiles();
    loaded = { regular: FontMetrics.fromFile(f.regular), bold: FontMetrics.fromFile(f.bold) };
  }
  return loaded;
}

/** True for a CSS/Vega font weight that selects the bold face. */
export function isBold(weight: unknown): boolean {
  if (weight === 'bold' || weight === 'bolder') return true;
  const n = Number(weight);
  return Number.isFinite(n) && n >= 600;
}

/** Width in px of `text` in DejaVu Sans at `fontSize` px. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const m = dejaVuMetrics();
  return (bold ? m.bold : m.regular).widthEm(text) * fontSize;
}
