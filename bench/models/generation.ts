import * as fs from 'fs';
import type { Tokenizer } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { locateModel, type StoreOptions } from './store';

/**
 * What the paper profile's two language models (nanoLLaVA's decoder, the BART corrector) share:
 * their JSON files, tokenizers, and greedy decoding with a key/value cache in the layout of the
 * Hugging Face ONNX exports (`past_key_values.<i>…` in, `present.<i>…` out, [batch, heads, length,
 * head_dim]). Greedy arg-max, never sampling: a cell is a function of its inputs.
 */

// The package is an ES module with a CommonJS build for Node (its exports map): required here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tokenizers = require('@huggingface/tokenizers') as { Tokenizer: new (json: object, config: object) => Tokenizer };

/** A JSON file of the registry (config.json, tokenizer.json), located and verified like any model. */
export async function readModelJson<T = Record<string, unknown>>(id: string, opts: StoreOptions): Promise<T> {
  const file = await locateModel(id, opts);
  try {
    return JSON.parse(fs.readFileSync(file.path, 'utf8')) as T;
  } catch (e) {
    throw new UserError(`model ${id}: ${file.path} is not valid JSON (${(e as Error).message}); delete it and fetch it again`);
  }
}

/** A tokenizer from its tokenizer.json and tokenizer_config.json (tokenizers.js, the transformers.js tokenizers). */
export async function loadTokenizer(tokenizerId: string, configId: string, opts: StoreOptions): Promise<{ tokenizer: Tokenizer; config: Record<string, unknown> }> {
  const [json, config] = await Promise.all([readModelJson(tokenizerId, opts), readModelJson(configId, opts)]);
  try {
    return { tokenizer: new tokenizers.Tokenizer(json, config), config };
  } catch (e) {
    throw new UserError(`tokenizer ${tokenizerId}: cannot be built from its files (${(e as Error).message.split('\n')[0]})`);
  }
}

/** A required integer field of a model config, or one line naming the file and field. */
export function configInt(config: Record<string, unknown>, field: string, id: string): number {
  const v = config[field];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new UserError(`model ${id}: config field "${field}" is ${JSON.stringify(v)}, expected an integer`);
  return v;
}

export function int64Tensor(values: readonly number[], dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

/** The session's inputs named `past_key_values.*`, each as an empty [1, heads, 0, head_dim] tensor. */
export function emptyPast(session: ort.InferenceSession, heads: number, headDim: number): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) if (name.startsWith('past_key_values.')) past[name] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
  return past;
}

/** The next step's cache: each `present.X` output fed back as `past_key_values.X` (those `keep` accepts). */
export function pastFromPresent(outputs: ort.InferenceSession.OnnxValueMapType, keep: (name: string) => boolean = () => true): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (const [name, value] of Object.entries(outputs)) {
    if (!name.startsWith('present.')) continue;
    const pastName = `past_key_values.${name.slice('present.'.length)}`;
    if (keep(pastName)) past[pastName] = value as ort.Tensor;
  }
  return past;
}

/** The arg-max over the vocabulary at the last position of [1, seq, vocab] logits (ties: the lower id). */
export function argmaxLastPosition(logits: ort.Tensor): number {
  const [, seq, vocab] = logits.dims;
  const data = logits.data as Float32Array;
  const base = (seq - 1) * vocab;
  let best = 0;
  for (let v = 1; v < vocab; v++) if (data[base + v] > data[base + best]) best = v;
  return best;
}
