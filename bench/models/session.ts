import { timed } from '../phase-timer';
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { modelEntry, type ModelEntry, type TensorSpec } from './registry';
import { locateModel, modelsDirFrom, type LocatedModel, type StoreOptions } from './store';

/**
 * ONNX Runtime sessions: one per model per process, created on first use. On load the session's
 * real inputs and outputs are checked against the registry's contract, so a wrong file fails with
 * a message naming both, not with a shape error deep inside a sweep.
 */
export interface SessionOptions extends StoreOptions {
  /** Intra-op threads (default 1: the sweep already runs one worker per core). */
  threads?: number;
  device?: 'cpu' | 'cuda';
}

export interface ModelSession {
  entry: ModelEntry;
  file: LocatedModel;
  session: ort.InferenceSession;
}

const sessions = new Map<string, Promise<ModelSession>>();

export function modelSession(id: string, opts: SessionOptions = {}): Promise<ModelSession> {
  // Keyed by where models are looked for too: two folders may hold two files under one id.
  const key = JSON.stringify([id, opts.threads ?? 1, opts.device ?? 'cpu', modelsDirFrom(opts)?.dir ?? null, opts.cacheDir ?? null]);
  let s = sessions.get(key);
  if (!s) {
    s = openSession(id, opts);
    sessions.set(key, s);
    // A failed open is not cached: the next call (after the user fixed it) tries again.
    s.catch(() => sessions.delete(key));
  }
  return s;
}

/** How every ONNX Runtime session of the harness is opened (also the LPIPS split's, metrics/lpips.ts). */
export function ortSessionOptions(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [opts.device ?? 'cpu'],
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // No memory pattern: it plans one block for all of a run's intermediates and keeps a second
    // one while the first is in use, which held IS-Net (1024×1024 input) at 2.3 GiB; the arena
    // alone reuses the same memory from the second run on at 1.5 GiB, as fast.
    enableMemPattern: false,
  };
}

async function openSession(id: string, opts: SessionOptions): Promise<ModelSession> {
  const entry = modelEntry(id);
  const file = await locateModel(id, opts);
  const device = opts.device ?? 'cpu';
  if (device === 'cuda' && !ort.listSupportedBackends().some((b) => b.name === 'cuda')) {
    throw new UserError(`--device cuda: onnxruntime-node has no CUDA execution provider on this platform (Linux x64 only); use --device cpu`);
  }
  let session: ort.InferenceSession;
  try {
    // One session per model and thread, kept for the life of the worker: `model-load` counts them.
    session = await timed('model-load', () => ort.InferenceSession.create(file.path, ortSessionOptions(opts)));
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    if (device === 'cuda') {
      // The CUDA binaries are not in the npm package: its install script fetches them on request.
      throw new UserError(
        `model ${id}: onnxruntime cannot run it on CUDA (${why}); install its CUDA 12 binaries with \`npm ci --onnxruntime-node-install=cuda12\` (needs CUDA 12 and cuDNN 9), or use --device cpu`,
      );
    }
    throw new UserError(`model ${id}: onnxruntime cannot load ${file.path}: ${why}`);
  }
  checkContract(entry, session, file.path);
  return { entry, file, session };
}

function describe(t: { name: string; type?: string; shape?: readonly unknown[] }): string {
  return `${t.name}:${t.type ?? '?'}[${(t.shape ?? []).join(',')}]`;
}

/**
 * Inputs must agree exactly (names, element types, fixed dimensions; symbolic dimensions match
 * anything), in any order: inputs are fed by name, and exporters order the 50 inputs of a decoder
 * with a key/value cache differently. Outputs: each one the registry lists must exist as declared;
 * a model may have more (IS-Net's side outputs), which the harness never reads.
 */
export function checkContract(entry: ModelEntry, session: ort.InferenceSession, file: string): void {
  const tensors = (got: readonly ort.InferenceSession.ValueMetadata[]) =>
    got.map((g) => ({ name: g.name, type: g.isTensor ? String(g.type) : 'non-tensor', shape: g.isTensor ? g.shape : [] }));
  const matches = (w: TensorSpec, g: ReturnType<typeof tensors>[number] | undefined): boolean =>
    g !== undefined &&
    g.name === w.name &&
    g.type === w.type &&
    g.shape.length === w.shape.length &&
    w.shape.every((d, j) => typeof d === 'string' || g.shape[j] === d || typeof g.shape[j] !== 'number');
  const inputs = tensors(session.inputMetadata);
  const outputs = tensors(session.outputMetadata);
  // An optional input the file lacks is left out of the expected list (transformers.js does the same).
  const expectedInputs = entry.inputs.filter((w) => !w.optional || inputs.some((g) => g.name === w.name));
  const inputsOk = inputs.length === expectedInputs.length && expectedInputs.every((w) => matches(w, inputs.find((g) => g.name === w.name)));
  const outputsOk = entry.outputs.every((w) => matches(w, outputs.find((g) => g.name === w.name)));
  if (!inputsOk || !outputsOk) {
    const kind = inputsOk ? 'output' : 'input';
    const got = inputsOk ? outputs : inputs;
    const want = inputsOk ? entry.outputs : expectedInputs;
    throw new UserError(
      `model ${entry.id}: ${file} has ${kind}s ${got.map(describe).join(' ')}, the registry expects ${want.map(describe).join(' ')}; ` +
        `the file is not the model the registry describes`,
    );
  }
}
