import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir, describeDatasets, ensureDataset, fetchDataset, resolveDataset, verifyDataset } from '../../datasets';
import { makeVocTree, removeTempDirs, tempDir, writeFile, userError } from './fixtures';

/** Where datasets are found, and how a found copy becomes an image list (missing files, splits, limit). */

const KODAK_FILES = Array.from({ length: 24 }, (_, i) => `kodim${String(i + 1).padStart(2, '0')}.png`);
const ENV_KEYS = ['MULTISC_DATA_DIR', 'MULTISC_CACHE_DIR'] as const;
let savedEnv: Record<string, string | undefined>;

beforeEach(() => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
});
afterEach(() => {
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});
afterAll(removeTempDirs);

/** A base folder holding kodak24/ with the 24 file names (resolution only checks presence). */
function kodakBase(tag: string, omit: string[] = []): string {
  const base = tempDir(tag);
  for (const f of KODAK_FILES) if (!omit.includes(f)) writeFile(path.join(base, 'kodak24', f), f);
  return base;
}


describe('cacheDir', () => {
  test('explicit value, then MULTISC_CACHE_DIR, then ~/.cache/multi-sc-bench', () => {
    expect(cacheDir()).toBe(path.join(os.homedir(), '.cache', 'multi-sc-bench'));
    process.env.MULTISC_CACHE_DIR = '/tmp/env-cache';
    expect(cacheDir()).toBe('/tmp/env-cache');
    expect(cacheDir('/tmp/flag-cache')).toBe('/tmp/flag-cache');
    process.env.MULTISC_CACHE_DIR = '';
    expect(cacheDir()).toBe(path.join(os.homedir(), '.cache', 'multi-sc-bench'));
  });
});

describe('search order', () => {
  test('--data-dir beats MULTISC_DATA_DIR beats the cache', async () => {
    const flag = kodakBase('flag');
    const env = kodakBase('env');
    const cache = tempDir('cache');
    fs.cpSync(path.join(env, 'kodak24'), path.join(cache, 'datasets', 'kodak24'), { recursive: true });
    process.env.MULTISC_DATA_DIR = env;

    expect((await resolveDataset('kodak24', { dataDir: flag, cacheDir: cache })).root).toBe(path.join(flag, 'kodak24'));
    expect((await resolveDataset('kodak24', { cacheDir: cache })).root).toBe(path.join(env, 'kodak24'));
    delete process.env.MULTISC_DATA_DIR;
    expect((await resolveDataset('kodak24', { cacheDir: cache })).root).toBe(path.join(cache, 'datasets', 'kodak24'));
    // A --data-dir without the dataset falls through to the next place.
    expect((await resolveDataset('kodak24', { dataDir: tempDir('empty'), cacheDir: cache })).root).toBe(path.join(cache, 'datasets', 'kodak24'));
    // MULTISC_CACHE_DIR is the cache when no cacheDir is given.
    process.env.MULTISC_CACHE_DIR = cache;
    expect((await resolveDataset('kodak24')).root).toBe(path.join(cache, 'datasets', 'kodak24'));
  });

  test('the first copy found is used even when incomplete: its missing files are the error', async () => {
    const incomplete = kodakBase('flag', ['kodim07.png']);
    process.env.MULTISC_DATA_DIR = kodakBase('env');
    const msg = await userError(resolveDataset('kodak24', { dataDir: incomplete, cacheDir: tempDir('cache') }));
    expect(msg).toContain(path.join(incomplete, 'kodak24'));
    expect(msg).toContain('1 of 24 images named in the kodak24 manifest are missing (kodim07)');
    expect(msg).toContain('--skip-missing');
    expect(msg).toContain('npm run datasets -- fetch kodak24');
  });

  test('not found anywhere: names every place searched and the fetch command', async () => {
    const flag = tempDir('flag');
    const env = tempDir('env');
    const cache = tempDir('cache');
    process.env.MULTISC_DATA_DIR = env;
    const msg = await userError(resolveDataset('voc2012', { dataDir: flag, cacheDir: cache }));
    expect(msg).toContain(`${path.join(flag, 'voc2012')} (--data-dir)`);
    expect(msg).toContain(`${path.join(env, 'voc2012')} (MULTISC_DATA_DIR)`);
    expect(msg).toContain(`${path.join(cache, 'datasets', 'voc2012')} (cache)`);
    expect(msg).toContain('npm run datasets -- fetch voc2012');
    expect(await userError(ensureDataset('voc2012', { cacheDir: cache, fetchIfMissing: false }))).toContain('not found');
    expect(await userError(verifyDataset('voc2012', { cacheDir: cache }))).toContain('not found');
  });

  test('unknown dataset names list the known ones', async () => {
    for (const p of [resolveDataset('cifar10'), fetchDataset('cifar10'), verifyDataset('cifar10')]) {
      expect(await userError(p)).toBe("unknown dataset 'cifar10'; known datasets: kodak24, voc2012");
    }
  });

  test('describeDatasets says which copy each dataset would use', () => {
    const flag = kodakBase('flag');
    const lines = describeDatasets({ dataDir: flag, cacheDir: tempDir('cache') });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^kodak24 .*kodak24 \(from --data-dir\)$/);
    expect(lines[1]).toContain('voc2012');
    expect(lines[1]).toContain('npm run datasets -- fetch voc2012');
  });
});

describe('kodak24 image list', () => {
  test('24 images sorted by id; split is ignored; limit keeps the first N', async () => {
    const base = kodakBase('k');
    const all = await resolveDataset('kodak24', { dataDir: base, split: 'val', cacheDir: tempDir('cache') });
    expect(all.images.map((i) => i.id)).toEqual(KODAK_FILES.map((f) => f.replace('.png', '')));
    expect(all.images[0].path).toBe(path.join(base, 'kodak24', 'kodim01.png'));
    expect(all.images.every((i) => i.maskPath === undefined)).toBe(true);
    expect(all.split).toBeUndefined();
    expect(all.missing).toEqual([]);
    const three = await resolveDataset('kodak24', { dataDir: base, limit: 3, cacheDir: tempDir('cache') });
    expect(three.images.map((i) => i.id)).toEqual(['kodim01', 'kodim02', 'kodim03']);
  });

  test('skipMissing reports missing files instead of failing', async () => {
    const base = kodakBase('k', ['kodim05.png', 'kodim20.png']);
    const r = await resolveDataset('kodak24', { dataDir: base, skipMissing: true, cacheDir: tempDir('cache') });
    expect(r.missing).toEqual(['kodim05', 'kodim20']);
    expect(r.images).toHaveLength(22);
  });

  test('a bad limit is a UserError', async () => {
    expect(await userError(resolveDataset('kodak24', { dataDir: kodakBase('k'), limit: 0 }))).toContain('--limit');
  });
});

describe('voc2012 image list', () => {
  let base: string;
  beforeAll(async () => {
    base = tempDir('voc');
    await makeVocTree(path.join(base, 'voc2012'), {
      train: ['2007_000032', '2007_000039', '2007_000033'], // 2007_000033 also in val: 'all' must not repeat it
      val: ['2007_000033', '2007_000042', '2007_000061', '2007_000063', '2007_000068'],
      withoutJpeg: ['2007_000061', '2007_000068', '2007_000039'],
      withoutMask: ['2007_000042'],
    });
  });
  const opts = () => ({ dataDir: base, cacheDir: tempDir('cache') });

  test('an id the list names but the folder lacks is a UserError: count, first ids, and both fixes', async () => {
    const msg = await userError(resolveDataset('voc2012', opts()));
    expect(msg).toContain(`voc2012 at ${path.join(base, 'voc2012')}: 2 of 5 images named in ImageSets/Segmentation/val.txt are missing (2007_000061, 2007_000068)`);
    expect(msg).toContain('--skip-missing');
    expect(msg).toContain('npm run datasets -- fetch voc2012');
  });

  test('skipMissing: val ids in list order, JPEG paths, masks when present, missing ids reported', async () => {
    const r = await resolveDataset('voc2012', { ...opts(), skipMissing: true });
    const root = path.join(base, 'voc2012');
    expect(r.split).toBe('val');
    expect(r.missing).toEqual(['2007_000061', '2007_000068']);
    expect(r.images.map((i) => i.id)).toEqual(['2007_000033', '2007_000042', '2007_000063']);
    expect(r.images[0]).toEqual({
      id: '2007_000033',
      path: path.join(root, 'JPEGImages', '2007_000033.jpg'),
      maskPath: path.join(root, 'SegmentationClass', '2007_000033.png'),
    });
    expect(r.images[1].maskPath).toBeUndefined();
  });

  test("splits: train, and 'all' = train then val without repeats; limit after skipping", async () => {
    const train = await resolveDataset('voc2012', { ...opts(), split: 'train', skipMissing: true });
    expect(train.images.map((i) => i.id)).toEqual(['2007_000032', '2007_000033']);
    expect(train.missing).toEqual(['2007_000039']);
    const all = await resolveDataset('voc2012', { ...opts(), split: 'all', skipMissing: true });
    expect(all.images.map((i) => i.id)).toEqual(['2007_000032', '2007_000033', '2007_000042', '2007_000063']);
    const limited = await resolveDataset('voc2012', { ...opts(), split: 'all', skipMissing: true, limit: 3 });
    expect(limited.images.map((i) => i.id)).toEqual(['2007_000032', '2007_000033', '2007_000042']);
  });

  test('an unknown split is a UserError', async () => {
    const msg = await userError(resolveDataset('voc2012', { ...opts(), split: 'test' as 'val' }));
    expect(msg).toContain("unknown voc2012 split 'test'");
  });

  test('a missing split list is a UserError', async () => {
    const copy = tempDir('voc-nolist');
    fs.cpSync(path.join(base, 'voc2012'), path.join(copy, 'voc2012'), { recursive: true });
    fs.rmSync(path.join(copy, 'voc2012', 'ImageSets/Segmentation/val.txt'));
    const msg = await userError(resolveDataset('voc2012', { dataDir: copy, cacheDir: tempDir('cache') }));
    expect(msg).toContain('has no ImageSets/Segmentation/val.txt');
  });
});

test('fetchDataset refuses --from together with --base-url', async () => {
  const msg = await userError(fetchDataset('kodak24', { cacheDir: tempDir('cache'), from: tempDir('from'), baseUrl: 'http://127.0.0.1:9' }));
  expect(msg).toContain('--from and --base-url');
});

test('an unusable cache folder is a one-line UserError, not a stack trace', async () => {
  const notADir = path.join(tempDir('cache'), 'file');
  fs.writeFileSync(notADir, 'x');
  const msg = await userError(fetchDataset('kodak24', { cacheDir: notADir, baseUrl: 'http://127.0.0.1:9', quiet: true }));
  expect(msg).toContain(`file system error at ${path.join(notADir, 'datasets')}`);
  expect(msg).toContain('MULTISC_CACHE_DIR');
});
