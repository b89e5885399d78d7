import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { writeFileAtomic } from '../fs-atomic';
import { timedSync } from '../phase-timer';
import type { RgbImage } from '../image';
import type { ImageSource, Scheme } from '../schemes/scheme';

/** Bump when the on-disk format or the meaning of cached data changes. */
const CACHE_FORMAT = 1;

export type PrepareSource = 'computed' | 'memory' | 'disk';

/**
 * SNR-independent transmitter work, done once per (image content, scheme config, code version):
 * kept in memory for the image's cells, and on disk (`<cacheDir>/prepared/<scheme>/<key>.v8`) for
 * schemes whose preparation is expensive, so that a re-run or a resumed run skips it. The code
 * version (`codeVersionOf`, e.g. registry.ts `schemeCodeVersion`) keeps data that other code
 * prepared from ever being read back after an edit or a package upgrade.
 */
export class PrepareCache {
  private readonly memory = new Map<string, unknown>();

  constructor(
    private readonly cacheDir: string,
    private readonly codeVersionOf: (scheme: Scheme) => string,
  ) {}

  key(scheme: Scheme, imageContentHash: string): string {
    return createHash('sha256')
      .update(JSON.stringify([CACHE_FORMAT, scheme.name, scheme.config, this.codeVersionOf(scheme), imageContentHash]))
      .digest('hex');
  }

  private file(scheme: Scheme, key: string): string {
    return path.join(this.cacheDir, 'prepared', scheme.name, `${key}.v8`);
  }

  async get(scheme: Scheme, image: RgbImage, imageContentHash: string, origin?: ImageSource): Promise<{ value: unknown; source: PrepareSource }> {
    const key = this.key(scheme, imageContentHash);
    if (this.memory.has(key)) return { value: this.memory.get(key), source: 'memory' };
    if (scheme.prepareCache === 'disk') {
      const file = this.file(scheme, key);
      const cached = timedSync('prepare-cache-io', () => readCached(file));
      if (cached !== undefined) {
        this.memory.set(key, cached);
        return { value: cached, source: 'disk' };
      }
      const value = await scheme.prepare(image, origin);
      timedSync('prepare-cache-io', () => writeFileAtomic(file, v8.serialize(value)));
      this.memory.set(key, value);
      return { value, source: 'computed' };
    }
    const value = await scheme.prepare(image, origin);
    this.memory.set(key, value);
    return { value, source: 'computed' };
  }

  /** Drops the in-memory entries (an image's cells are done). */
  clearMemory(): void {
    this.memory.clear();
  }
}

function readCached(file: string): unknown {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    return v8.deserialize(buf);
  } catch {
    // A damaged cache entry is recomputed, never trusted.
    fs.rmSync(file, { force: true });
    return undefined;
  }
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
