import * as fs from 'fs';
import * as path from 'path';
import { fetchFileSet, fileSetImages, importFileSet, verifyFileSet } from '../../datasets/file-set';
import { FileSetManifest, parseManifest, sourceUrl } from '../../datasets/manifest';
import { listTree, removeTempDirs, sha256, tempDir, tinyPng, userError } from './fixtures';
import { LocalServer, startLocalServer } from '../fetch/local-server';

/**
 * The Kodak code path on a 3-file stand-in: a hand-made manifest whose URLs point at a closed port
 * on 127.0.0.1, so only the base-URL override can make the downloads work.
 */

const NAMES = ['kodim01.png', 'kodim02.png', 'kodim03.png'];
const quiet = { quiet: true };
let images: Map<string, Buffer>;
let server: LocalServer;
/** When set, the server sends these bytes for that file instead of the real ones. */
const tampered = new Map<string, Buffer>();

function testManifest(): FileSetManifest {
  const m = parseManifest(
    {
      name: 'kodak24',
      kind: 'files',
      title: 'test set',
      homepage: 'http://127.0.0.1:9/',
      terms: 'test',
      integrity: ['made by the test'],
      files: NAMES.map((name) => ({ name, url: `http://127.0.0.1:9/graphics/kodak/${name}`, size: images.get(name)!.length, sha256: sha256(images.get(name)!) })),
    },
    'file-set.test.ts',
  );
  if (m.kind !== 'files') throw new Error('expected a file-set manifest');
  return m;
}

beforeAll(async () => {
  images = new Map();
  for (const [i, name] of NAMES.entries()) images.set(name, await tinyPng(30 * i));
  server = await startLocalServer((p) => {
    const name = path.posix.basename(p);
    if (p !== `/mirror/${name}` || !images.has(name)) return undefined;
    return { body: tampered.get(name) ?? images.get(name)! };
  });
});
afterEach(() => tampered.clear());
afterAll(async () => {
  await server.close();
  removeTempDirs();
});


test('sourceUrl keeps the manifest URL unless a base URL replaces its folder', () => {
  const file = testManifest().files[0];
  expect(sourceUrl(file)).toBe('http://127.0.0.1:9/graphics/kodak/kodim01.png');
  expect(sourceUrl(file, 'http://127.0.0.1:1234/mirror')).toBe('http://127.0.0.1:1234/mirror/kodim01.png');
  expect(sourceUrl(file, 'http://127.0.0.1:1234/mirror/')).toBe('http://127.0.0.1:1234/mirror/kodim01.png');
});

test('fetch downloads every file through the base URL, verified, into the dataset folder', async () => {
  const cache = tempDir('fs');
  const root = path.join(cache, 'kodak24');
  const result = await fetchFileSet(testManifest(), root, { ...quiet, baseUrl: `${server.url}/mirror` });
  expect(result.status).toBe('fetched');
  expect(result.downloaded).toEqual(NAMES);
  expect(listTree(cache)).toEqual(NAMES.map((n) => `kodak24/${n}`)); // no .part, no partial folder
  for (const name of NAMES) expect(fs.readFileSync(path.join(root, name)).equals(images.get(name)!)).toBe(true);
  expect(fileSetImages(testManifest(), root).map((i) => i.id)).toEqual(['kodim01', 'kodim02', 'kodim03']);

  // A second fetch finds everything verified and downloads nothing.
  const hitsBefore = server.hits.length;
  const again = await fetchFileSet(testManifest(), root, { ...quiet, baseUrl: `${server.url}/mirror` });
  expect(again.status).toBe('already-present');
  expect(again.reused).toEqual(NAMES);
  expect(server.hits.length).toBe(hitsBefore);
});

test('a damaged file in the dataset folder is downloaded again; good ones are kept', async () => {
  const root = path.join(tempDir('fs'), 'kodak24');
  await fetchFileSet(testManifest(), root, { ...quiet, baseUrl: `${server.url}/mirror` });
  fs.writeFileSync(path.join(root, 'kodim02.png'), 'damaged');
  const lines: string[] = [];
  const result = await fetchFileSet(testManifest(), root, { baseUrl: `${server.url}/mirror`, quiet: true, log: (l) => lines.push(l) });
  expect(result.downloaded).toEqual(['kodim02.png']);
  expect(result.reused).toEqual(['kodim01.png', 'kodim03.png']);
  expect(fs.readFileSync(path.join(root, 'kodim02.png')).equals(images.get('kodim02.png')!)).toBe(true);
  expect(lines.join('\n')).toContain('kodim02.png does not match the manifest');
});

test('a file served with the wrong bytes fails the fetch, leaves no dataset folder and no temp file, and the retry resumes', async () => {
  const cache = tempDir('fs');
  const root = path.join(cache, 'kodak24');
  tampered.set('kodim02.png', await tinyPng(250));
  const msg = await userError(fetchFileSet(testManifest(), root, { ...quiet, baseUrl: `${server.url}/mirror` }));
  expect(msg).toContain(`${server.url}/mirror/kodim02.png`);
  expect(msg).toContain(sha256(images.get('kodim02.png')!));
  expect(msg).toContain(sha256(tampered.get('kodim02.png')!));
  expect(fs.existsSync(root)).toBe(false);
  // Only the file verified before the failure is kept, in the hidden partial folder.
  expect(listTree(cache)).toEqual(['.kodak24.partial/kodim01.png']);

  tampered.clear();
  const hitsBefore = server.hits.length;
  const result = await fetchFileSet(testManifest(), root, { ...quiet, baseUrl: `${server.url}/mirror` });
  expect(result.reused).toEqual(['kodim01.png']);
  expect(result.downloaded).toEqual(['kodim02.png', 'kodim03.png']);
  expect(server.hits.length).toBe(hitsBefore + 2);
  expect(listTree(cache)).toEqual(NAMES.map((n) => `kodak24/${n}`));
});

test('temp files of dead processes are cleaned up; those of live ones are not', async () => {
  const cache = tempDir('fs');
  const partial = path.join(cache, '.kodak24.partial');
  const dead = path.join(partial, 'kodim01.png.999999999.part'); // beyond any pid_max
  const live = path.join(partial, `other.png.${process.pid}.part`);
  fs.mkdirSync(partial, { recursive: true });
  fs.writeFileSync(dead, 'left by a killed fetch');
  fs.writeFileSync(live, 'being written');
  await fetchFileSet(testManifest(), path.join(cache, 'kodak24'), { ...quiet, baseUrl: `${server.url}/mirror` });
  expect(fs.existsSync(dead)).toBe(false);
  expect(fs.existsSync(live)).toBe(true);
});

test('without the base URL the manifest URL is used (a closed local port: a network UserError)', async () => {
  const root = path.join(tempDir('fs'), 'kodak24');
  const msg = await userError(fetchFileSet(testManifest(), root, quiet));
  expect(msg).toContain('http://127.0.0.1:9/graphics/kodak/kodim01.png');
});

test('import from a folder checks every file first, then copies', async () => {
  const src = tempDir('fs-src');
  for (const name of NAMES) fs.writeFileSync(path.join(src, name), images.get(name)!);
  const root = path.join(tempDir('fs'), 'kodak24');
  const result = await importFileSet(testManifest(), src, root, quiet);
  expect(result.status).toBe('imported');
  expect(listTree(root)).toEqual(NAMES);

  // Also accepted: the parent folder that holds kodak24/.
  const parent = tempDir('fs-parent');
  fs.cpSync(src, path.join(parent, 'kodak24'), { recursive: true });
  const root2 = path.join(tempDir('fs'), 'kodak24');
  expect((await importFileSet(testManifest(), parent, root2, quiet)).importedFrom).toBe(path.join(parent, 'kodak24'));
});

test('import refuses a folder with a missing or different file and copies nothing', async () => {
  const src = tempDir('fs-src');
  fs.writeFileSync(path.join(src, 'kodim01.png'), images.get('kodim01.png')!);
  fs.writeFileSync(path.join(src, 'kodim02.png'), await tinyPng(251)); // "recompressed"
  const root = path.join(tempDir('fs'), 'kodak24');
  const msg = await userError(importFileSet(testManifest(), src, root, quiet));
  expect(msg).toContain('1 of 3 files missing: kodim03.png');
  expect(msg).toContain('kodim02.png (expected sha256');
  expect(msg).not.toContain('\n');
  expect(fs.existsSync(root)).toBe(false);

  expect(await userError(importFileSet(testManifest(), path.join(src, 'nope'), root, quiet))).toContain('is not a folder');
});

test('verify reports missing and changed files', async () => {
  const root = path.join(tempDir('fs'), 'kodak24');
  await fetchFileSet(testManifest(), root, { ...quiet, baseUrl: `${server.url}/mirror` });
  expect(await verifyFileSet(testManifest(), root, quiet)).toEqual({ name: 'kodak24', root, ok: true, checked: 3, problems: [] });
  fs.rmSync(path.join(root, 'kodim01.png'));
  fs.writeFileSync(path.join(root, 'kodim03.png'), 'x');
  const report = await verifyFileSet(testManifest(), root, quiet);
  expect(report.ok).toBe(false);
  expect(report.problems).toHaveLength(2);
  expect(report.problems[0]).toContain('kodim01.png');
  expect(report.problems[1]).toContain('kodim03.png');
});
