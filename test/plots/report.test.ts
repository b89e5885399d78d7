import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { plotCommand } from '../../plots/commands';
import { renderPlots } from '../../plots/render';
import { buildReport, indexSamples, spreadPick } from '../../plots/report';
import { HOSTILE_TEXTS, makeResults, tempDir } from './fixtures';

const SCHEMES = ['analog', 'multi-sc', 'vlm-csc'];
const SNRS = [-3, 0, 3, 6, 9, 12, 15, 18, 21];

describe('HTML report', () => {
  let work: string;
  let html: string;
  let outDir: string;
  beforeAll(async () => {
    work = tempDir('report');
    await makeResults(path.join(work, 'r'), { schemes: SCHEMES, snrs: SNRS, samples: 2 });
    outDir = path.join(work, 'plots');
    const rendered = await renderPlots({ inDir: path.join(work, 'r'), outDir });
    await buildReport({ rendered });
    html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('self-contained: Vega, Vega-Lite, vega-embed copied beside it; no remote URL is loaded', () => {
    for (const f of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) {
      expect(html).toContain(`<script src="vendor/${f}"></script>`);
      expect(fs.statSync(path.join(outDir, 'vendor', f)).size).toBeGreaterThan(10000);
    }
    const loads = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(loads.length).toBeGreaterThan(10);
    for (const u of loads) {
      expect(u).not.toMatch(/^(https?:)?\/\//);
      if (!u.startsWith('data:')) expect(fs.existsSync(path.join(outDir, decodeURIComponent(u)))).toBe(true);
    }
  });

  test('figures with PNG fallback and their specs inlined', () => {
    for (const id of ['fig4', 'fig4a-cosine', 'fig4b-lpips', 'extra-bleu', 'extra-psnr', 'extra-ms_ssim', 'extra-channel_symbols']) {
      expect(html).toContain(`data-figure="${id}"`);
      expect(html).toContain(`<img class="fallback" src="${id}.png"`);
    }
    const m = /<script type="application\/json" id="figure-specs">([\s\S]*?)<\/script>/.exec(html)!;
    const specs = JSON.parse(m[1]) as Record<string, { datasets: { summary: unknown[] } }>;
    expect(Object.keys(specs)).toContain('fig4');
    expect(specs.fig4.datasets.summary.length).toBeGreaterThan(0);
  });

  test('summary table and run metadata', () => {
    expect(html).toMatch(/<table class="summary">[\s\S]*Multi-SC[\s\S]*VLM-CSC[\s\S]*Analog \(uncoded\)/);
    expect(html).toContain('Cosine similarity ↑');
    expect(html).toContain('LPIPS ↓');
    expect(html).toMatch(/<th>metric lpips<\/th><td><code>lpips:net=test/);
    expect(html).toMatch(/<th>command<\/th><td><code>bench run --dataset kodak24/);
  });

  test("the letter's claims about the dataset, decided on the folder's metrics.csv", () => {
    expect(html).toContain("<h2>The letter's claims on Kodak24</h2>");
    const table = /<table class="claims">([\s\S]*?)<\/table>/.exec(html);
    expect(table).not.toBeNull();
    expect((table![1].match(/<tr><td>Fig\. 4/g) ?? []).length).toBe(3);
    expect(table![1]).toMatch(/<td>(holds|fails|not run)<\/td><\/tr>/);
  });

  test('gallery: source and each scheme at four SNRs spread over the grid, thumbnails written', () => {
    expect(html).toMatch(/of the first seed's reconstructions at -3, 6, 12, 21 dB/);
    for (const im of ['kodim01', 'kodim02']) {
      expect(html).toContain(`src="gallery/source/${im}.jpg"`);
      for (const s of SCHEMES) for (const snr of [-3, 6, 12, 21]) expect(html).toContain(`src="gallery/${s}/${im}_snr${snr}.jpg"`);
    }
    expect(html).not.toContain('kodim03_snr');
  });

  test('every sample text is escaped: no markup from the channel reaches the page', () => {
    // The texts appear, escaped, once per text-scheme cell.
    const sent = '&lt;b&gt;bus&lt;/b&gt; &amp; &quot;quotes&quot; &#39;single&#39; &lt;/pre&gt;&lt;/div&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;';
    expect(html.split(sent).length - 1).toBe(2 * 2 * 4);
    expect(html).toContain('\\x00\\x07\\x1B[31m');
    expect(html).toContain('\\x85 lone \ufffd end');
    expect(html).toContain('a r\ufffdd &lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;');
    expect(html).toContain('&lt;/textarea&gt;&lt;svg onload=&quot;window.__pwned = 3&quot;&gt;&lt;!-- --&gt;');
    // None of the raw payloads, nor any raw control character, is in the file.
    for (const t of Object.values(HOSTILE_TEXTS)) expect(html).not.toContain(t);
    expect(html).not.toMatch(/<(b>|img src=x|svg onload|script>window)/);
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
    // Only our own script blocks.
    expect(html.match(/<script\b/g)).toHaveLength(5);
  });

  test('scheme and image names from the file system are escaped too', async () => {
    const dir = path.join(work, 'evil');
    await makeResults(dir, { schemes: ['x<i>"y'], images: ['im<b>&1'], samples: 1, snrs: [0, 10] });
    const rendered = await renderPlots({ inDir: dir, outDir: path.join(work, 'evil-plots') });
    await buildReport({ rendered });
    const page = fs.readFileSync(path.join(work, 'evil-plots', 'index.html'), 'utf8');
    expect(page).not.toContain('x<i>');
    expect(page).not.toContain('im<b>');
    expect(page).toContain('x&lt;i&gt;&quot;y');
    expect(page).toContain('im&lt;b&gt;&amp;1');
    const thumbs = fs.readdirSync(path.join(work, 'evil-plots', 'gallery'), { recursive: true }) as string[];
    expect(thumbs.every((t) => !/[<>"&]/.test(t))).toBe(true);
  });

  test('thumbnails are JPEGs no wider than 320 px', async () => {
    const m = await sharp(path.join(outDir, 'gallery', 'multi-sc', 'kodim01_snr-3.jpg')).metadata();
    expect(m.format).toBe('jpeg');
    expect(m.width).toBeLessThanOrEqual(320);
  });

  test('a folder without samples gets a note instead of a gallery; plotCommand summarises', async () => {
    const dir = path.join(work, 'nosamples');
    await makeResults(dir, { samples: 0 });
    const lines = await plotCommand({ in: dir, out: path.join(work, 'ns-plots') });
    expect(lines.some((l) => /index\.html: report with 6 figures/.test(l))).toBe(true);
    expect(lines.some((l) => /not drawn: Kodak24: BLEU versus SNR: no text scheme/.test(l))).toBe(true);
    const page = fs.readFileSync(path.join(work, 'ns-plots', 'index.html'), 'utf8');
    expect(page).toContain('No sample reconstructions');
  });
});

describe('gallery helpers', () => {
  test('spreadPick keeps the ends and spreads the rest', () => {
    expect(spreadPick([-3, 0, 3, 6, 9, 12, 15, 18, 21], 4)).toEqual([-3, 6, 12, 21]);
    expect(spreadPick([0, 10, 20], 4)).toEqual([0, 10, 20]);
    expect(spreadPick([5, 1, 3], 1)).toEqual([5]);
  });

  test('indexSamples reads <image>_snr<S>.png/.json, negative and fractional SNRs included', () => {
    const dir = tempDir('idx');
    fs.mkdirSync(path.join(dir, 'samples', 'source'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'samples', 'multi-sc'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'samples', 'source', '2007_000033.png'), '');
    for (const f of ['2007_000033_snr-3.png', '2007_000033_snr-3.json', '2007_000033_snr0.5.png', 'notes.txt']) {
      fs.writeFileSync(path.join(dir, 'samples', 'multi-sc', f), '');
    }
    const idx = indexSamples(dir);
    expect(idx.images).toEqual(['2007_000033']);
    const bySnr = idx.schemes.get('multi-sc')!.get('2007_000033')!;
    expect([...bySnr.keys()].sort((a, b) => a - b)).toEqual([-3, 0.5]);
    expect(bySnr.get(-3)!.json).toMatch(/_snr-3\.json$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
