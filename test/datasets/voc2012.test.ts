import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ArchiveManifest, parseManifest } from '../../datasets/manifest';
import { fetchVoc, importVoc, verifyVoc } from '../../datasets/voc2012';
import { expectedVocSubset, listTree, makeVocTarball, makeVocTree, md5, removeTempDirs, sha256, tarEntries, tempDir, VocTreeSpec, writeFile, userError } from './fixtures';
import { LocalServer, startLocalServer } from '../fetch/local-server';

/** The VOC code path on a synthetic archive with the official layout under VOCdevkit/VOC2012/. */

const SPEC: VocTreeSpec = {
  train: ['2007_000032', '2007_000039'],
  val: ['2007_000033', '2007_000042', '2007_000061'],
  withoutMask: ['2007_000061'],
};
const quiet = { quiet: true };

let srcDir: string; // holds VOCdevkit/VOC2012/
let tarball: Buffer;
let tarballPath: string;
let server: LocalServer;
let served: Buffer;

function manifestFor(archive: Buffer): ArchiveManifest {
  const m = parseManifest(
    {
      name: 'voc2012',
      kind: 'archive',
      title: 'synthetic VOC',
      homepage: 'http://127.0.0.1:9/',
      terms: 'test',
      integrity: ['made by the test'],
      archive: { name: 'VOCtrainval_11-May-2012.tar', url: 'http://127.0.0.1:9/pascal/VOCtrainval_11-May-2012.tar', size: archive.length, sha256: sha256(archive), md5: md5(archive) },
      archivePrefix: 'VOCdevkit/VOC2012/',
    },
    'voc2012.test.ts',
  );
  if (m.kind !== 'archive') throw new Error('expected an archive manifest');
  return m;
}

beforeAll(async () => {
  srcDir = tempDir('voc-src');
  await makeVocTree(path.join(srcDir, 'VOCdevkit/VOC2012'), SPEC);
  tarballPath = path.join(tempDir('voc-tar'), 'VOCtrainval_11-May-2012.tar');
  tarball = await makeVocTarball(srcDir, tarballPath);
  server = await startLocalServer((p) => (p === '/mirror/VOCtrainval_11-May-2012.tar' ? { body: served } : undefined));
});
beforeEach(() => {
  served = tarball;
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});


function cacheLayout() {
  const cache = tempDir('voc-cache');
  return { cache, root: path.join(cache, 'datasets', 'voc2012'), downloads: path.join(cache, 'downloads') };
}

test('the synthetic archive has the official prefix and puts JPEGImages/ before the split lists', async () => {
  const entries = await tarEntries(tarballPath);
  expect(entries.every((p) => p.startsWith('VOCdevkit/VOC2012/'))).toBe(true);
  expect(entries.findIndex((p) => p.includes('/JPEGImages/'))).toBeLessThan(entries.findIndex((p) => p.includes('/ImageSets/Segmentation/')));
});

test('fetch downloads the archive, extracts exactly the segmentation subset, and deletes the archive', async () => {
  const { cache, root, downloads } = cacheLayout();
  const result = await fetchVoc(manifestFor(tarball), root, downloads, { ...quiet, baseUrl: `${server.url}/mirror` });
  expect(result).toMatchObject({ status: 'fetched', downloaded: ['VOCtrainval_11-May-2012.tar'], reused: [] });
  expect(listTree(root)).toEqual(expectedVocSubset(SPEC));
  // Not taken: the detection-only JPEG, Annotations/, ImageSets/Main/.
  expect(listTree(root)).not.toContain('JPEGImages/2008_000001.jpg');
  // Nothing else in the cache: no archive, no .part, no staging folder.
  expect(listTree(cache).filter((p) => !p.startsWith('datasets/voc2012/'))).toEqual([]);
  expect(fs.readFileSync(path.join(root, 'JPEGImages/2007_000033.jpg')).equals(fs.readFileSync(path.join(srcDir, 'VOCdevkit/VOC2012/JPEGImages/2007_000033.jpg')))).toBe(true);
  expect(verifyVoc(root)).toEqual({ name: 'voc2012', root, ok: true, checked: 5, problems: [] });

  const hits = server.hits.length;
  expect((await fetchVoc(manifestFor(tarball), root, downloads, { ...quiet, baseUrl: `${server.url}/mirror` })).status).toBe('already-present');
  expect(server.hits.length).toBe(hits);
});

test('keepArchive keeps the verified archive, and a later fetch reuses it without downloading', async () => {
  const { root, downloads } = cacheLayout();
  await fetchVoc(manifestFor(tarball), root, downloads, { ...quiet, baseUrl: `${server.url}/mirror`, keepArchive: true });
  expect(fs.readdirSync(downloads)).toEqual(['VOCtrainval_11-May-2012.tar']);
  fs.rmSync(root, { recursive: true });
  const hits = server.hits.length;
  const result = await fetchVoc(manifestFor(tarball), root, downloads, { ...quiet, baseUrl: `${server.url}/mirror` });
  expect(result).toMatchObject({ status: 'fetched', downloaded: [], reused: ['VOCtrainval_11-May-2012.tar'] });
  expect(server.hits.length).toBe(hits);
  expect(listTree(root)).toEqual(expectedVocSubset(SPEC));
  expect(fs.readdirSync(downloads)).toEqual([]);
});

test('an archive with the wrong hash is refused: UserError with URL and both hashes, nothing left behind', async () => {
  const { cache, root, downloads } = cacheLayout();
  served = Buffer.concat([tarball.subarray(0, tarball.length - 1), Buffer.from([1])]);
  const msg = await userError(fetchVoc(manifestFor(tarball), root, downloads, { ...quiet, baseUrl: `${server.url}/mirror` }));
  expect(msg).toContain(`${server.url}/mirror/VOCtrainval_11-May-2012.tar`);
  expect(msg).toContain(sha256(tarball));
  expect(msg).toContain(sha256(served));
  expect(listTree(cache)).toEqual([]);
});

test('import from the archive file checks it, extracts, and leaves the file alone', async () => {
  const { root } = cacheLayout();
  const file = path.join(tempDir('voc-from'), 'VOCtrainval_11-May-2012.tar');
  fs.writeFileSync(file, tarball);
  const result = await importVoc(manifestFor(tarball), file, root, quiet);
  expect(result).toMatchObject({ status: 'imported', importedFrom: file });
  expect(listTree(root)).toEqual(expectedVocSubset(SPEC));
  expect(fs.existsSync(file)).toBe(true);

  fs.appendFileSync(file, Buffer.alloc(512));
  const msg = await userError(importVoc(manifestFor(tarball), file, path.join(tempDir('voc-cache'), 'voc2012'), quiet));
  expect(msg).toContain('is not the pinned VOCtrainval_11-May-2012.tar');
});

test('an archive without the segmentation lists is rejected', async () => {
  const bare = tempDir('voc-bare');
  writeFile(path.join(bare, 'VOCdevkit/VOC2012/JPEGImages/2007_000032.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
  const archive = await makeVocTarball(bare, path.join(bare, 'x.tar'));
  const { cache, root } = cacheLayout();
  const msg = await userError(importVoc(manifestFor(archive), path.join(bare, 'x.tar'), root, quiet));
  expect(msg).toContain('VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt');
  expect(msg).toContain('not the VOC2012 trainval archive');
  expect(listTree(cache)).toEqual([]);
});

test('a multi-megabyte archive streams through both passes (back-pressure, many chunks) intact', async () => {
  const big = tempDir('voc-big');
  const spec: VocTreeSpec = { train: ['2007_000032'], val: ['2007_000033'] };
  await makeVocTree(path.join(big, 'VOCdevkit/VOC2012'), spec);
  const payload = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(6 * 1024 * 1024)]);
  fs.writeFileSync(path.join(big, 'VOCdevkit/VOC2012/JPEGImages/2007_000033.jpg'), payload);
  const archive = await makeVocTarball(big, path.join(big, 'big.tar'));
  const { root } = cacheLayout();
  const seen: number[] = [];
  await importVoc(manifestFor(archive), path.join(big, 'big.tar'), root, { quiet: true, onProgress: (p) => seen.push(p.bytes) });
  expect(listTree(root)).toEqual(expectedVocSubset(spec));
  expect(fs.readFileSync(path.join(root, 'JPEGImages/2007_000033.jpg')).equals(payload)).toBe(true);
  expect(seen.length).toBeGreaterThan(3);
});

test('import from an extracted folder (VOC2012/, or a parent with VOCdevkit/VOC2012/) copies the subset', async () => {
  for (const from of [path.join(srcDir, 'VOCdevkit/VOC2012'), srcDir]) {
    const { root } = cacheLayout();
    const result = await importVoc(manifestFor(tarball), from, root, quiet);
    expect(result.importedFrom).toBe(path.join(srcDir, 'VOCdevkit/VOC2012'));
    expect(listTree(root)).toEqual(expectedVocSubset(SPEC));
  }
});

test('import from a folder names what is missing or not JPEG, and copies nothing', async () => {
  const broken = tempDir('voc-broken');
  const spec = { ...SPEC, withoutJpeg: ['2007_000039', '2007_000042'] };
  await makeVocTree(broken, spec);
  fs.writeFileSync(path.join(broken, 'JPEGImages/2007_000033.jpg'), '<html>Not Found</html>');
  const { root } = cacheLayout();
  const msg = await userError(importVoc(manifestFor(tarball), broken, root, quiet));
  expect(msg).toContain('2 of 5 ids in the train/val lists have no JPEGImages/<id>.jpg: 2007_000039, 2007_000042');
  expect(msg).toContain('not JPEG');
  expect(msg).toContain('2007_000033.jpg');
  expect(fs.existsSync(root)).toBe(false);

  const report = verifyVoc(broken);
  expect(report.ok).toBe(false);
  expect(report.problems).toHaveLength(2);

  expect(await userError(importVoc(manifestFor(tarball), tempDir('voc-empty'), root, quiet))).toContain('does not look like VOC2012');
});
