import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { cacheDir } from '../../bench/fetch/cache-dir';
import { writeFileAtomic } from '../../bench/fs-atomic';
import { createImage, type RgbImage } from '../../bench/image';
import { timed } from '../../bench/phase-timer';
import { QpSearch } from './budget';
import type { BpgCodec } from './codec';

/**
 * The encodes and decodes of one image under one codec: `bpg-ldpc` (every MCS budget at prepare)
 * and `bpg-capacity` (a new budget at every SNR) share them, so no QP of an image is encoded twice.
 *
 * In memory, for the last few images of this process (a worker runs one image at a time, and an
 * image's cells of every scheme run in one task). On disk, under
 * `<cacheDir>/bpg/<codec id>/<image key>/`: `qp<NN>.hevc` (the stream as sent on the channel) and
 * `qp<NN>.rgb` (its decoded picture), so that another run, another worker or another scheme of
 * the same image reads them back instead of running x265 again. The codec id hashes the codec
 * config, the programs' version and binary SHA-256 and the code version of codec.ts (codec.ts
 * `identity()`); the image key is the SHA-256 of its size and pixels. Each file carries a magic
 * and the SHA-256 of its payload: a damaged or truncated file is deleted and recomputed, never
 * trusted. Files are written atomically (temp file + rename).
 *
 * The QP search (budget.ts QpSearch) is unchanged: the disk only replaces the encoder behind its
 * `measure`, so it probes the same QPs in the same order and gives the same answers as without it.
 * `bpg-capacity` has its own search over the shared encodes (`capacitySearch`).
 */

/** Bump when the files' format or meaning changes. */
const DISK_FORMAT = 1;
const MAGIC = Buffer.from('msb-bpg\u0001', 'latin1'); // 8 bytes
const HEADER = MAGIC.length + 32;

/** What the store did, for reports and tests (per store; see also `bpgCacheTotals`). */
export interface EncodeCounts {
  /** x265 runs. */
  encodes: number;
  /** Streams read back from disk. */
  streamHits: number;
  /** Pictures decoded by the codec (not processes: one process may decode several). */
  decodes: number;
  /** Decoded pictures read back from disk. */
  pictureHits: number;
  /** Damaged cache files found (and recomputed). */
  damaged: number;
}

const zero = (): EncodeCounts => ({ encodes: 0, streamHits: 0, decodes: 0, pictureHits: 0, damaged: 0 });

/** This process's (thread's) counts over all stores; `reset` starts them again. */
const totals: EncodeCounts = zero();
export function bpgCacheTotals(reset = false): EncodeCounts {
  const out = { ...totals };
  if (reset) Object.assign(totals, zero());
  return out;
}

export class ImageEncodes {
  /** The QP search of `bpg-ldpc` (its 16 budgets at prepare). */
  readonly search: QpSearch;
  /**
   * The QP search of `bpg-capacity` (a budget per SNR): its own, sharing the encodes but not the
   * search state, so that it probes the same QPs whether or not `bpg-ldpc` searched this image in
   * this process (its prepared data may come from the disk) — a warm run then finds every stream
   * it needs on disk, and its answers never depend on what the caches held.
   */
  readonly capacitySearch: QpSearch;
  private readonly streams = new Map<number, Uint8Array>();
  private readonly decoded = new Map<number, RgbImage>();
  readonly counts: EncodeCounts = zero();

  /** `dir`: this image's folder of the disk cache, or null for memory only. */
  constructor(
    readonly codec: BpgCodec,
    readonly image: RgbImage,
    readonly dir: string | null = null,
  ) {
    this.search = new QpSearch(async (qp) => (await this.stream(qp)).length);
    this.capacitySearch = new QpSearch(async (qp) => (await this.stream(qp)).length);
  }

  /** Encoder runs so far (for reports and tests). */
  get encodeCount(): number {
    return this.counts.encodes;
  }

  private count(what: keyof EncodeCounts, n = 1): void {
    this.counts[what] += n;
    totals[what] += n;
  }

  private file(qp: number, ext: 'hevc' | 'rgb'): string | null {
    return this.dir === null ? null : path.join(this.dir, `qp${String(qp).padStart(2, '0')}.${ext}`);
  }

  async stream(qp: number): Promise<Uint8Array> {
    let s = this.streams.get(qp);
    if (!s) {
      const file = this.file(qp, 'hevc');
      const cached = file === null ? undefined : this.read(file);
      if (cached !== undefined) {
        s = cached;
        this.count('streamHits');
      } else {
        s = await timed('x265-encode', () => this.codec.encode(this.image, qp));
        this.count('encodes');
        if (file !== null) write(file, s);
      }
      // Two callers asking for one QP at once both wait on one search probe (QpSearch.pending),
      // but a direct caller may race: keep the first stream either way (they are equal).
      const first = this.streams.get(qp);
      if (first) return first;
      this.streams.set(qp, s);
    }
    return s;
  }

  /** Adds a stream computed elsewhere (e.g. read from the prepare cache). */
  remember(qp: number, stream: Uint8Array): void {
    if (!this.streams.has(qp)) this.streams.set(qp, stream);
  }

  /** The decoded pictures of these QPs' streams: from memory, disk, or decoding the rest in one batch. */
  async decodedAt(qps: readonly number[]): Promise<RgbImage[]> {
    const missing: number[] = [];
    for (const q of new Set(qps)) {
      if (this.decoded.has(q)) continue;
      const file = this.file(q, 'rgb');
      const picture = file === null ? undefined : this.readPicture(file);
      if (picture !== undefined) {
        this.decoded.set(q, picture);
        this.count('pictureHits');
      } else missing.push(q);
    }
    if (missing.length > 0) {
      // The streams first (an encode is its own phase, never inside the decode's).
      const streams: Uint8Array[] = [];
      for (const q of missing) streams.push(await this.stream(q));
      const images = await timed('x265-decode', () => this.codec.decodeMany(streams));
      this.count('decodes', missing.length);
      missing.forEach((q, i) => {
        this.decoded.set(q, images[i]);
        const file = this.file(q, 'rgb');
        if (file !== null) write(file, packPicture(images[i]));
      });
    }
    return qps.map((q) => this.decoded.get(q)!);
  }

  /** A cache file's payload, or undefined when absent or damaged (a damaged file is deleted). */
  private read(file: string): Uint8Array | undefined {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file);
    } catch {
      return undefined;
    }
    const payload = buf.subarray(HEADER);
    const ok =
      buf.length > HEADER &&
      buf.subarray(0, MAGIC.length).equals(MAGIC) &&
      createHash('sha256').update(payload).digest().equals(buf.subarray(MAGIC.length, HEADER));
    if (!ok) {
      this.count('damaged');
      fs.rmSync(file, { force: true });
      return undefined;
    }
    return new Uint8Array(payload);
  }

  private readPicture(file: string): RgbImage | undefined {
    const payload = this.read(file);
    if (payload === undefined) return undefined;
    try {
      const picture = unpackPicture(payload);
      if (picture.width === this.image.width && picture.height === this.image.height) return picture;
    } catch {
      // fall through: a file whose checksum holds but whose content does not parse is not trusted either
    }
    this.count('damaged');
    fs.rmSync(file, { force: true });
    return undefined;
  }
}

function write(file: string, payload: Uint8Array): void {
  const digest = createHash('sha256').update(payload).digest();
  writeFileAtomic(file, Buffer.concat([MAGIC, digest, payload]));
}

/**
 * A decoded picture for the disk: width and height (32 bits each), then the bytes as differences
 * from the same channel of the pixel to the left (mod 256), deflated (level 1): about half the
 * raw size, read back in ~10 ms where ffmpeg takes ~80 ms to decode.
 */
function packPicture(img: RgbImage): Uint8Array {
  const d = img.data;
  const delta = new Uint8Array(d.length);
  const row = img.width * 3;
  for (let i = 0; i < d.length; i++) delta[i] = i % row < 3 ? d[i] : (d[i] - d[i - 3]) & 0xff;
  const z = zlib.deflateRawSync(delta, { level: 1 });
  const out = new Uint8Array(8 + z.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, img.width);
  view.setUint32(4, img.height);
  out.set(z, 8);
  return out;
}

function unpackPicture(payload: Uint8Array): RgbImage {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const data = new Uint8Array(zlib.inflateRawSync(payload.subarray(8)));
  if (data.length !== width * height * 3) throw new Error('picture size mismatch');
  const row = width * 3;
  for (let i = 0; i < data.length; i++) if (i % row >= 3) data[i] = (data[i] + data[i - 3]) & 0xff;
  return createImage(width, height, data);
}

const KEEP_IMAGES = 2;
const stores = new Map<string, ImageEncodes>();

/** The folder of a codec's disk cache under `root` (the cache folder): `bpg/<codec>-<chroma>-<preset>-<hash>`. */
export function codecCacheDir(codec: BpgCodec, root: string): string {
  const id = createHash('sha256').update(JSON.stringify([DISK_FORMAT, codec.config, codec.identity()])).digest('hex').slice(0, 16);
  const { codec: name, chroma, preset } = codec.config;
  return path.join(root, 'bpg', `${name}-${chroma}-${name === 'ffmpeg' ? preset : 'default'}-${id}`);
}

/**
 * The shared encodes of `image` (whose key is `key`) under `codec`, with the disk cache under
 * `root` (default: $MULTISC_CACHE_DIR or ~/.cache/multi-sc-bench; null: memory only).
 */
export function encodesFor(codec: BpgCodec, image: RgbImage, key: string, root: string | null = cacheDir()): ImageEncodes {
  const dir = root === null ? null : path.join(codecCacheDir(codec, root), key);
  const id = JSON.stringify([codec.version, codec.config, key, dir]);
  let s = stores.get(id);
  if (s) {
    stores.delete(id); // re-insert: most recently used last
  } else {
    s = new ImageEncodes(codec, image, dir);
  }
  stores.set(id, s);
  while (stores.size > KEEP_IMAGES) stores.delete(stores.keys().next().value as string);
  return s;
}

/** Drops every in-memory store, as a new process would start (tests, benchmarks). */
export function forgetStores(): void {
  stores.clear();
}
