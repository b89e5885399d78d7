import { UserError } from '../errors';
import type { RgbImage } from '../image';
import { imagesToTensor, inputSignature } from '../models/image-input';
import { modelSession, type SessionOptions } from '../models/session';

/**
 * Cosine similarity of image embeddings, cos(u, v) = u·v / (‖u‖‖v‖) in [−1, 1], the letter's
 * "cosine similarity" (its embedding network is left open: CLIP by default, an offline stand-in
 * here; the signature names which).
 */
export interface ImageEmbedder {
  readonly modelId: string;
  readonly signature: string;
  embed(images: readonly RgbImage[]): Promise<Float32Array[]>;
}

export async function createImageEmbedder(modelId: string, opts: SessionOptions = {}): Promise<ImageEmbedder> {
  const { entry, file, session } = await modelSession(modelId, opts);
  const spec = entry.imageInput;
  if (entry.role !== 'image-embedder' || !spec || !entry.metricSignature) {
    throw new UserError(`model ${modelId} is a ${entry.role}, not an image embedder`);
  }
  const input = entry.inputs[0].name;
  const output = entry.outputs[0].name;
  return {
    modelId,
    signature: `${entry.metricSignature}|${inputSignature(spec)}|model=${modelId}|sha=${file.sha256.slice(0, 12)}`,
    async embed(images) {
      // Resized inputs share one size and go as one batch; full-size ones one by one.
      const batches = spec.size === 'full' ? images.map((im) => [im]) : [images];
      const out: Float32Array[] = [];
      for (const batch of batches) {
        const result = await session.run({ [input]: await imagesToTensor(batch, spec) });
        const t = result[output];
        const dim = t.dims[t.dims.length - 1];
        const data = t.data as Float32Array;
        for (let i = 0; i < batch.length; i++) out.push(data.slice(i * dim, (i + 1) * dim));
      }
      return out;
    },
  };
}

export function cosineSimilarity(u: Float32Array, v: Float32Array): number {
  if (u.length !== v.length) throw new Error(`embeddings of different lengths ${u.length} and ${v.length}`);
  let uv = 0, uu = 0, vv = 0;
  for (let i = 0; i < u.length; i++) {
    uv += u[i] * v[i];
    uu += u[i] * u[i];
    vv += v[i] * v[i];
  }
  if (uu === 0 || vv === 0) return 0;
  return Math.max(-1, Math.min(1, uv / Math.sqrt(uu * vv)));
}
