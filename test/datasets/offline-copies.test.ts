import * as fs from 'fs';
import * as path from 'path';
import { ensureDataset, fetchDataset, loadManifest, resolveDataset, verifyDataset } from '../../datasets';
import { listTree, removeTempDirs, tempDir } from './fixtures';
import { LocalServer, serveDirectory, startLocalServer } from '../fetch/local-server';
import { describeWith, fileRequirement, KODAK_DIR as KODAK, kodakRequirement, SHARED_DATA as SHARED } from '../requirements';

/**
 * The real offline copies (MULTISC_DATA_DIR, else /work/shared/datasets): the manifests must
 * describe them exactly, and every code path must accept them. Kodak is also "downloaded" from a
 * local server that serves the offline files, so the real manifest's hashes meet real bytes.
 */

const VOC = path.join(SHARED, 'voc2012');
const vocRequirement = fileRequirement(
  'the VOC2012 offline copy',
  path.join(VOC, 'ImageSets', 'Segmentation', 'val.txt'),
  'set MULTISC_DATA_DIR to the folder that holds voc2012/',
);
const quiet = { quiet: true };

// The tests below name the offline folder explicitly; the env var (set by .ci/run) would otherwise
// make every resolution find it, and the cache-only cases (fetch on first use) could not be tested.
const savedDataDir = process.env.MULTISC_DATA_DIR;
beforeEach(() => {
  delete process.env.MULTISC_DATA_DIR;
});
afterAll(() => {
  if (savedDataDir === undefined) delete process.env.MULTISC_DATA_DIR;
  else process.env.MULTISC_DATA_DIR = savedDataDir;
});

afterAll(removeTempDirs);

describeWith(kodakRequirement())('kodak24 offline copy', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer(serveDirectory('/kodak/', KODAK));
  });
  afterAll(() => server.close());

  test('the manifest hashes and sizes equal SHA256SUMS and the files', () => {
    const manifest = loadManifest('kodak24');
    if (manifest.kind !== 'files') throw new Error('kodak24 manifest must be a file set');
    const sumsFile = path.join(KODAK, 'SHA256SUMS');
    if (fs.existsSync(sumsFile)) {
      const sums = fs.readFileSync(sumsFile, 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([hash, name]) => ({ name, sha256: hash }));
      expect(manifest.files.map((f) => ({ name: f.name, sha256: f.sha256 }))).toEqual(sums);
    }
    for (const f of manifest.files) {
      expect(f.size).toBe(fs.statSync(path.join(KODAK, f.name)).size);
      expect(f.url).toBe(`http://r0k.us/graphics/kodak/kodak/${f.name}`);
    }
  });

  test('resolves to 24 images, and verifies', async () => {
    const r = await resolveDataset('kodak24', { dataDir: SHARED, cacheDir: tempDir('cache') });
    expect(r.images).toHaveLength(24);
    expect(r.images[0].id).toBe('kodim01');
    expect(r.images[23].id).toBe('kodim24');
    expect(await verifyDataset('kodak24', { dataDir: SHARED, cacheDir: tempDir('cache'), ...quiet })).toMatchObject({ ok: true, checked: 24, problems: [] });
  });

  test('fetch with the real manifest, from a local server with the offline bytes', async () => {
    const cache = tempDir('cache');
    const result = await fetchDataset('kodak24', { cacheDir: cache, baseUrl: `${server.url}/kodak`, ...quiet });
    expect(result.status).toBe('fetched');
    expect(result.downloaded).toHaveLength(24);
    expect(listTree(cache)).toEqual(result.downloaded.map((n) => `datasets/kodak24/${n}`)); // nothing else left behind
    expect((await verifyDataset('kodak24', { cacheDir: cache, ...quiet })).ok).toBe(true);
  });

  test('ensureDataset fetches on first use, then finds the cached copy', async () => {
    const cache = tempDir('cache');
    const first = await ensureDataset('kodak24', { cacheDir: cache, fetchIfMissing: true, baseUrl: `${server.url}/kodak`, ...quiet });
    expect(first.root).toBe(path.join(cache, 'datasets', 'kodak24'));
    expect(first.images).toHaveLength(24);
    const hits = server.hits.length;
    expect((await ensureDataset('kodak24', { cacheDir: cache, fetchIfMissing: true, ...quiet })).images).toHaveLength(24);
    expect(server.hits.length).toBe(hits);
  });

  test('--from imports the offline folder', async () => {
    const cache = tempDir('cache');
    const result = await fetchDataset('kodak24', { cacheDir: cache, from: KODAK, ...quiet });
    expect(result.status).toBe('imported');
    expect((await resolveDataset('kodak24', { cacheDir: cache })).images).toHaveLength(24);
  });
});

describeWith(vocRequirement)('voc2012 offline copy', () => {
  test('resolves to the 100 sampled val ids (and 100 train, 200 in all), each with a mask', async () => {
    const opts = { dataDir: SHARED, cacheDir: tempDir('cache') };
    const val = await resolveDataset('voc2012', opts);
    expect(val.split).toBe('val');
    expect(val.images).toHaveLength(100);
    expect(val.missing).toEqual([]);
    expect(val.images[0].id).toBe('2007_000033');
    expect(val.images.every((i) => i.maskPath !== undefined)).toBe(true);
    expect((await resolveDataset('voc2012', { ...opts, split: 'train' })).images).toHaveLength(100);
    expect((await resolveDataset('voc2012', { ...opts, split: 'all' })).images).toHaveLength(200);
    expect(await verifyDataset('voc2012', opts)).toMatchObject({ ok: true, checked: 200, problems: [] });
  });

  test('--from imports the offline folder: the listed JPEGs, masks and lists, not the unpaired image', async () => {
    const cache = tempDir('cache');
    const result = await fetchDataset('voc2012', { cacheDir: cache, from: VOC, ...quiet });
    expect(result.status).toBe('imported');
    const root = path.join(cache, 'datasets', 'voc2012');
    const files = listTree(root);
    expect(files.filter((f) => f.startsWith('JPEGImages/'))).toHaveLength(200);
    expect(files).not.toContain('JPEGImages/2011_003353.jpg');
    expect(files.filter((f) => f.startsWith('SegmentationClass/'))).toHaveLength(200);
    expect((await resolveDataset('voc2012', { cacheDir: cache })).images).toHaveLength(100);
  });
});
