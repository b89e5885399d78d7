import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import sharp from 'sharp';
import { renderPlots } from '../../plots/render';
import { buildReport } from '../../plots/report';
import { describeWith, type Requirement } from '../requirements';
import { CHROMIUM_CANDIDATES, findChromium, inspectPage } from './chromium';
import { makeResults, tempDir } from './fixtures';

/**
 * The report in a real browser: headless Chromium opens index.html from disk (no server, no
 * network), and we check that it logs no error, that vega-embed drew every figure as a non-empty
 * SVG, that every image loaded, that no text from the channel ran as script, and take a
 * screenshot. Needs Chromium (Debian: apt-get install -y chromium): skipped without it, failed
 * under CI=true (test/requirements.ts).
 */
const chromium = findChromium();
const chromiumRequirement: Requirement = {
  what: 'Chromium',
  present: chromium !== null,
  fix: `apt-get install -y chromium, or set MULTISC_CHROMIUM (looked for ${[process.env.MULTISC_CHROMIUM, ...CHROMIUM_CANDIDATES].filter(Boolean).join(', ')})`,
};
const d = describeWith(chromiumRequirement);

const CHECKS = `(() => {
  const figures = [...document.querySelectorAll('[data-figure]')].map((box) => {
    const svg = box.querySelector('.vega-target svg.marks');
    const r = svg ? svg.getBoundingClientRect() : null;
    return {
      id: box.getAttribute('data-figure'),
      interactive: box.classList.contains('interactive'),
      width: r ? r.width : 0,
      height: r ? r.height : 0,
      paths: svg ? svg.querySelectorAll('path').length : 0,
      texts: svg ? [...svg.querySelectorAll('text')].map((t) => t.textContent) : [],
    };
  });
  const images = [...document.images].map((i) => ({ src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0 }));
  const gallery = document.querySelectorAll('.sample .cell img').length;
  const texts = [...document.querySelectorAll('.texts pre')].map((p) => p.textContent);
  return { figures, images, gallery, texts, pwned: window.__pwned === undefined ? null : window.__pwned,
    scripts: document.scripts.length };
})()`;

interface Checks {
  figures: { id: string; interactive: boolean; width: number; height: number; paths: number; texts: string[] }[];
  images: { src: string; loaded: boolean }[];
  gallery: number;
  texts: string[];
  pwned: unknown;
  scripts: number;
}

d('HTML report in headless Chromium', () => {
  test('opens from disk without console errors; figures, gallery and escaped texts render', async () => {
    const work = tempDir('browser');
    await makeResults(path.join(work, 'r'), { schemes: ['analog', 'bpg-ldpc', 'multi-sc', 'vlm-csc'], snrs: [-3, 0, 3, 6, 9, 12], samples: 2 });
    const rendered = await renderPlots({ inDir: path.join(work, 'r'), outDir: path.join(work, 'plots') });
    const rep = await buildReport({ rendered });
    const page = await inspectPage(chromium!, pathToFileURL(rep.file).href, ['window.reportReady', CHECKS], { width: 1400 });

    expect(page.errors).toEqual([]);
    const ready = page.values[0] as { id: string; ok: boolean; reason?: string }[];
    expect(ready.map((r) => r.id)).toEqual(rendered.figures.map((f) => f.id));
    expect(ready.every((r) => r.ok)).toBe(true);

    const c = page.values[1] as Checks;
    for (const f of c.figures) {
      expect(f.interactive).toBe(true);
      expect(f.width).toBeGreaterThan(300);
      expect(f.height).toBeGreaterThan(200);
      expect(f.paths).toBeGreaterThan(10);
      expect(f.texts).toContain('SNR (dB)');
    }
    const fig4 = c.figures.find((f) => f.id === 'fig4')!;
    for (const s of ['Multi-SC', 'VLM-CSC', 'BPG-LDPC', 'Analog (uncoded)', '(a) Cosine similarity', '(b) LPIPS']) expect(fig4.texts).toContain(s);

    // Every image (PNG fallbacks, gallery thumbnails) loaded; the gallery has source + 4 schemes × 4 SNRs per image.
    expect(c.images.length).toBeGreaterThan(30);
    expect(c.images.filter((i) => !i.loaded)).toEqual([]);
    expect(c.gallery).toBe(2 * (1 + 4 * 4));

    // Channel text shows as text and never ran.
    expect(c.pwned).toBeNull();
    expect(c.scripts).toBe(5);
    expect(c.texts).toContain('a red <b>bus</b> & "quotes" \'single\' </pre></div><script>window.__pwned = 1</script>');
    expect(c.texts.some((t) => t.includes('\\x00\\x07\\x1B[31m'))).toBe(true);

    // The screenshot shows a page with content: not blank, tall enough for figures and gallery.
    const shot = sharp(page.screenshot);
    const meta = await shot.metadata();
    expect(meta.width).toBe(1400);
    expect(meta.height).toBeGreaterThan(3000);
    const stats = await shot.stats();
    expect(stats.channels[0].stdev).toBeGreaterThan(20);
    // Kept for a look by eye when MULTISC_SCREENSHOT_DIR is set.
    const keep = process.env.MULTISC_SCREENSHOT_DIR;
    if (keep) fs.writeFileSync(path.join(keep, 'report-screenshot.png'), page.screenshot);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
