import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { writeFileAtomic } from '../bench/fs-atomic';
import { datasetLabel, type RunMeta, type Summary, type SummaryRow } from './data';
import { checkLetterClaims } from './letter-claims';
import { escapeHtml, jsonForScript, urlAttr } from './html';
import type { RenderResult } from './render';
import { orderSchemes, schemeLabel } from './schemes';
import { METRIC_AXES, metricName } from './specs/figures';
import { vendorFiles } from './vega-node';

/**
 * The HTML report `index.html` next to the rendered figures: the figures (interactive through
 * vega-embed, the PNG shown until then and if scripts cannot run), the summary table, the run's
 * metadata and a gallery of sample reconstructions with their sent / received / corrected texts.
 * Self-contained: Vega, Vega-Lite and vega-embed are copied into vendor/, thumbnails into
 * gallery/, the specs (data inlined) into the page; it opens from disk, with no network.
 */
export interface ReportOptions {
  /** The rendered figures (from renderPlots). */
  rendered: RenderResult;
  /** How many SNRs per scheme the gallery shows (spread over the grid); default 4. */
  gallerySnrCount?: number;
  /** Exactly these SNRs in the gallery (those a scheme has samples for). */
  gallerySnrs?: number[];
  /** At most this many sample images; default all saved by the run. */
  galleryImages?: number;
  /** Thumbnail width in px; default 320. */
  thumbWidth?: number;
}

export interface ReportResult {
  file: string;
  galleryImages: string[];
  gallerySnrs: number[];
  thumbnails: number;
}

export interface SampleTexts {
  sent: string;
  received: string;
  corrected: string;
}

export interface GalleryCell {
  snr: number;
  /** Thumbnail path relative to the report. */
  thumb: string | null;
  texts: SampleTexts | null;
  /** Why the texts file could not be read, if it exists but is unusable. */
  textsError: string | null;
}

export interface GalleryImage {
  image: string;
  source: string | null;
  rows: { scheme: string; cells: GalleryCell[] }[];
}

/** `<image>_snr<S>.png` / `.json` as written by the sweep (S formatted like summary.csv numbers). */
const SAMPLE_NAME = /^(.+)_snr(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\.(png|json)$/;

export interface SampleIndex {
  /** Image ids with a saved source, in name order. */
  images: string[];
  /** scheme → image → snr → files */
  schemes: Map<string, Map<string, Map<number, { png?: string; json?: string }>>>;
}

export function indexSamples(inDir: string): SampleIndex {
  const dir = path.join(inDir, 'samples');
  const index: SampleIndex = { images: [], schemes: new Map() };
  if (!fs.existsSync(dir)) return index;
  const sourceDir = path.join(dir, 'source');
  if (fs.existsSync(sourceDir)) {
    index.images = fs
      .readdirSync(sourceDir)
      .filter((f) => f.endsWith('.png'))
      .map((f) => f.slice(0, -4))
      .sort();
  }
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!ent.isDirectory() || ent.name === 'source') continue;
    const byImage = new Map<string, Map<number, { png?: string; json?: string }>>();
    for (const f of fs.readdirSync(path.join(dir, ent.name))) {
      const m = SAMPLE_NAME.exec(f);
      if (!m) continue;
      const snr = Number(m[2]);
      const bySnr = byImage.get(m[1]) ?? new Map<number, { png?: string; json?: string }>();
      byImage.set(m[1], bySnr);
      const files = bySnr.get(snr) ?? {};
      files[m[3] as 'png' | 'json'] = path.join(dir, ent.name, f);
      bySnr.set(snr, files);
    }
    index.schemes.set(ent.name, byImage);
  }
  for (const byImage of index.schemes.values()) for (const im of byImage.keys()) if (!index.images.includes(im)) index.images.push(im);
  return index;
}

/** `count` values spread evenly over the sorted grid (its ends included). */
export function spreadPick(values: number[], count: number): number[] {
  const v = [...new Set(values)].sort((a, b) => a - b);
  if (v.length <= count) return v;
  if (count <= 1) return [v[v.length - 1]];
  const picked = new Set<number>();
  for (let i = 0; i < count; i++) picked.add(v[Math.round((i * (v.length - 1)) / (count - 1))]);
  return [...picked].sort((a, b) => a - b);
}

export function readSampleTexts(file: string): { texts: SampleTexts | null; error: string | null } {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const get = (k: string): string => (typeof j[k] === 'string' ? (j[k] as string) : j[k] === undefined ? '' : JSON.stringify(j[k]));
    return { texts: { sent: get('sent'), received: get('received'), corrected: get('corrected') }, error: null };
  } catch (e) {
    return { texts: null, error: `unreadable texts file (${(e as Error).message.split('\n')[0]})` };
  }
}

function safeName(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return clean === s ? s : `${clean}-${Buffer.from(s).toString('hex').slice(0, 16)}`;
}

async function thumbnail(src: string, dest: string, width: number): Promise<void> {
  const buf = await sharp(src).resize({ width, withoutEnlargement: true }).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer();
  writeFileAtomic(dest, buf);
}

async function buildGallery(o: ReportOptions, outDir: string): Promise<{ images: GalleryImage[]; snrs: number[]; thumbnails: number }> {
  const index = indexSamples(o.rendered.inDir);
  const width = o.thumbWidth ?? 320;
  const images = index.images.slice(0, o.galleryImages ?? index.images.length);
  const schemes = orderSchemes(index.schemes.keys());
  const allSnrs: number[] = [];
  for (const s of schemes) for (const im of images) for (const snr of index.schemes.get(s)?.get(im)?.keys() ?? []) allSnrs.push(snr);
  const snrs = o.gallerySnrs ? [...new Set(o.gallerySnrs)].sort((a, b) => a - b) : spreadPick(allSnrs, o.gallerySnrCount ?? 4);
  let thumbnails = 0;
  const galleryDir = path.join(outDir, 'gallery');
  fs.rmSync(galleryDir, { recursive: true, force: true });
  const out: GalleryImage[] = [];
  for (const image of images) {
    const src = path.join(o.rendered.inDir, 'samples', 'source', `${image}.png`);
    let source: string | null = null;
    if (fs.existsSync(src)) {
      source = ['gallery', 'source', `${safeName(image)}.jpg`].join('/');
      await thumbnail(src, path.join(outDir, source), width);
      thumbnails++;
    }
    const rows: GalleryImage['rows'] = [];
    for (const scheme of schemes) {
      const bySnr = index.schemes.get(scheme)?.get(image);
      if (!bySnr) continue;
      const cells: GalleryCell[] = [];
      for (const snr of snrs) {
        const files = bySnr.get(snr);
        let thumb: string | null = null;
        if (files?.png) {
          thumb = ['gallery', safeName(scheme), `${safeName(image)}_snr${snr}.jpg`].join('/');
          await thumbnail(files.png, path.join(outDir, thumb), width);
          thumbnails++;
        }
        const t = files?.json ? readSampleTexts(files.json) : { texts: null, error: null };
        cells.push({ snr, thumb, texts: t.texts, textsError: t.error });
      }
      rows.push({ scheme, cells });
    }
    out.push({ image, source, rows });
  }
  return { images: out, snrs, thumbnails };
}

function fmt(metric: string, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return v === null ? '' : String(v);
  if (metric === 'channel_symbols') return Math.round(v).toLocaleString('en-US');
  if (metric === 'psnr') return v.toFixed(2);
  if (metric === 'kn') return v.toPrecision(3);
  return v.toFixed(4);
}

function summaryTable(summary: Summary): string {
  const metrics = summary.metricNames.filter((m) => summary.rows.some((r) => r.metrics[m]));
  const order = orderSchemes(summary.rows.map((r) => r.scheme));
  const budgets = summary.rows.some((r) => r.budget);
  const rows = [...summary.rows].sort(
    (a, b) => order.indexOf(a.scheme) - order.indexOf(b.scheme) || a.profile.localeCompare(b.profile) || a.snr_db - b.snr_db || (a.budget?.ratio ?? 0) - (b.budget?.ratio ?? 0),
  );
  const head = ['Scheme', 'Profile', 'SNR (dB)', ...(budgets ? ['Budget k/n'] : []), 'n', ...metrics.map((m) => `${metricName(m)}${METRIC_AXES[m]?.better === 'higher' ? ' ↑' : METRIC_AXES[m]?.better === 'lower' ? ' ↓' : ''}`)];
  const cell = (r: SummaryRow, m: string): string => {
    const v = r.metrics[m];
    if (!v) return '<td class="na">—</td>';
    const ci = v.ci95 === null ? '' : ` <span class="ci">± ${escapeHtml(fmt(m, v.ci95))}</span>`;
    return `<td>${escapeHtml(fmt(m, v.mean))}${ci}</td>`;
  };
  return [
    '<table class="summary">',
    `<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map(
      (r) =>
        `<tr><td title="${escapeHtml(r.scheme)}">${escapeHtml(schemeLabel(r.scheme))}</td><td>${escapeHtml(r.profile)}</td><td>${escapeHtml(r.snr_db)}</td>${budgets ? `<td>${escapeHtml(r.budget?.text ?? '')}</td>` : ''}<td>${escapeHtml(r.n)}</td>${metrics.map((m) => cell(r, m)).join('')}</tr>`,
    ),
    '</tbody></table>',
  ].join('\n');
}

/** `check --letter` on this results folder: the claims about its dataset, with their sentences. */
function claimsTable(inDir: string, dataset: string): string {
  if (!fs.existsSync(path.join(inDir, 'metrics.csv'))) return `<p class="note">${escapeHtml('Not decided: the results folder has no metrics.csv.')}</p>`;
  const rows = checkLetterClaims([inDir]).filter((c) => c.claim.dataset === dataset);
  if (!rows.length) return `<p class="note">${escapeHtml(`The letter makes no claim about ${dataset}.`)}</p>`;
  const body = rows
    .map(({ claim, verdict }) =>
      `<tr><td>${escapeHtml(claim.figure)}</td><td>${escapeHtml(`“${claim.sentence}”`)}<br><span class="note">${escapeHtml(`Rule: ${claim.rule}.`)}</span></td>` +
      `<td>${escapeHtml(claim.letter)}</td><td>${escapeHtml(verdict.ours)}${verdict.note ? `<br><span class="note">${escapeHtml(verdict.note)}</span>` : ''}</td><td>${escapeHtml(verdict.status)}</td></tr>`,
    )
    .join('\n');
  return `<table class="claims"><thead><tr><th>figure</th><th>the letter says</th><th>its value</th><th>ours (mean ± CI95)</th><th>verdict</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function metaTable(meta: RunMeta): string {
  const rows: [string, string][] = [];
  const add = (k: string, v: unknown): void => {
    if (v === null || v === undefined || v === '') return;
    rows.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  };
  add('status', meta.status);
  add('dataset', meta.dataset);
  add('split', meta.split);
  add('profile', meta.profile);
  add('metric models', meta.metricModels);
  add('channel', meta.channel);
  add('bandwidth budget k/n', meta.budget);
  add('images', meta.images);
  add('seeds', meta.seeds);
  add('SNR grid (dB)', meta.snrs?.join(', '));
  for (const [s, c] of Object.entries(meta.schemes)) add(`scheme ${s}`, c);
  for (const [m, sig] of Object.entries(meta.signatures)) add(`metric ${m}`, sig);
  for (const m of meta.models) add(`model ${m.id}`, `sha256 ${m.sha256} (${m.source})`);
  add('command', meta.command ? `bench ${meta.command.join(' ')}` : null);
  add('git', meta.git.commit ? `${String(meta.git.commit)}${meta.git.dirty ? ' (dirty)' : ''}` : null);
  for (const [k, v] of Object.entries(meta.environment)) add(`environment ${k}`, v);
  add('started', meta.started);
  add('finished', meta.finished);
  const t = meta.timings;
  if (typeof t.wall_ms === 'number') add('wall time', `${(t.wall_ms / 1000).toFixed(1)} s`);
  if (typeof t.mean_cell_ms === 'number') add('mean cell time', `${t.mean_cell_ms} ms`);
  if (meta.missingImages.length) add('missing images', meta.missingImages.join(', '));
  if (rows.length === 0) return '<p class="note">No run.json in the results folder: run metadata unknown.</p>';
  return `<table class="meta"><tbody>\n${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`).join('\n')}\n</tbody></table>`;
}

function textsBlock(t: SampleTexts): string {
  const item = (k: string, v: string): string =>
    `<div class="text"><span class="k">${k}</span><pre>${v === '' ? '<span class="na">(empty)</span>' : escapeHtml(v)}</pre></div>`;
  return `<div class="texts">${item('sent', t.sent)}${item('received', t.received)}${item('corrected', t.corrected)}</div>`;
}

function galleryHtml(g: { images: GalleryImage[]; snrs: number[] }, inDir: string): string {
  if (g.images.length === 0) {
    return '<p class="note">No sample reconstructions in this results folder (run with <code>--samples N</code>).</p>';
  }
  const parts: string[] = [
    `<p class="note">Thumbnails (JPEG) of the first seed's reconstructions at ${escapeHtml(g.snrs.join(', '))} dB; full-size PNGs are in <code>${escapeHtml(path.join(inDir, 'samples'))}</code>. Texts are shown as decoded; control characters as <code>\\xNN</code>, invalid bytes as U+FFFD (�).</p>`,
  ];
  for (const im of g.images) {
    parts.push(`<section class="sample" data-image="${escapeHtml(im.image)}"><h3>${escapeHtml(im.image)}</h3>`);
    parts.push(`<div class="grid" style="grid-template-columns: 10em repeat(${g.snrs.length}, minmax(12em, 1fr))">`);
    parts.push('<div class="rowhead">source</div>');
    parts.push(
      `<div class="cell source">${im.source ? `<img src="${urlAttr(...im.source.split('/'))}" alt="${escapeHtml(`source ${im.image}`)}" loading="eager">` : '<span class="na">(no source saved)</span>'}</div>`,
    );
    for (let i = 1; i < g.snrs.length; i++) parts.push('<div></div>');
    for (const row of im.rows) {
      parts.push(`<div class="rowhead" title="${escapeHtml(row.scheme)}">${escapeHtml(schemeLabel(row.scheme))}</div>`);
      for (const c of row.cells) {
        const img = c.thumb
          ? `<img src="${urlAttr(...c.thumb.split('/'))}" alt="${escapeHtml(`${schemeLabel(row.scheme)} ${im.image} at ${c.snr} dB`)}" loading="eager">`
          : '<span class="na">(not saved)</span>';
        const texts = c.texts ? textsBlock(c.texts) : c.textsError ? `<p class="na">${escapeHtml(c.textsError)}</p>` : '';
        parts.push(`<figure class="cell">${img}<figcaption>${escapeHtml(`${c.snr} dB`)}</figcaption>${texts}</figure>`);
      }
    }
    parts.push('</div></section>');
  }
  return parts.join('\n');
}

const CSS = `
body { font-family: "DejaVu Sans", Verdana, Arial, sans-serif; margin: 1.5em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; }
figure.figure { margin: 1em 0 2em; } .figure .links { font-size: 0.85em; color: #555; }
.figure img.fallback { max-width: 100%; height: auto; }
.figure.interactive .fallback { display: none; }
table { border-collapse: collapse; font-size: 0.85em; } th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
table.summary td { text-align: right; font-variant-numeric: tabular-nums; } table.summary td:first-child, table.summary td:nth-child(2) { text-align: left; }
.ci { color: #777; font-size: 0.9em; } .na { color: #999; } .note { color: #555; font-size: 0.9em; }
table.meta code { white-space: pre-wrap; word-break: break-all; }
.grid { display: grid; gap: 0.5em; align-items: start; }
.rowhead { font-weight: bold; font-size: 0.9em; padding-top: 0.3em; word-break: break-word; }
.cell { margin: 0; } .cell img { width: 100%; height: auto; display: block; border: 1px solid #ddd; }
.cell figcaption { font-size: 0.8em; color: #555; }
.texts { font-size: 0.75em; } .texts .k { color: #555; font-weight: bold; }
.texts pre { white-space: pre-wrap; word-break: break-word; margin: 0 0 0.3em; max-height: 12em; overflow: auto; background: #f6f6f6; padding: 0.2em 0.3em; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
`;

// The figures become interactive here; a failure leaves the PNG in place and is logged.
// window.reportReady resolves to one {id, ok, reason?} per figure (checked by the tests).
const SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('figure-specs').textContent);
  var done = [];
  var boxes = document.querySelectorAll('[data-figure]');
  for (var i = 0; i < boxes.length; i++) (function (box) {
    var id = box.getAttribute('data-figure');
    if (typeof vegaEmbed !== 'function' || !specs[id]) {
      done.push(Promise.resolve({ id: id, ok: false, reason: 'vega-embed not loaded' }));
      return;
    }
    var spec = specs[id];
    spec.config = Object.assign({}, spec.config, { font: '"DejaVu Sans", Verdana, Arial, sans-serif' });
    done.push(vegaEmbed(box.querySelector('.vega-target'), spec, {
      renderer: 'svg',
      actions: { export: true, source: true, compiled: false, editor: false }
    }).then(function () {
      box.classList.add('interactive');
      return { id: id, ok: true };
    }, function (err) {
      console.error('figure ' + id + ': ' + err);
      return { id: id, ok: false, reason: String(err) };
    }));
  })(boxes[i]);
  window.reportReady = Promise.all(done);
})();
`;

/** Copies Vega, Vega-Lite and vega-embed (UMD bundles) and their licences into `<outDir>/vendor/`. */
export function copyVendor(outDir: string): string[] {
  const dest = path.join(outDir, 'vendor');
  fs.mkdirSync(dest, { recursive: true });
  const files = vendorFiles();
  const names: string[] = [];
  for (const [pkg, file] of [
    ['vega', files.vega],
    ['vega-lite', files.vegaLite],
    ['vega-embed', files.vegaEmbed],
  ] as const) {
    fs.copyFileSync(file, path.join(dest, path.basename(file)));
    names.push(`vendor/${path.basename(file)}`);
    const license = path.join(path.dirname(file), '..', 'LICENSE');
    if (fs.existsSync(license)) fs.copyFileSync(license, path.join(dest, `${pkg}.LICENSE.txt`));
  }
  return names;
}

/** Writes `<outDir>/index.html` (and vendor/, gallery/) for figures already rendered there. */
export async function buildReport(o: ReportOptions): Promise<ReportResult> {
  const r = o.rendered;
  const outDir = r.outDir;
  const scripts = copyVendor(outDir);
  const gallery = await buildGallery(o, outDir);
  const specs: Record<string, unknown> = {};
  for (const f of r.figures) specs[f.id] = f.spec;
  const ds = datasetLabel(r.dataset);
  const figureHtml = (f: RenderResult['figures'][number]): string =>
    [
      `<figure class="figure" id="${escapeHtml(f.id)}" data-figure="${escapeHtml(f.id)}">`,
      `<h3>${escapeHtml(f.title)}</h3>`,
      '<div class="vega-target"></div>',
      `<img class="fallback" src="${urlAttr(f.files.png)}" width="${Math.round(f.width)}" height="${Math.round(f.height)}" alt="${escapeHtml(f.title)}">`,
      `<div class="links">files: <a href="${urlAttr(f.files.png)}">PNG</a> · <a href="${urlAttr(f.files.svg)}">SVG</a> · <a href="${urlAttr(f.files.spec)}">Vega-Lite spec</a></div>`,
      '</figure>',
    ].join('\n');
  const main = r.figures.filter((f) => f.kind === 'main');
  const panels = r.figures.filter((f) => f.kind === 'panel');
  const extras = r.figures.filter((f) => f.kind === 'extra');
  const skipped = r.skipped.length
    ? `<ul class="note">${r.skipped.map((s) => `<li>${escapeHtml(s.title)}: not drawn, ${escapeHtml(s.reason)}</li>`).join('')}</ul>`
    : '';
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(`multi-sc-bench: ${ds} results`)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(`multi-sc-bench: ${ds}`)}</h1>
<p class="note">${escapeHtml(`Results folder ${r.inDir}; ${r.summary.rows.length} curve points; schemes: ${orderSchemes(r.summary.rows.map((x) => x.scheme)).map(schemeLabel).join(', ')}.`)}</p>
${r.meta.status && r.meta.status !== 'complete' ? `<p class="note"><strong>${escapeHtml(`Run status "${r.meta.status}": the results are partial (finish the run with bench run --resume).`)}</strong></p>` : ''}
<h2>Figures</h2>
${main.map(figureHtml).join('\n')}
${panels.map(figureHtml).join('\n')}
<h2>Extra figures</h2>
${extras.map(figureHtml).join('\n')}
${skipped}
<h2>Summary (mean ± 95% CI over images × seeds)</h2>
${summaryTable(r.summary)}
<h2>The letter's claims on ${escapeHtml(ds)}</h2>
${claimsTable(r.inDir, r.dataset)}
<h2>Gallery</h2>
${galleryHtml(gallery, r.inDir)}
<h2>Run</h2>
${metaTable(r.meta)}
<script type="application/json" id="figure-specs">${jsonForScript(specs)}</script>
${scripts.map((s) => `<script src="${urlAttr(...s.split('/'))}"></script>`).join('\n')}
<script>${SCRIPT}</script>
</body>
</html>
`;
  const file = path.join(outDir, 'index.html');
  writeFileAtomic(file, html);
  return { file, galleryImages: gallery.images.map((g) => g.image), gallerySnrs: gallery.snrs, thumbnails: gallery.thumbnails };
}
