import * as fs from 'fs';
import * as path from 'path';
import { Resvg } from '@resvg/resvg-js';
import sharp from 'sharp';
import { fontFiles, FONT_FAMILY, textWidth } from '../../plots/fonts';
import { renderPlots, type RenderResult } from '../../plots/render';
import { makeResults, tempDir } from './fixtures';

const ALL = ['analog', 'bpg-ldpc', 'bpg-capacity', 'deep-jscc', 'multi-sc', 'single-text', 'vlm-csc'];

/** Bounding box of what the SVG draws (text with the real glyphs), background left out. */
function contentBox(svg: string): { x: number; y: number; width: number; height: number; svgWidth: number; svgHeight: number } {
  const f = fontFiles();
  const bare = svg.replace(/<rect width="[\d.]+" height="[\d.]+" fill="white"\/>/, '');
  const r = new Resvg(bare, { font: { fontFiles: [f.regular, f.bold], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY } });
  const b = r.getBBox()!;
  return { x: b.x, y: b.y, width: b.width, height: b.height, svgWidth: r.width, svgHeight: r.height };
}

describe('fonts', () => {
  test('DejaVu Sans advance widths match what resvg draws (within 3%)', () => {
    const f = fontFiles();
    for (const [text, size, bold] of [
      ['Analog (uncoded)', 11, false],
      ['BPG capacity bound', 11, false],
      ['Fig. 4. Kodak24: (a) cosine similarity', 12, true],
      ['lpips:net=squeeze-caffe(approx)|v=0.1', 10.5, false],
    ] as const) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="50"><text x="10" y="30" font-family="DejaVu Sans" font-size="${size}" font-weight="${bold ? 'bold' : 'normal'}">${text}</text></svg>`;
      const r = new Resvg(svg, { font: { fontFiles: [f.regular, f.bold], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY } });
      const drawn = r.getBBox()!.width;
      const measured = textWidth(text, size, bold);
      expect(Math.abs(measured - drawn) / drawn).toBeLessThan(0.03);
    }
  });
});

describe('renderPlots', () => {
  let work: string;
  let result: RenderResult;
  beforeAll(async () => {
    work = tempDir('render');
    await makeResults(path.join(work, 'r'), { schemes: ALL, snrs: [-3, 0, 3, 6, 9, 12, 15, 18, 21], samples: 0 });
    result = await renderPlots({ inDir: path.join(work, 'r'), outDir: path.join(work, 'plots') });
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes SVG, PNG and the spec of every figure, with no Vega warning', () => {
    expect(result.dataset).toBe('kodak24');
    expect(result.warnings).toEqual([]);
    expect(result.figures.map((f) => f.id)).toContain('fig4');
    for (const f of result.figures) {
      for (const file of Object.values(f.files)) expect(fs.statSync(path.join(result.outDir, file)).size).toBeGreaterThan(1000);
      const spec = JSON.parse(fs.readFileSync(path.join(result.outDir, f.files.spec), 'utf8')) as { datasets: { summary: unknown[] } };
      expect(spec.datasets.summary.length).toBeGreaterThan(0);
    }
  });

  test('the SVG has the legend names, axis titles and caption, in DejaVu Sans', () => {
    const svg = fs.readFileSync(path.join(result.outDir, 'fig4.svg'), 'utf8');
    for (const s of ['Multi-SC', 'Single-text SC', 'VLM-CSC', 'Deep JSCC', 'BPG-LDPC', 'BPG capacity bound', 'Analog (uncoded)']) {
      expect(svg).toContain(`>${s}</text>`);
    }
    for (const s of ['SNR (dB)', 'Cosine similarity', 'LPIPS', '(a) Cosine similarity', '(b) LPIPS', 'Fig. 4. Kodak24']) expect(svg).toContain(s);
    expect(svg).toContain('font-family="DejaVu Sans"');
    expect(svg).not.toMatch(/font-family="(sans-serif|Helvetica|Arial)/);
  });

  test('nothing drawn lies outside the SVG (no clipped text), PNG at 2× with real content', async () => {
    for (const f of result.figures) {
      const svg = fs.readFileSync(path.join(result.outDir, f.files.svg), 'utf8');
      const b = contentBox(svg);
      expect(b.x).toBeGreaterThanOrEqual(4);
      expect(b.y).toBeGreaterThanOrEqual(4);
      expect(b.x + b.width).toBeLessThanOrEqual(b.svgWidth - 4);
      expect(b.y + b.height).toBeLessThanOrEqual(b.svgHeight - 4);
      const png = sharp(path.join(result.outDir, f.files.png));
      const m = await png.metadata();
      expect(m.width).toBe(Math.round(2 * f.width));
      expect(m.height).toBe(Math.round(2 * f.height));
      const stats = await png.stats();
      // White background with dark text and coloured lines: far from a blank image.
      expect(stats.channels[0].min).toBeLessThan(80);
      expect(stats.channels[0].stdev).toBeGreaterThan(10);
    }
  });

  test('--only and a bad --in are user errors with a fix', async () => {
    await expect(renderPlots({ inDir: path.join(work, 'nope') })).rejects.toThrow(/no such folder/);
    await expect(renderPlots({ inDir: path.join(work, 'r'), outDir: path.join(work, 'p2'), only: ['fig9'] })).rejects.toThrow(/available: fig4/);
    const r = await renderPlots({ inDir: path.join(work, 'r'), outDir: path.join(work, 'p3'), only: ['fig4a-cosine'], scale: 1 });
    expect(r.figures.map((f) => f.id)).toEqual(['fig4a-cosine']);
    expect((await sharp(path.join(work, 'p3', 'fig4a-cosine.png')).metadata()).width).toBe(Math.round(r.figures[0].width));
  });

  test('default output folder is plots/<dataset> under the working directory', async () => {
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const r = await renderPlots({ inDir: 'r', only: ['fig4'] });
      expect(r.outDir).toBe(path.join('plots', 'kodak24'));
      expect(fs.existsSync(path.join(work, 'plots', 'kodak24', 'fig4.png'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});
