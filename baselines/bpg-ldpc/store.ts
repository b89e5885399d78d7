import { createHash } from 'crypto';
import type { RgbImage } from '../../bench/image';
import { QpSearch } from './budget';
import type { BpgCodec } from './codec';

/**
 * The encodes and decodes of one image under one codec, kept in this process while its cells
 * run: `bpg-ldpc` (every MCS budget at prepare), and `bpg-capacity` (a new budget at every SNR)
 * share them, so no QP of an image is encoded twice by one worker. Only the last few images are
 * kept (a worker runs one image at a time).
 */
export class ImageEncodes {
  readonly search: QpSearch;
  private readonly streams = new Map<number, Uint8Array>();
  private readonly decoded = new Map<number, RgbImage>();
  /** Encoder runs so far (for reports and tests). */
  encodeCount = 0;

  constructor(
    readonly codec: BpgCodec,
    readonly image: RgbImage,
  ) {
    this.search = new QpSearch(async (qp) => (await this.stream(qp)).length);
  }

  async stream(qp: number): Promise<Uint8Array> {
    let s = this.streams.get(qp);
    if (!s) {
      s = await this.codec.encode(this.image, qp);
      this.encodeCount++;
      this.streams.set(qp, s);
    }
    return s;
  }

  /** Adds a stream computed elsewhere (e.g. read from the prepare cache). */
  remember(qp: number, stream: Uint8Array): void {
    if (!this.streams.has(qp)) this.streams.set(qp, stream);
  }

  /** The decoded pictures of these QPs' streams, decoding the missing ones in one batch. */
  async decodedAt(qps: readonly number[]): Promise<RgbImage[]> {
    const missing = [...new Set(qps.filter((q) => !this.decoded.has(q)))];
    if (missing.length > 0) {
      const streams = await Promise.all(missing.map((q) => this.stream(q)));
      const images = await this.codec.decodeMany(streams);
      missing.forEach((q, i) => this.decoded.set(q, images[i]));
    }
    return qps.map((q) => this.decoded.get(q)!);
  }
}

const KEEP_IMAGES = 2;
const stores = new Map<string, ImageEncodes>();

/** Content key of an image: SHA-256 of its size and pixels. */
export function imageKey(img: RgbImage): string {
  return createHash('sha256').update(`${img.width}x${img.height}:`).update(img.data).digest('hex');
}

/** The shared encodes of `image` (whose key is `key`) under `codec`. */
export function encodesFor(codec: BpgCodec, image: RgbImage, key: string): ImageEncodes {
  const id = JSON.stringify([codec.version, codec.config, key]);
  let s = stores.get(id);
  if (s) {
    stores.delete(id); // re-insert: most recently used last
  } else {
    s = new ImageEncodes(codec, image);
  }
  stores.set(id, s);
  while (stores.size > KEEP_IMAGES) stores.delete(stores.keys().next().value as string);
  return s;
}
