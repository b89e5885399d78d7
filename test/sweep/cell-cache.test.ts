import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Scheme } from '../../bench/schemes/scheme';
import { CellCache } from '../../bench/sweep/cell-cache';

const scheme = (config: Record<string, number> = { q: 1 }): Scheme => ({
  name: 'counting',
  config,
  prepareCache: 'memory',
  prepare: async () => null,
  transmit: async () => {
    throw new Error('not used');
  },
});

const values = { cosine: 0.5, lpips: 0.25, bleu: null, psnr: Infinity, ms_ssim: 0.9, channel_symbols: 100, bits_sent: null };

describe('CellCache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-cells-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cell = { dataset: 'kodak24', profile: 'lite', image: 'kodim01', imageHash: 'abc', scheme: scheme(), snrDb: 3, seed: 0 };

  test('values round-trip exactly (infinite PSNR, NaN, empty metrics)', () => {
    const cache = new CellCache(dir, () => 'v1', 'scorer-1');
    const key = cache.key(cell);
    expect(cache.get('counting', key)).toBeNull();
    cache.set('counting', key, values);
    expect(cache.get('counting', key)).toEqual(values);
    const k2 = cache.key({ ...cell, seed: 1 });
    cache.set('counting', k2, { ...values, cosine: NaN, psnr: 31.123456789012345 });
    expect(cache.get('counting', k2)).toEqual({ ...values, cosine: NaN, psnr: 31.123456789012345 });
  });

  test('the key changes with everything that changes the numbers', () => {
    const cache = new CellCache(dir, () => 'v1', 'scorer-1');
    const base = cache.key(cell);
    const variants = [
      cache.key({ ...cell, imageHash: 'abd' }),
      cache.key({ ...cell, image: 'kodim02' }),
      cache.key({ ...cell, snrDb: 3.1 }),
      cache.key({ ...cell, seed: 2 }),
      cache.key({ ...cell, profile: 'paper' }),
      cache.key({ ...cell, dataset: 'voc2012' }),
      cache.key({ ...cell, scheme: scheme({ q: 2 }) }),
      new CellCache(dir, () => 'v2', 'scorer-1').key(cell),
      new CellCache(dir, () => 'v1', 'scorer-2').key(cell),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(new CellCache(dir, () => 'v1', 'scorer-1').key(cell)).toBe(base);
  });

  test('a damaged entry is dropped and reported as a miss', () => {
    const cache = new CellCache(dir, () => 'v1', 'scorer-1');
    const key = cache.key({ ...cell, seed: 7 });
    cache.set('counting', key, values);
    const file = path.join(dir, 'cells', 'counting', key.slice(0, 2), `${key}.json`);
    for (const bad of ['{"cosine": "x", "channel_symbols": 1}', '{"cosine":0.5', '{"cosine":0.5,"channel_symbols":null}']) {
      fs.writeFileSync(file, bad);
      expect(cache.get('counting', key)).toBeNull();
      expect(fs.existsSync(file)).toBe(false);
    }
  });
});
