import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isUserError } from '../../bench/errors';
import { modelEntry, registerModel, type ModelEntry } from '../../bench/models/registry';
import { cachedModelPath, fetchModel, hfFileUrl, locateModel, recordedHashPath } from '../../bench/models/store';
import { startLocalServer, type LocalServer } from '../fetch/local-server';

/** Model fetch and verification against a local HTTP server on 127.0.0.1 (no other address). */
const bytes = crypto.randomBytes(4096);
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
let server: LocalServer;
let cache: string;

const entry = (id: string, sources: ModelEntry['sources']): ModelEntry => ({
  id,
  role: 'detector',
  profiles: ['lite'],
  fileName: 'model.onnx',
  description: 'test fixture',
  inputs: [],
  outputs: [],
  sources,
  license: 'test',
  citation: 'test',
});

async function userError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isUserError(e)) throw e ?? new Error('expected a UserError');
  expect(e.message).not.toContain('\n');
  return e.message;
}

const HF_REV = 'a'.repeat(40);
const HF_PREFIX = `/org/tiny/resolve/${HF_REV}/`;

beforeAll(async () => {
  server = await startLocalServer((p, hit) => {
    if (p === '/m.onnx') return { body: bytes };
    // A hub mirror (HF_ENDPOINT): the large file is cut once mid-body, then served with Range.
    if (p === `${HF_PREFIX}onnx/big.onnx`) return hit === 0 ? { body: bytes, truncateAt: 1000 } : { body: bytes, acceptRanges: true };
    if (p === `${HF_PREFIX}config.json`) return { body: Buffer.from('{"a":1}\n') };
    return undefined;
  });
  const hfSource = (file: string, sha256: string | null) => ({ kind: 'hf' as const, repo: 'org/tiny', revision: HF_REV, file, sha256 });
  registerModel(entry('t-hf', [hfSource('onnx/big.onnx', sha(bytes))]));
  registerModel(entry('t-hf-unpinned', [hfSource('config.json', null)]));
  registerModel(entry('t-hf-wrong', [hfSource('config.json', '0'.repeat(64))]));
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-models-'));
  registerModel(entry('t-url', [{ kind: 'url', url: `${server.url}/m.onnx`, sha256: sha(bytes), size: bytes.length }]));
  registerModel(entry('t-badsha', [{ kind: 'url', url: `${server.url}/m.onnx`, sha256: '0'.repeat(64) }]));
  registerModel(entry('t-local', [{ kind: 'local', path: 't-local/model.onnx', sha256: sha(bytes), size: bytes.length }]));
});
afterAll(async () => {
  await server.close();
  fs.rmSync(cache, { recursive: true, force: true });
});

const opts = () => ({ cacheDir: cache, quiet: true, modelsDir: undefined as string | undefined });

test('fetch downloads into the cache once, verified; locate finds it', async () => {
  const before = server.hits.length;
  const m = await fetchModel('t-url', opts());
  expect(m.path).toBe(path.join(cache, 'models', 't-url', 'model.onnx'));
  expect(m.origin).toBe('cache');
  expect(fs.readFileSync(m.path)).toEqual(bytes);
  await fetchModel('t-url', opts());
  expect(server.hits.length - before).toBe(1);
  expect((await locateModel('t-url', opts())).sha256).toBe(sha(bytes));
});

test('a wrong sha256 in the source: one line naming it, nothing left in the cache', async () => {
  const msg = await userError(fetchModel('t-badsha', opts()));
  expect(msg).toMatch(/t-badsha: every source failed — .*m\.onnx.*checksum mismatch/);
  const dir = path.join(cache, 'models', 't-badsha');
  expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
});

test('a corrupted cached file is reported with both hashes, not used', async () => {
  await fetchModel('t-url', opts());
  const file = cachedModelPath(modelEntry('t-url'), opts());
  const bad = Buffer.from(bytes);
  bad[10] ^= 0xff;
  fs.writeFileSync(file, bad);
  const msg = await userError(locateModel('t-url', opts()));
  expect(msg).toContain(sha(bad));
  expect(msg).toContain(sha(bytes));
  expect(msg).toMatch(/models -- fetch t-url/);
  fs.rmSync(file);
});

test('a local-only model: found in the models folder, else one line with the places and the fix', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-modelsdir-'));
  const msg = await userError(locateModel('t-local', { ...opts(), modelsDir: dir }));
  expect(msg).toMatch(/model t-local not found; looked in .*t-local\/model\.onnx \(--models-dir\).*--models-dir \/ MULTISC_MODELS_DIR/);
  fs.mkdirSync(path.join(dir, 't-local'));
  fs.writeFileSync(path.join(dir, 't-local', 'model.onnx'), bytes);
  expect((await locateModel('t-local', { ...opts(), modelsDir: dir })).origin).toBe('--models-dir');
  expect(await userError(fetchModel('t-local', { ...opts(), modelsDir: path.join(dir, 'nope') }))).toMatch(/--models-dir .*nope is not a folder/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('unknown ids and duplicate registrations are refused', async () => {
  expect(await userError(locateModel('no-such-model', opts()))).toMatch(/unknown model "no-such-model"/);
  expect(() => registerModel(entry('t-url', [{ kind: 'url', url: 'http://127.0.0.1/x', sha256: 'a' }]))).toThrow(/already registered/);
});

describe('hub files through HF_ENDPOINT (a mirror on 127.0.0.1)', () => {
  const saved = process.env.HF_ENDPOINT;
  beforeAll(() => (process.env.HF_ENDPOINT = `${server.url}/`));
  afterAll(() => (saved === undefined ? delete process.env.HF_ENDPOINT : (process.env.HF_ENDPOINT = saved)));

  test('the URL is {HF_ENDPOINT}/{repo}/resolve/{revision}/{file}; huggingface.co without it', () => {
    expect(hfFileUrl({ repo: 'org/tiny', revision: HF_REV, file: 'onnx/big.onnx' })).toBe(`${server.url}${HF_PREFIX}onnx/big.onnx`);
    delete process.env.HF_ENDPOINT;
    expect(hfFileUrl({ repo: 'Xenova/nanoLLaVA', revision: 'r', file: 'config.json' })).toBe('https://huggingface.co/Xenova/nanoLLaVA/resolve/r/config.json');
    process.env.HF_ENDPOINT = `${server.url}/`;
  });

  test('a cut connection is resumed with Range, and the file verifies against its pinned sha256', async () => {
    const progress: number[] = [];
    const m = await fetchModel('t-hf', { ...opts(), onProgress: (p) => progress.push(p.bytes) });
    expect(fs.readFileSync(m.path)).toEqual(bytes);
    const ranges = server.ranges.filter((_, i) => server.hits[i] === `${HF_PREFIX}onnx/big.onnx`);
    expect(ranges).toEqual(['', 'bytes=1000-']);
    expect(progress[progress.length - 1]).toBeGreaterThanOrEqual(bytes.length);
    expect(fs.readdirSync(path.dirname(m.path))).toEqual(['model.onnx']);
  });

  test('a file without a published hash: fetched, its hash recorded, and a later change detected', async () => {
    const m = await fetchModel('t-hf-unpinned', opts());
    expect(m.sha256).toBe(sha(Buffer.from('{"a":1}\n')));
    expect(fs.readFileSync(recordedHashPath(m.path), 'utf8').trim()).toBe(m.sha256);
    expect((await locateModel('t-hf-unpinned', opts())).sha256).toBe(m.sha256);
    fs.writeFileSync(m.path, '{"a":2}\n');
    const msg = await userError(locateModel('t-hf-unpinned', opts()));
    expect(msg).toContain(`the hash recorded when fetched (${m.sha256})`);
    // Without the record, nothing vouches for the file: it is not used either.
    fs.rmSync(recordedHashPath(m.path));
    expect(await userError(locateModel('t-hf-unpinned', opts()))).toContain('none recorded');
  });

  test('a mirror serving other bytes than the pinned hash: checksum mismatch, nothing kept', async () => {
    const msg = await userError(fetchModel('t-hf-wrong', opts()));
    expect(msg).toMatch(/hf org\/tiny@aaaaaaaaaaaa\/config\.json: checksum mismatch/);
    const dir = path.join(cache, 'models', 't-hf-wrong');
    expect(fs.existsSync(dir) ? fs.readdirSync(dir) : []).toEqual([]);
  });
});
