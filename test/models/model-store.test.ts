import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isUserError } from '../../bench/errors';
import { modelEntry, registerModel, type ModelEntry } from '../../bench/models/registry';
import { cachedModelPath, fetchModel, locateModel } from '../../bench/models/store';
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

beforeAll(async () => {
  server = await startLocalServer((p) => (p === '/m.onnx' ? { body: bytes } : undefined));
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
