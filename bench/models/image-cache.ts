import { createHash } from 'crypto';
import type { RgbImage } from '../image';

/**
 * Per-image result caches for the model adapters. A sweep asks for the same image's segmentation
 * or detections once per scheme × SNR × seed; keyed by content, the model runs once per image.
 */

/** sha256 of the pixels and the size (two images with equal bytes but other shapes differ). */
export function imageHash(img: RgbImage): string {
  return createHash('sha256').update(`${img.width}x${img.height}:`).update(img.data).digest('hex');
}

/** Keeps the `capacity` most recently used entries (a sweep works through images in order). */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * `compute(key)` once per key while it stays cached; concurrent callers share one promise, and a
 * failure is forgotten so that a later call tries again.
 */
export function cachedCall<V>(cache: LruCache<Promise<V>>, key: string, compute: () => Promise<V>): Promise<V> {
  let p = cache.get(key);
  if (!p) {
    p = compute();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}
