import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { resizeImage, type RgbImage } from '../image';
import type { ImageInputSpec } from './registry';

/**
 * Images → an NCHW float32 tensor exactly as the model's registry entry declares: resize (sharp,
 * bilinear) or not, channel order, and (x − mean)/std per channel on the 0..255 scale.
 */
export async function imagesToTensor(images: readonly RgbImage[], spec: ImageInputSpec): Promise<ort.Tensor> {
  if (images.length === 0) throw new Error('imagesToTensor needs at least one image');
  const sized = await Promise.all(images.map((im) => resizeFor(im, spec)));
  const { width, height } = sized[0];
  for (const im of sized) {
    if (im.width !== width || im.height !== height) {
      throw new UserError(`images of different sizes (${width}x${height} and ${im.width}x${im.height}) cannot share a batch`);
    }
  }
  const plane = width * height;
  const out = new Float32Array(sized.length * 3 * plane);
  const order = spec.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  sized.forEach((im, n) => {
    for (let c = 0; c < 3; c++) {
      const src = order[c];
      const mean = spec.mean[c];
      const inv = 1 / spec.std[c];
      const base = (n * 3 + c) * plane;
      for (let i = 0; i < plane; i++) out[base + i] = (im.data[3 * i + src] - mean) * inv;
    }
  });
  return new ort.Tensor('float32', out, [sized.length, 3, height, width]);
}

async function resizeFor(img: RgbImage, spec: ImageInputSpec): Promise<RgbImage> {
  if (spec.size === 'full') return img;
  const { width, height, fit, kernel } = spec.size;
  if (img.width === width && img.height === height) return img;
  if (fit === 'letterbox') throw new Error('letterbox inputs are prepared by the detector adapter');
  // CLIP's way for 'center-crop': the shorter side to the target, then the middle.
  return resizeImage(img, width, height, { fit: fit === 'fill' ? 'fill' : 'cover', kernel: kernel ?? 'linear' });
}

/** The preprocessing part of a metric's signature, e.g. `range=-1,1|size=full`. */
export function inputSignature(spec: ImageInputSpec): string {
  const lo = (0 - spec.mean[0]) / spec.std[0];
  const hi = (255 - spec.mean[0]) / spec.std[0];
  const uniform = spec.mean.every((m) => m === spec.mean[0]) && spec.std.every((s) => s === spec.std[0]);
  const range = uniform ? `range=${round(lo)},${round(hi)}` : `mean=${spec.mean.map(round).join(',')}|std=${spec.std.map(round).join(',')}`;
  const size = spec.size === 'full' ? 'size=full' : `size=${spec.size.width}x${spec.size.height}:${spec.size.fit}:${spec.size.kernel ?? 'linear'}`;
  return `${range}|ch=${spec.channels.toLowerCase()}|${size}`;
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
