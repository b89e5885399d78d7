import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { formatMetricsCsv, formatSummaryCsv, type MetricsRow } from '../../bench/sweep/results';

/**
 * A synthetic results folder as `bench run` writes it (metrics.csv, summary.csv, run.json,
 * samples/), for schemes that do not exist yet: smooth made-up curves, noise from a fixed
 * generator, small sample images and, for text schemes, texts that try to break the HTML.
 */
export const HOSTILE_TEXTS = {
  sent: 'a red <b>bus</b> & "quotes" \'single\' </pre></div><script>window.__pwned = 1</script>',
  received: 'a r\uFFFDd <img src=x onerror="window.__pwned = 2"> \u0000\u0007\u001b[31m tab\there \u0085 lone \ud800 end',
  corrected: '</textarea><svg onload="window.__pwned = 3"><!-- --> ]]> {{x}} ${y}',
};

export const TEXT_SCHEMES = new Set(['multi-sc', 'single-text', 'vlm-csc']);

export const SIGNATURES = {
  cosine: 'cosine:emb=test-embed|dim=4|model=test|sha=000000000000',
  lpips: 'lpips:net=test|v=0.1|model=test|sha=000000000000',
  bleu: 'bleu:tok=13a|smooth=exp|n=4|eff=yes',
  psnr: 'psnr:range=255|channels=rgb|mse=mean',
  ms_ssim: 'ms-ssim:win=gauss11|sigma=1.5|k1=0.01|k2=0.03|scales=5|weights=wang2003|pool=avg2|channels=rgb-mean|pad=valid|clamp=relu',
};

export interface FakeRun {
  dataset?: string;
  schemes?: string[];
  snrs?: number[];
  images?: string[];
  seeds?: number;
  profile?: string;
  /** Images with saved samples (the first N). */
  samples?: number;
  /** Extra noise in dB applied to one scheme (to simulate a regression). */
  extraNoiseDb?: Record<string, number>;
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `msb-${tag}-`));
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const SCHEME_OFFSET: Record<string, number> = { 'multi-sc': 4, 'single-text': 3, 'vlm-csc': 0, 'deep-jscc': 2, 'bpg-ldpc': -4, 'bpg-capacity': -2, analog: -6 };

export function fakeRows(o: FakeRun): MetricsRow[] {
  const dataset = o.dataset ?? 'kodak24';
  const schemes = o.schemes ?? ['analog'];
  const snrs = o.snrs ?? [-3, 0, 3, 6, 9, 12];
  const images = o.images ?? ['kodim01', 'kodim02', 'kodim03'];
  const seeds = o.seeds ?? 2;
  const rows: MetricsRow[] = [];
  const rand = rng(12345);
  for (const scheme of schemes)
    for (const snr of snrs)
      for (const [i, image] of images.entries())
        for (let seed = 0; seed < seeds; seed++) {
          const eff = snr - (o.extraNoiseDb?.[scheme] ?? 0) + (SCHEME_OFFSET[scheme] ?? 0) + i * 0.7;
          const q = 1 / (1 + Math.exp(-eff / 4)); // 0…1 quality
          const jitter = (rand() - 0.5) * 0.04;
          const text = TEXT_SCHEMES.has(scheme);
          rows.push({
            dataset,
            scheme,
            profile: o.profile ?? 'lite',
            snr_db: snr,
            image,
            seed,
            cosine: Math.min(1, (text ? 0.55 + 0.3 * q : 0.4 + 0.6 * q) + jitter),
            lpips: Math.max(0, (text ? 0.6 - 0.25 * q : 1 - 0.95 * q) - jitter),
            bleu: text ? Math.max(0, Math.min(1, q + jitter)) : null,
            psnr: 10 + 30 * q + 10 * jitter,
            ms_ssim: Math.min(1, 0.3 + 0.7 * q + jitter),
            channel_symbols: text ? 1500 + 10 * i : scheme === 'analog' ? 589824 : 98304,
            bits_sent: text ? 3000 : null,
            wall_ms: 10,
          });
        }
  return rows;
}

async function tinyPng(seed: number, w = 48, h = 32): Promise<Buffer> {
  const r = rng(seed);
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = Math.floor(((x * 5 + y * 3 * (c + 1)) % 200) + 55 * r());
  return sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

/** Writes the folder; returns its rows. */
export async function makeResults(dir: string, o: FakeRun = {}): Promise<MetricsRow[]> {
  fs.mkdirSync(dir, { recursive: true });
  const rows = fakeRows(o);
  fs.writeFileSync(path.join(dir, 'metrics.csv'), formatMetricsCsv(rows));
  fs.writeFileSync(path.join(dir, 'summary.csv'), formatSummaryCsv(rows));
  const schemes = o.schemes ?? ['analog'];
  const snrs = o.snrs ?? [-3, 0, 3, 6, 9, 12];
  const images = o.images ?? ['kodim01', 'kodim02', 'kodim03'];
  const run = {
    tool: 'multi-sc-bench',
    status: 'complete',
    started: '2026-01-01T00:00:00.000Z',
    command: ['run', '--dataset', o.dataset ?? 'kodak24', '--schemes', schemes.join(','), '--snr', snrs.join(','), '--out', dir, '--workers', '2', '--quiet'],
    config: {
      dataset: o.dataset ?? 'kodak24',
      split: null,
      profile: o.profile ?? 'lite',
      schemes: Object.fromEntries(schemes.map((s) => [s, { test: true }])),
      metrics: SIGNATURES,
      images: images.length,
      snr_db: snrs,
      seeds: o.seeds ?? 2,
    },
    environment: { harness: '0.1.0', node: process.version },
    git: { commit: '0000000', dirty: false },
    models: [{ id: 'squeezenet11-caffe-embed', sha256: '1f47', path: '/x', source: 'local' }],
    missing_images: [],
    finished: '2026-01-01T00:01:00.000Z',
    timings: { wall_ms: 60000, mean_cell_ms: 12.5 },
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(run, null, 2));
  const nSamples = Math.min(o.samples ?? 2, images.length);
  for (let i = 0; i < nSamples; i++) {
    const image = images[i];
    fs.mkdirSync(path.join(dir, 'samples', 'source'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'samples', 'source', `${image}.png`), await tinyPng(i + 1));
    for (const [k, scheme] of schemes.entries()) {
      const d = path.join(dir, 'samples', scheme);
      fs.mkdirSync(d, { recursive: true });
      for (const snr of snrs) {
        fs.writeFileSync(path.join(d, `${image}_snr${snr}.png`), await tinyPng(100 * (k + 1) + snr + 50));
        if (TEXT_SCHEMES.has(scheme)) fs.writeFileSync(path.join(d, `${image}_snr${snr}.json`), JSON.stringify(HOSTILE_TEXTS));
      }
    }
  }
  return rows;
}
