import { UserError } from '../errors';
import { resizeImage, type RgbImage } from '../image';
import { imagesToTensor } from './image-input';
import { modelEntry } from './registry';
import { segmentationFromMask, type Segmenter } from './segmenter';
import { modelSession, type SessionOptions } from './session';
import { largestClassMask } from './voc-ground-truth';

/**
 * The letter's main-object cut: FCN-ResNet50 (21 VOC classes) labels every pixel with its arg-max
 * class; the main object is the largest non-background class region: the rule of
 * `--segmenter voc-gt` on the ground truth (voc-ground-truth.ts), so the two differ only by the
 * network. The image goes in with its shorter side at 520 px (torchvision's and the model zoo's
 * evaluation size) and the labels come back to the image's size by nearest neighbour.
 */
export const FCN_SHORTER_SIDE = 520;

/** Per pixel, the class with the highest logit (ties: the lower class). `logits` is [classes, h, w]. */
export function argmaxClasses(logits: Float32Array, classes: number, width: number, height: number): Uint8Array {
  const plane = width * height;
  if (logits.length !== classes * plane) throw new Error(`logits hold ${logits.length} values, not ${classes}×${height}×${width}`);
  const labels = new Uint8Array(plane);
  for (let i = 0; i < plane; i++) {
    let best = 0;
    let bestValue = logits[i];
    for (let c = 1; c < classes; c++) {
      const v = logits[c * plane + i];
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    labels[i] = best;
  }
  return labels;
}

/** Labels of a w×h map sampled at the pixel centres of a W×H image (nearest neighbour). */
export function resizeLabelsNearest(labels: Uint8Array, w: number, h: number, W: number, H: number): Uint8Array {
  if (w === W && h === H) return labels;
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / H));
    for (let x = 0; x < W; x++) out[y * W + x] = labels[sy * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / W))];
  }
  return out;
}

/** The input size for an image: shorter side FCN_SHORTER_SIDE, aspect kept (rounded). */
export function fcnInputSize(width: number, height: number): { width: number; height: number } {
  const scale = FCN_SHORTER_SIDE / Math.min(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export async function createFcnSegmenter(modelId: string, opts: SessionOptions = {}): Promise<Segmenter> {
  const entry = modelEntry(modelId);
  const spec = entry.imageInput;
  if (entry.role !== 'segmenter' || !spec || entry.outputs[0]?.shape[1] !== 21) {
    throw new UserError(`model ${modelId} is not a 21-class VOC segmenter; use fcn-resnet50-11`);
  }
  const { file, session } = await modelSession(modelId, opts);
  const [input, output] = [entry.inputs[0].name, entry.outputs[0].name];
  return {
    modelId,
    signature: `segmenter:${modelId}|sha=${file.sha256.slice(0, 12)}|short=${FCN_SHORTER_SIDE}:linear|labels=argmax:nearest|main=largest-class`,
    async segment(image: RgbImage) {
      const size = fcnInputSize(image.width, image.height);
      const resized = await resizeImage(image, size.width, size.height, { fit: 'fill', kernel: 'linear' });
      const result = await session.run({ [input]: await imagesToTensor([resized], spec) }, [output]);
      const logits = result[output];
      const [classes, h, w] = logits.dims.slice(1);
      const labels = argmaxClasses(logits.data as Float32Array, classes, w, h);
      return segmentationFromMask(image, largestClassMask(resizeLabelsNearest(labels, w, h, image.width, image.height)));
    },
  };
}
