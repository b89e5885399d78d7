import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bpgCapacityFactory, bpgLdpcFactory, type BpgLdpcPrepared } from '../../baselines/bpg-ldpc/bpg-ldpc';
import { createBpgCodec, type BpgCodec } from '../../baselines/bpg-ldpc/codec';
import { imageHash } from '../../bench/models/image-cache';
import { bpgCacheTotals, codecCacheDir, encodesFor, forgetStores } from '../../baselines/bpg-ldpc/store';
import { createImage, type RgbImage } from '../../bench/image';
import { takePhaseTimes } from '../../bench/phase-timer';
import { rngFor, rngFromText } from '../../bench/phy/rng';
import type { Scheme } from '../../bench/schemes/scheme';

/** A textured picture that compresses like a photo (as in bpg-ldpc.test.ts). */
function testImage(w: number, h: number, tag: string): RgbImage {
  const r = rngFromText(`bpg-cache ${tag}`);
  const img = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const luma = r.normal() * 6;
      const base = [(255 * x) / w, (255 * y) / h, 60 + 40 * Math.sin(x / 5)];
      for (let c = 0; c < 3; c++) img.data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + luma + r.normal())));
    }
  return img;
}

const ctx = (scheme: string, snrDb: number) => ({
  snrDb,
  seed: 0,
  rng: (stream: string) => rngFor({ dataset: 't', image: 'img', scheme, snrDb, seed: 0, stream }),
});

const MCS = '1/3:qpsk,1/2:16qam,3/4:64qam';
const OPTS = { 'bpg-ratio': '1/2', 'bpg-mcs': MCS };
const SNRS = [-3, 6, 15];

describe('BPG disk cache of streams and decoded pictures', () => {
  let root: string;
  const img = testImage(128, 96, 'a');
  const key = imageHash(img);
  const ldpc = (cacheDir: string, more: Record<string, string> = {}) =>
    bpgLdpcFactory.create({ ...OPTS, ...more }, { session: { cacheDir } }) as Scheme<BpgLdpcPrepared>;
  const capacity = (cacheDir: string, more: Record<string, string> = {}) => bpgCapacityFactory.create({ ...OPTS, ...more }, { session: { cacheDir } });
  const codec = createBpgCodec({ codec: 'ffmpeg', chroma: '420', preset: 'medium' });
  const imageDir = () => path.join(codecCacheDir(codec, root), key);

  /** What an uncached run gives: prepared data and bpg-capacity's details per SNR. */
  let reference: { prepared: BpgLdpcPrepared; capacity: string[]; capacityPixels: Uint8Array[] };

  const capacityRun = async (scheme: Scheme) => {
    const p = await scheme.prepare(img);
    const out = [];
    for (const snr of SNRS) out.push(await scheme.transmit(p, ctx('bpg-capacity', snr)));
    return { details: out.map((r) => r.detail ?? ''), pixels: out.map((r) => r.reconstruction.data) };
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bpg-cache-'));
    forgetStores();
    const off = { 'bpg-cache': 'off' };
    const prepared = await ldpc(root, off).prepare(img);
    const cap = await capacityRun(capacity(root, off));
    reference = { prepared, capacity: cap.details, capacityPixels: cap.pixels };
    expect(fs.existsSync(path.join(root, 'bpg'))).toBe(false); // memory only
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    forgetStores(); // as a new process (or another worker) starts
    bpgCacheTotals(true);
  });

  test('cold: encodes once, writes every stream and picture; the QPs and PSNRs equal the uncached run', async () => {
    takePhaseTimes();
    const p = await ldpc(root).prepare(img);
    expect(p.encodes).toBe(reference.prepared.encodes);
    expect(p.plans).toEqual(reference.prepared.plans);
    expect(p.psnrByQp).toEqual(reference.prepared.psnrByQp);
    expect(p.streams).toEqual(reference.prepared.streams);
    const cap = await capacityRun(capacity(root));
    expect(cap.details).toEqual(reference.capacity);
    expect(cap.pixels).toEqual(reference.capacityPixels);
    const files = fs.readdirSync(imageDir());
    const t = bpgCacheTotals();
    expect(files.filter((f) => f.endsWith('.hevc'))).toHaveLength(t.encodes);
    expect(files.filter((f) => f.endsWith('.rgb'))).toHaveLength(t.decodes);
    expect(files.every((f) => /^qp\d\d\.(hevc|rgb)$/.test(f))).toBe(true);
    // Phases: each x265 run is one call (decodes are batched: calls ≤ pictures).
    const phases = takePhaseTimes();
    expect(phases['x265-encode'].calls).toBe(t.encodes);
    expect(phases['x265-decode'].calls).toBeLessThanOrEqual(t.decodes);
  });

  test('warm: a second preparation reads every stream from disk, 0 encodes and 0 decodes; same results', async () => {
    const scheme = ldpc(root);
    const p = await scheme.prepare(img);
    expect(p.encodes).toBe(0);
    expect(p.plans).toEqual(reference.prepared.plans);
    expect(p.psnrByQp).toEqual(reference.prepared.psnrByQp);
    expect(p.streams).toEqual(reference.prepared.streams);
    for (const snr of SNRS) await scheme.transmit(p, ctx('bpg-ldpc', snr));
    const cap = await capacityRun(capacity(root));
    expect(cap.details).toEqual(reference.capacity);
    expect(cap.pixels).toEqual(reference.capacityPixels);
    const t = bpgCacheTotals();
    expect([t.encodes, t.decodes, t.damaged]).toEqual([0, 0, 0]);
    expect(t.streamHits).toBeGreaterThan(0);
    expect(t.pictureHits).toBeGreaterThan(0);
  });

  test('warm bpg-capacity alone (bpg-ldpc prepared from the prepare cache, no search here): 0 encodes, same results', async () => {
    const cap = await capacityRun(capacity(root));
    expect(cap.details).toEqual(reference.capacity);
    expect(cap.pixels).toEqual(reference.capacityPixels);
    expect(bpgCacheTotals()).toMatchObject({ encodes: 0, decodes: 0, damaged: 0 });
  });

  test('a damaged or truncated file is re-encoded (never trusted), then rewritten whole', async () => {
    const hevc = fs.readdirSync(imageDir()).filter((f) => f.endsWith('.hevc')).sort();
    const rgb = fs.readdirSync(imageDir()).filter((f) => f.endsWith('.rgb')).sort();
    const flip = path.join(imageDir(), hevc[0]);
    const buf = fs.readFileSync(flip);
    buf[buf.length - 10] ^= 0x40; // one bit of the stream
    fs.writeFileSync(flip, buf);
    const cut = path.join(imageDir(), hevc[hevc.length - 1]);
    fs.writeFileSync(cut, fs.readFileSync(cut).subarray(0, 30)); // cut inside the header
    const pic = path.join(imageDir(), rgb[0]);
    const pb = fs.readFileSync(pic);
    fs.writeFileSync(pic, pb.subarray(0, pb.length - 1000));

    const p = await ldpc(root).prepare(img);
    await capacityRun(capacity(root));
    const t = bpgCacheTotals(true);
    expect(t.damaged).toBe(3);
    expect(t.encodes).toBe(2);
    expect(t.decodes).toBe(1);
    expect(p.streams).toEqual(reference.prepared.streams);
    expect(p.psnrByQp).toEqual(reference.prepared.psnrByQp);
    // Rewritten: the next run finds them intact.
    forgetStores();
    await ldpc(root).prepare(img);
    await capacityRun(capacity(root));
    expect(bpgCacheTotals()).toMatchObject({ encodes: 0, decodes: 0, damaged: 0 });
  });

  test('another codec config or codec version misses the cache', async () => {
    const other = createBpgCodec({ codec: 'ffmpeg', chroma: '444', preset: 'medium' });
    expect(codecCacheDir(other, root)).not.toBe(codecCacheDir(codec, root));
    const fast = createBpgCodec({ codec: 'ffmpeg', chroma: '420', preset: 'fast' });
    expect(codecCacheDir(fast, root)).not.toBe(codecCacheDir(codec, root));
    // The same config under another program (another version or binary): its own folder.
    const upgraded: BpgCodec = {
      config: codec.config,
      version: codec.version,
      identity: () => `${codec.identity()} upgraded`,
      encode: (im, qp) => codec.encode(im, qp),
      decode: (s) => codec.decode(s),
      decodeMany: (s) => codec.decodeMany(s),
    };
    expect(codecCacheDir(upgraded, root)).not.toBe(codecCacheDir(codec, root));
    const qp = reference.prepared.plans.find((pl) => pl.qp !== null)!.qp!;
    for (const c of [other, fast, upgraded]) {
      forgetStores();
      const store = encodesFor(c, img, key, root);
      await store.stream(qp);
      expect(store.counts).toMatchObject({ encodes: 1, streamHits: 0 });
    }
    // The original codec still hits.
    forgetStores();
    const store = encodesFor(codec, img, key, root);
    await store.stream(qp);
    expect(store.counts).toMatchObject({ encodes: 0, streamHits: 1 });
    // Another image misses too.
    const second = testImage(128, 96, 'b');
    const s2 = encodesFor(codec, second, imageHash(second), root);
    await s2.stream(qp);
    expect(s2.counts.encodes).toBe(1);
  });
});
