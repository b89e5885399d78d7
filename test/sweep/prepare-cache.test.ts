import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createImage, type RgbImage } from '../../bench/image';
import type { Scheme, TransmitResult } from '../../bench/schemes/scheme';
import { codeClosure, codeVersion } from '../../bench/code-version';
import { schemeCodeVersion, schemeFactory, schemeNames } from '../../bench/schemes/registry';
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

const V1 = (): string => 'code-v1';

describe('PrepareCache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-prep-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const img = createImage(2, 2, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  const hash = contentHash(img.data);

  test('memory: prepared once per image, again after clearMemory', async () => {
    const { scheme, calls } = countingScheme('memory');
    const cache = new PrepareCache(dir, V1);
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
    const first = await new PrepareCache(dir, V1).get(scheme, img, hash);
    expect(first.source).toBe('computed');
    const again = await new PrepareCache(dir, V1).get(scheme, img, hash);
    expect(again.source).toBe('disk');
    expect(again.value).toEqual({ sum: 78, bytes: new Uint8Array([1, 2, 3, 4]) });
    expect(calls.prepare).toBe(1);
  });

  test('the key changes with the image content and with the scheme config', async () => {
    const a = countingScheme('disk', { q: 1 });
    const b = countingScheme('disk', { q: 2 });
    const cache = new PrepareCache(dir, V1);
    expect(cache.key(a.scheme, hash)).not.toBe(cache.key(b.scheme, hash));
    expect(cache.key(a.scheme, hash)).not.toBe(cache.key(a.scheme, contentHash(new Uint8Array([0]))));
    expect((await new PrepareCache(dir, V1).get(b.scheme, img, hash)).source).toBe('computed');
  });

  test('the key changes with the code version: data prepared by other code is never read back', async () => {
    const { scheme, calls } = countingScheme('disk', { q: 4 });
    expect((await new PrepareCache(dir, V1).get(scheme, img, hash)).source).toBe('computed');
    expect((await new PrepareCache(dir, V1).get(scheme, img, hash)).source).toBe('disk');
    const edited = new PrepareCache(dir, () => 'code-v2');
    expect(edited.key(scheme, hash)).not.toBe(new PrepareCache(dir, V1).key(scheme, hash));
    expect((await edited.get(scheme, img, hash)).source).toBe('computed');
    expect(calls.prepare).toBe(2);
  });

  test('a damaged cache file is recomputed, not trusted', async () => {
    const { scheme, calls } = countingScheme('disk', { q: 3 });
    const cache = new PrepareCache(dir, V1);
    await cache.get(scheme, img, hash);
    const file = path.join(dir, 'prepared', 'counting', `${cache.key(scheme, hash)}.v8`);
    fs.writeFileSync(file, Buffer.from('garbage'));
    const again = await new PrepareCache(dir, V1).get(scheme, img, hash);
    expect(again.source).toBe('computed');
    expect(calls.prepare).toBe(2);
  });
});

describe('codeVersion', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-codever-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string): string => {
    const f = path.join(root, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
    return f;
  };

  test('covers the transitive imports (.js and .ts forms) and the versions of the packages they use', () => {
    write('node_modules/leftpad/package.json', JSON.stringify({ name: 'leftpad', version: '1.2.3' }));
    write('node_modules/@sc/tool/package.json', JSON.stringify({ name: '@sc/tool', version: '0.4.0' }));
    const entry = write('src/scheme.js', 'const a = require("./a");\nconst fs = require("fs");\nconst pad = require("leftpad");');
    write('src/a.js', 'const b = require("../lib/b");\nmodule.exports = 1;');
    write('lib/b.ts', "import { x } from './c';\nimport type { T } from '@sc/tool/types';\nimport * as p from 'node:path';");
    write('lib/c.ts', 'export const x = 1;');
    write('lib/unused.ts', 'export const y = 2;');
    const c = codeClosure(entry);
    expect(c.files.map((f) => path.relative(root, f))).toEqual(['lib/b.ts', 'lib/c.ts', 'src/a.js', 'src/scheme.js']);
    expect(c.packages).toEqual(['@sc/tool@0.4.0', 'leftpad@1.2.3']);
  });

  test('an edit anywhere in the closure, or a package upgrade, changes the version; an unrelated file does not', () => {
    // codeVersion memoises per process, so each state is hashed from a fresh copy of the tree.
    let n = 0;
    const versionOf = (): string => {
      const copy = path.join(root, `copy${n++}`);
      fs.cpSync(path.join(root, 'src'), path.join(copy, 'src'), { recursive: true });
      fs.cpSync(path.join(root, 'lib'), path.join(copy, 'lib'), { recursive: true });
      fs.cpSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), { recursive: true });
      return codeVersion(path.join(copy, 'src', 'scheme.js'));
    };
    const v0 = versionOf();
    expect(versionOf()).toBe(v0);
    write('lib/unused.ts', 'export const y = 3;');
    expect(versionOf()).toBe(v0);
    write('lib/c.ts', 'export const x = 2;');
    const v1 = versionOf();
    expect(v1).not.toBe(v0);
    write('node_modules/leftpad/package.json', JSON.stringify({ name: 'leftpad', version: '1.2.4' }));
    expect(versionOf()).not.toBe(v1);
  });

  test('every registered scheme has a version over its own code', () => {
    for (const name of schemeNames()) {
      const files = codeClosure(schemeFactory(name).sourceFile).files.map((f) => path.relative(path.join(__dirname, '..', '..'), f));
      expect(files).toContain(path.relative(path.join(__dirname, '..', '..'), schemeFactory(name).sourceFile));
      expect(files.some((f) => f.startsWith(path.join('bench', 'phy')))).toBe(true);
      expect(schemeCodeVersion(name)).toMatch(/^[0-9a-f]{64}$/);
    }
    // A change to BPG-LDPC's code does not invalidate the semantic schemes' prepared data.
    const semantic = codeClosure(schemeFactory('multi-sc').sourceFile).files;
    expect(semantic.some((f) => f.includes(path.join('baselines', 'bpg-ldpc')))).toBe(false);
    expect(semantic.some((f) => f.includes(path.join('bench', 'models', 'segmenter')))).toBe(true);
  });
});
