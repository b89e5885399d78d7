import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isUserError } from '../../bench/errors';
import { modelEntry, registerModel, type ModelEntry, type TensorSpec } from '../../bench/models/registry';
import { modelSession } from '../../bench/models/session';
import { fileRequirement, SHARED_MODELS, testWith } from '../requirements';

/**
 * Opening a model refuses a file that is not the model its registry entry describes: other
 * inputs or outputs than the contract, bytes ONNX Runtime cannot load, bytes other than the
 * pinned sha256. The contract files are tiny ONNX models (test/fixtures/models/
 * make_fixture_models.py) around `squeezenet11-caffe-embed`'s contract: `image` float32
 * [n,3,h,w] → `embedding` float32 [n,512]; each is registered as a local model of a test id.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'models');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-model-layer-'));
const opts = { modelsDir: temp, cacheDir: path.join(temp, 'cache') };
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

const embed = modelEntry('squeezenet11-caffe-embed');

/** Registers `bytes` as model `id` in the temp models folder, with the embedder's contract unless overridden. */
function register(id: string, bytes: Buffer, contract: Partial<Pick<ModelEntry, 'inputs' | 'outputs'>> = {}): string {
  const rel = `${id}/${id}.onnx`;
  fs.mkdirSync(path.join(temp, id), { recursive: true });
  fs.writeFileSync(path.join(temp, rel), bytes);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  registerModel({ ...embed, ...contract, id, fileName: `${id}.onnx`, metricSignature: undefined, sources: [{ kind: 'local', path: rel, sha256, size: bytes.length }] });
  return id;
}
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));

/** The UserError `p` rejects with; fails the test when it resolves or rejects with anything else. */
async function userError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isUserError(e)) throw e ?? new Error('expected a UserError, the promise resolved');
  expect(e.message).not.toContain('\n'); // one line for the CLI, never a stack trace
  return e.message;
}

describe('contract checks when a session opens', () => {
  test('a file with the contract (symbolic n, h, w) opens; extra outputs are allowed', async () => {
    for (const name of ['embed-contract.onnx', 'embed-extra-output.onnx']) {
      const { session } = await modelSession(register(`t-${path.basename(name, '.onnx')}`, fixture(name)), opts);
      expect(session.inputNames).toEqual(['image']);
    }
  });

  test('a symbolic dimension in the file matches a fixed one in the registry', async () => {
    const fixed: TensorSpec[] = [{ name: 'image', type: 'float32', shape: [1, 3, 224, 224] }];
    await expect(modelSession(register('t-fixed-dims', fixture('embed-contract.onnx'), { inputs: fixed }), opts)).resolves.toBeDefined();
  });

  test('a wrong input name: names what the file has and what the registry expects', async () => {
    const message = await userError(modelSession(register('t-wrong-input', fixture('embed-wrong-input-name.onnx')), opts));
    expect(message).toMatch(/^model t-wrong-input: .*t-wrong-input\.onnx has inputs pixels:float32\[n,3,h,w\], the registry expects image:float32\[n,3,h,w\]/);
  });

  test('a wrong output shape', async () => {
    const message = await userError(modelSession(register('t-wrong-output', fixture('embed-wrong-output-shape.onnx')), opts));
    expect(message).toContain('has outputs embedding:float32[n,256], the registry expects embedding:float32[n,512]');
  });

  test('a wrong element type', async () => {
    const half: TensorSpec[] = [{ name: 'image', type: 'float16', shape: ['n', 3, 'h', 'w'] }];
    expect(await userError(modelSession(register('t-wrong-type', fixture('embed-contract.onnx'), { inputs: half }), opts))).toContain(
      'the registry expects image:float16[n,3,h,w]',
    );
  });

  test('a truncated file whose sha256 is the pinned one: ONNX Runtime cannot load it, one line says so', async () => {
    const truncated = fixture('embed-contract.onnx').subarray(0, 3000);
    expect(await userError(modelSession(register('t-truncated', truncated), opts))).toMatch(/^model t-truncated: onnxruntime cannot load .*t-truncated\.onnx: /);
  });
});

const YOLOX = path.join(SHARED_MODELS, 'yolox-nano-coco', 'yolox_nano.onnx');

testWith(fileRequirement('the yolox-nano-coco model', YOLOX, 'set MULTISC_MODELS_DIR to the offline models folder'))('a real model with one flipped byte: both hashes and the fix, and no session', async () => {
  const bytes = fs.readFileSync(YOLOX);
  bytes[bytes.length >> 1] ^= 0xff;
  const dir = path.join(temp, 'corrupt');
  fs.mkdirSync(path.join(dir, 'yolox-nano-coco'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'yolox-nano-coco', 'yolox_nano.onnx'), bytes);
  const message = await userError(modelSession('yolox-nano-coco', { ...opts, modelsDir: dir }));
  expect(message).toMatch(/^model yolox-nano-coco: .*yolox_nano\.onnx has sha256 [0-9a-f]{64}, expected /);
  for (const s of modelEntry('yolox-nano-coco').sources) expect(message).toContain(s.sha256);
  expect(message).toContain('npm run models -- fetch yolox-nano-coco');
});
