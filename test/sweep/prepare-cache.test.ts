import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createImage, type RgbImage } from '../../bench/image';
import type { Scheme, TransmitResult } from '../../bench/schemes/scheme';
import { contentHash, PrepareCache } from '../../bench/sweep/prepare-cache';

/** A scheme whose preparation is counted, to see the cache at work. */
function countingScheme(prepareCache: 'memory' | 'disk', config: Record<string, number> = { q: 1 }) {
  const calls = { prepare: 0 };
  const scheme: Scheme<{ sum: number; bytes: Uint8Array }> = {
    name: 'counting',
    config,
    prepareCache,
    async prepare(image: RgbImage) {
      calls.prepare++;
      return { sum: image.data.reduce((a, b) => a + b, 0), bytes: image.data.slice(0, 4) };
    },
    async transmit(): Promise<TransmitResult> {
      throw new Error('not used');
    },
  };
  return { scheme, calls };
}

describe('PrepareCache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-prep-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const img = createImage(2, 2, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  const hash = contentHash(img.data);

  test('memory: prepared once per image, again after clearMemory', async () => {
    const { scheme, calls } = countingScheme('memory');
    const cache = new PrepareCache(dir);
    expect((await cache.get(scheme, img, hash)).source).toBe('computed');
    expect((await cache.get(scheme, img, hash)).source).toBe('memory');
    expect(calls.prepare).toBe(1);
    cache.clearMemory();
    await cache.get(scheme, img, hash);
    expect(calls.prepare).toBe(2);
    expect(fs.existsSync(path.join(dir, 'prepared', 'counting'))).toBe(false);
  });

  test('disk: a new process (new cache object) reads it back, typed arrays intact', async () => {
    const { scheme, calls } = countingScheme('disk');
    const first = await new PrepareCache(dir).get(scheme, img, hash);
    expect(first.source).toBe('computed');
    const again = await new PrepareCache(dir).get(scheme, img, hash);
    expect(again.source).toBe('disk');
    expect(again.value).toEqual({ sum: 78, bytes: new Uint8Array([1, 2, 3, 4]) });
    expect(calls.prepare).toBe(1);
  });

  test('the key changes with the image content and with the scheme config', async () => {
    const a = countingScheme('disk', { q: 1 });
    const b = countingScheme('disk', { q: 2 });
    const cache = new PrepareCache(dir);
    expect(cache.key(a.scheme, hash)).not.toBe(cache.key(b.scheme, hash));
    expect(cache.key(a.scheme, hash)).not.toBe(cache.key(a.scheme, contentHash(new Uint8Array([0]))));
    expect((await new PrepareCache(dir).get(b.scheme, img, hash)).source).toBe('computed');
  });

  test('a damaged cache file is recomputed, not trusted', async () => {
    const { scheme, calls } = countingScheme('disk', { q: 3 });
    const cache = new PrepareCache(dir);
    await cache.get(scheme, img, hash);
    const file = path.join(dir, 'prepared', 'counting', `${cache.key(scheme, hash)}.v8`);
    fs.writeFileSync(file, Buffer.from('garbage'));
    const again = await new PrepareCache(dir).get(scheme, img, hash);
    expect(again.source).toBe('computed');
    expect(calls.prepare).toBe(2);
  });
});
