import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { UserError } from '../errors';
import { codeVersion } from '../code-version';
import { cacheDir } from '../fetch/cache-dir';
import { writeFileAtomic } from '../fs-atomic';
import { createImage, type RgbImage } from '../image';
import type { ImageSource } from '../schemes/scheme';
import type { Box } from './box';
import { cachedCall, imageHash, LruCache } from './image-cache';
import { imagesToTensor } from './image-input';
import { modelEntry } from './registry';
import { modelSession, type SessionOptions } from './session';

/**
 * The main-object cut of the Multi-SC transmitter (the letter's FCN; here IS-Net salient-object
 * segmentation): probability map → threshold → connected components → mask, box and slice.
 * An image without a salient object gives an empty mask and `box: null`: an outcome the schemes
 * report ("no main object"), not an error.
 */

/**
 * The fp32 build: on the 2-vCPU development machine (AMD EPYC) it costs no more CPU time per
 * image than the quantized one (~4 s; ONNX Runtime's int8 convolutions are not faster there),
 * and its masks are cleaner (the quantized build speckles kodim19's sky and grass). Measured by
 * bench-models.ts.
 */
export const DEFAULT_SEGMENTER = 'isnet-general';

export interface SegmenterOptions extends SessionOptions {
  /** A pixel is foreground when its probability is ≥ this (default 0.5). */
  threshold?: number;
  /**
   * Components whose area is ≥ this fraction of the largest are kept (default 0.25): keeping only
   * the largest would drop the second parrot of kodim23.
   */
  minRelativeArea?: number;
  /** Components smaller than this fraction of the image are specks, dropped (default 0.001). */
  minAreaFraction?: number;
  /**
   * Reuse results (default true): recent ones in memory, and every mask on disk under
   * `<cache dir>/segmentation/` across runs, since a segmentation costs seconds.
   */
  cache?: boolean;
}

interface SegmentationBase {
  width: number;
  height: number;
  /** width·height values, row-major: 1 = main object, 0 = background. Shared between callers: do not modify. */
  mask: Uint8Array;
  area: { pixels: number; fraction: number };
}

/** `box`, `slice` and `sliceMask` are all null exactly when the mask is empty. */
export type Segmentation = SegmentationBase &
  (
    | {
        /** Bounding box of the mask. */
        box: Box;
        /** The image inside `box` with background pixels set to black. */
        slice: RgbImage;
        /** `mask` inside `box` (box.width·box.height values). */
        sliceMask: Uint8Array;
      }
    | { box: null; slice: null; sliceMask: null }
  );

export interface Segmenter {
  readonly modelId: string;
  /** Model, file and parameters: what a result row records as the segmentation's provenance. */
  readonly signature: string;
  /** `source`: where the image comes from (an oracle segmenter reads its annotation). */
  segment(image: RgbImage, source?: ImageSource): Promise<Segmentation>;
}

/** Recent results of every segmenter in this process, keyed by model file, parameters and image content. */
const memory = new LruCache<Promise<Segmentation>>(32);

export async function createSegmenter(modelId: string = DEFAULT_SEGMENTER, opts: SegmenterOptions = {}): Promise<Segmenter> {
  const threshold = opts.threshold ?? 0.5;
  const minRelativeArea = opts.minRelativeArea ?? 0.25;
  const minAreaFraction = opts.minAreaFraction ?? 0.001;
  for (const [name, value, hint] of [['threshold', threshold, 0.5], ['minRelativeArea', minRelativeArea, 0.25], ['minAreaFraction', minAreaFraction, 0.001]] as const) {
    if (!(value >= 0 && value < 1)) throw new UserError(`segmentation ${name} ${value} is outside [0, 1); use e.g. ${hint}`);
  }
  const entry = modelEntry(modelId);
  const spec = entry.imageInput;
  if (entry.role !== 'segmenter' || !spec) throw new UserError(`model ${modelId} is a ${entry.role}, not a segmenter; pick one of the segmenter models`);
  const { file, session } = await modelSession(modelId, opts);
  const params = `t=${threshold}|keep=${minRelativeArea}|min=${minAreaFraction}`;
  const signature = `segmenter:${modelId}|sha=${file.sha256.slice(0, 12)}|${params}`;
  // Keyed by the model and by this module's code (pre- and post-processing): a mask written by
  // other code is never read back.
  const diskDir = path.join(cacheDir(opts.cacheDir), 'segmentation', `${modelId}-${file.sha256.slice(0, 12)}-code-${codeVersion(__filename).slice(0, 12)}`);
  const inputName = entry.inputs[0].name;
  const outputName = entry.outputs[0].name;

  const objectMask = async (image: RgbImage): Promise<Uint8Array> => {
    const result = await session.run({ [inputName]: await imagesToTensor([image], spec) }, [outputName]);
    const probability = result[outputName];
    const [mapHeight, mapWidth] = probability.dims.slice(-2);
    const binary = thresholdResized(probability.data as Float32Array, mapWidth, mapHeight, image.width, image.height, threshold);
    const minPixels = Math.ceil(minAreaFraction * image.width * image.height);
    return keepMainComponents(binary, image.width, image.height, minRelativeArea, minPixels);
  };

  const segment = async (image: RgbImage): Promise<Segmentation> => {
    if (opts.cache === false) return segmentationFromMask(image, await objectMask(image));
    const hash = imageHash(image);
    return cachedCall(memory, `${signature}|${hash}`, async () => {
      const diskFile = path.join(diskDir, `${hash}-${params.replace(/[|=]/g, '_')}.png`);
      let mask = await readMask(diskFile, image.width, image.height);
      if (!mask) {
        mask = await objectMask(image);
        writeFileAtomic(diskFile, await encodeMask(mask, image.width, image.height));
      }
      return segmentationFromMask(image, mask);
    });
  };

  return { modelId, signature, segment };
}

/**
 * Samples a probability map (row-major, mapWidth×mapHeight) at every pixel centre of a
 * width×height image, bilinearly (half-pixel centres, edges clamped), and thresholds it.
 */
export function thresholdResized(
  map: Float32Array,
  mapWidth: number,
  mapHeight: number,
  width: number,
  height: number,
  threshold: number,
): Uint8Array {
  const axis = (n: number, mapN: number) => {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const frac = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const s = Math.min(Math.max((i + 0.5) * (mapN / n) - 0.5, 0), mapN - 1);
      lo[i] = Math.floor(s);
      hi[i] = Math.min(lo[i] + 1, mapN - 1);
      frac[i] = s - lo[i];
    }
    return { lo, hi, frac };
  };
  const xs = axis(width, mapWidth);
  const ys = axis(height, mapHeight);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row0 = ys.lo[y] * mapWidth;
    const row1 = ys.hi[y] * mapWidth;
    const fy = ys.frac[y];
    for (let x = 0; x < width; x++) {
      const x0 = xs.lo[x];
      const x1 = xs.hi[x];
      const fx = xs.frac[x];
      const top = map[row0 + x0] + fx * (map[row0 + x1] - map[row0 + x0]);
      const bottom = map[row1 + x0] + fx * (map[row1 + x1] - map[row1 + x0]);
      out[y * width + x] = top + fy * (bottom - top) >= threshold ? 1 : 0;
    }
  }
  return out;
}

/**
 * The 8-connected components of a binary mask that are at least `minRelativeArea` × the largest
 * component and at least `minPixels` pixels; everything else becomes background.
 */
export function keepMainComponents(binary: Uint8Array, width: number, height: number, minRelativeArea: number, minPixels: number): Uint8Array {
  const labels = new Int32Array(width * height); // 0 = background or not yet visited
  const areas = [0];
  const stack = new Int32Array(width * height);
  for (let start = 0; start < binary.length; start++) {
    if (!binary[start] || labels[start]) continue;
    const label = areas.length;
    let area = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const p = stack[--top];
      area++;
      const px = p % width;
      const py = (p - px) / width;
      for (let y = Math.max(py - 1, 0); y <= Math.min(py + 1, height - 1); y++) {
        for (let x = Math.max(px - 1, 0); x <= Math.min(px + 1, width - 1); x++) {
          const q = y * width + x;
          if (binary[q] && !labels[q]) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
    }
    areas.push(area);
  }
  const largest = areas.reduce((a, b) => Math.max(a, b), 0);
  const keep = areas.map((a) => a > 0 && a >= minRelativeArea * largest && a >= minPixels);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = keep[labels[i]] ? 1 : 0;
  return out;
}

/** Area, bounding box and the background-blacked crop of an image's object mask. */
export function segmentationFromMask(image: RgbImage, mask: Uint8Array): Segmentation {
  const { width, height } = image;
  if (mask.length !== width * height) throw new Error(`mask has ${mask.length} values, expected ${width * height} for ${width}x${height}`);
  let pixels = 0;
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask[y * width + x]) continue;
      pixels++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  const area = { pixels, fraction: pixels / (width * height) };
  if (pixels === 0) return { width, height, mask, area, box: null, slice: null, sliceMask: null };
  const box = { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  const slice = createImage(box.width, box.height);
  const sliceMask = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const src = (y + box.y) * width + x + box.x;
      if (!mask[src]) continue;
      const dst = y * box.width + x;
      sliceMask[dst] = 1;
      slice.data.set(image.data.subarray(3 * src, 3 * src + 3), 3 * dst);
    }
  }
  return { width, height, mask, area, box, slice, sliceMask };
}

/** Masks are cached as greyscale PNGs (0 / 255), small and viewable. */
async function encodeMask(mask: Uint8Array, width: number, height: number): Promise<Buffer> {
  const grey = Buffer.from(mask.map((v) => v * 255));
  return sharp(grey, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

/** A cached mask, or null when there is none or it is unreadable (then it is recomputed and rewritten). */
async function readMask(file: string, width: number, height: number): Promise<Uint8Array | null> {
  if (!fs.existsSync(file)) return null;
  try {
    const { data, info } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    if (info.width !== width || info.height !== height) return null;
    return Uint8Array.from(data, (v) => (v >= 128 ? 1 : 0));
  } catch {
    return null;
  }
}
