import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import type { RgbImage } from '../image';
import { imagesToTensor, inputSignature } from '../models/image-input';
import { modelSession, type SessionOptions } from '../models/session';

/**
 * LPIPS (Zhang et al. 2018): d(x, y) = Σ_l mean_hw ‖w_l ⊙ (ŷ_l^x − ŷ_l^y)‖², with ŷ_l the
 * channel-unit-normalised activations of tap l and w_l the learned linear weights. The network
 * is an ONNX model with the contract (a, b) → dist; how pixels become its inputs is declared in
 * the model's registry entry. Images are compared at full resolution and must have equal sizes.
 */
export interface PerceptualMetric {
  readonly modelId: string;
  readonly signature: string;
  distance(a: RgbImage, b: RgbImage): Promise<number>;
  /** One distance per pair; all pairs of equal size (one batch). */
  distances(pairs: readonly [RgbImage, RgbImage][]): Promise<number[]>;
}

export async function createLpips(modelId: string, opts: SessionOptions = {}): Promise<PerceptualMetric> {
  const { entry, file, session } = await modelSession(modelId, opts);
  const spec = entry.imageInput;
  if (entry.role !== 'perceptual-metric' || !spec || !entry.metricSignature) {
    throw new UserError(`model ${modelId} is a ${entry.role}, not a perceptual metric`);
  }
  const [inA, inB] = entry.inputs.map((t) => t.name);
  const out = entry.outputs[0].name;
  const signature = `${entry.metricSignature}|${inputSignature(spec)}|model=${modelId}|sha=${file.sha256.slice(0, 12)}`;
  const distances = async (pairs: readonly [RgbImage, RgbImage][]): Promise<number[]> => {
    for (const [a, b] of pairs) {
      if (a.width !== b.width || a.height !== b.height) {
        throw new UserError(`LPIPS needs images of equal size, got ${a.width}x${a.height} and ${b.width}x${b.height} (no silent resize)`);
      }
    }
    const feeds: Record<string, ort.Tensor> = {
      [inA]: await imagesToTensor(pairs.map((p) => p[0]), spec),
      [inB]: await imagesToTensor(pairs.map((p) => p[1]), spec),
    };
    const result = await session.run(feeds);
    return Array.from(result[out].data as Float32Array);
  };
  return {
    modelId,
    signature,
    distances,
    async distance(a, b) {
      return (await distances([[a, b]]))[0];
    },
  };
}
