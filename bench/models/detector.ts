import sharp from 'sharp';
import { UserError } from '../errors';
import { createImage, type RgbImage } from '../image';
import type { Box } from './box';
import { COCO_LABELS } from './coco-labels';
import { cachedCall, imageHash, LruCache } from './image-cache';
import { imagesToTensor } from './image-input';
import { modelEntry } from './registry';
import { modelSession, type SessionOptions } from './session';

/**
 * Object detection for the lite template captioner: YOLOX with its raw head (per anchor x, y, w, h
 * relative to a grid cell, objectness, one score per COCO class), decoded here as YOLOX's own
 * demo does: grids at strides 8/16/32, score = objectness × class score, NMS per class.
 */

export const DEFAULT_DETECTOR = 'yolox-nano-coco';

/** YOLOX's feature-map strides; their grids cover the input in this order in the output rows. */
const STRIDES = [8, 16, 32];

export interface DetectorOptions extends SessionOptions {
  /** Minimum objectness × class score (default 0.3). */
  scoreThreshold?: number;
  /** Of two boxes of one class overlapping by more than this IoU, the weaker is dropped (default 0.45). */
  iouThreshold?: number;
  /** Reuse recent results in memory (default true). */
  cache?: boolean;
}

export interface Detection {
  /** COCO category name, e.g. 'bird'. */
  label: string;
  /** Index into COCO_LABELS. */
  classId: number;
  score: number;
  /** In the input image's pixels, clipped to the image. */
  box: Box;
}

export interface Detector {
  readonly modelId: string;
  readonly signature: string;
  /** Detections sorted by score, best first. Shared between callers: do not modify. */
  detect(image: RgbImage): Promise<Detection[]>;
}

/** A box in letterboxed input pixels, corners (x1, y1)–(x2, y2). */
export interface Candidate {
  classId: number;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

const memory = new LruCache<Promise<Detection[]>>(64);

export async function createDetector(modelId: string = DEFAULT_DETECTOR, opts: DetectorOptions = {}): Promise<Detector> {
  const scoreThreshold = opts.scoreThreshold ?? 0.3;
  const iouThreshold = opts.iouThreshold ?? 0.45;
  for (const [name, value, hint] of [['scoreThreshold', scoreThreshold, 0.3], ['iouThreshold', iouThreshold, 0.45]] as const) {
    if (!(value > 0 && value <= 1)) throw new UserError(`detector ${name} ${value} is outside (0, 1]; use e.g. ${hint}`);
  }
  const entry = modelEntry(modelId);
  const spec = entry.imageInput;
  if (entry.role !== 'detector' || !spec || spec.size === 'full' || spec.size.fit !== 'letterbox') {
    throw new UserError(`model ${modelId} is a ${entry.role}, not a letterboxed detector; pick one of the detector models`);
  }
  const { file, session } = await modelSession(modelId, opts);
  const signature = `detector:${modelId}|sha=${file.sha256.slice(0, 12)}|score=${scoreThreshold}|iou=${iouThreshold}`;
  const { width: inputWidth, height: inputHeight, pad = 114 } = spec.size;
  const inputName = entry.inputs[0].name;
  const outputName = entry.outputs[0].name;

  const run = async (image: RgbImage): Promise<Detection[]> => {
    const { input, ratio } = await letterbox(image, inputWidth, inputHeight, pad);
    const result = await session.run({ [inputName]: await imagesToTensor([input], spec) }, [outputName]);
    const raw = result[outputName];
    const [, anchors, values] = raw.dims;
    if (values - 5 !== COCO_LABELS.length) throw new Error(`${modelId}: ${values - 5} class scores, expected the ${COCO_LABELS.length} COCO classes`);
    const candidates = decodeYolox(raw.data as Float32Array, anchors, inputWidth, inputHeight, scoreThreshold);
    return nmsPerClass(candidates, iouThreshold).map((c) => toDetection(c, ratio, image));
  };

  return {
    modelId,
    signature,
    detect: (image) => (opts.cache === false ? run(image) : cachedCall(memory, `${signature}|${imageHash(image)}`, () => run(image))),
  };
}

/**
 * YOLOX's test-time transform: scale by r = min(W/w, H/h) (sizes rounded down, as YOLOX does),
 * place at the top-left, fill the rest with `pad`.
 */
async function letterbox(image: RgbImage, width: number, height: number, pad: number): Promise<{ input: RgbImage; ratio: number }> {
  const ratio = Math.min(width / image.width, height / image.height);
  const w = Math.max(1, Math.floor(image.width * ratio));
  const h = Math.max(1, Math.floor(image.height * ratio));
  const resized = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  const input = createImage(width, height, new Uint8Array(width * height * 3).fill(pad));
  for (let y = 0; y < h; y++) input.data.set(resized.subarray(y * w * 3, (y + 1) * w * 3), y * width * 3);
  return { input, ratio };
}

/** Every (anchor, class) whose objectness × class score reaches the threshold, as corner boxes. */
export function decodeYolox(raw: Float32Array, anchors: number, inputWidth: number, inputHeight: number, scoreThreshold: number): Candidate[] {
  const values = raw.length / anchors;
  const classes = values - 5;
  const out: Candidate[] = [];
  let a = 0;
  for (const stride of STRIDES) {
    const gridWidth = inputWidth / stride;
    const gridHeight = inputHeight / stride;
    for (let gy = 0; gy < gridHeight; gy++) {
      for (let gx = 0; gx < gridWidth; gx++, a++) {
        const o = a * values;
        const objectness = raw[o + 4];
        // Class scores are at most 1, so a weak objectness rules out every class.
        if (objectness < scoreThreshold) continue;
        const cx = (raw[o] + gx) * stride;
        const cy = (raw[o + 1] + gy) * stride;
        const w = Math.exp(raw[o + 2]) * stride;
        const h = Math.exp(raw[o + 3]) * stride;
        for (let c = 0; c < classes; c++) {
          const score = objectness * raw[o + 5 + c];
          if (score >= scoreThreshold) out.push({ classId: c, score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });
        }
      }
    }
  }
  if (a !== anchors) throw new Error(`YOLOX output has ${anchors} anchors, strides ${STRIDES.join('/')} over ${inputWidth}x${inputHeight} give ${a}`);
  return out;
}

function iou(p: Candidate, q: Candidate): number {
  const w = Math.min(p.x2, q.x2) - Math.max(p.x1, q.x1);
  const h = Math.min(p.y2, q.y2) - Math.max(p.y1, q.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((p.x2 - p.x1) * (p.y2 - p.y1) + (q.x2 - q.x1) * (q.y2 - q.y1) - inter);
}

/** Greedy non-maximum suppression within each class; the survivors sorted by score, best first. */
export function nmsPerClass(candidates: readonly Candidate[], iouThreshold: number): Candidate[] {
  const kept: Candidate[] = [];
  for (const c of [...candidates].sort((p, q) => q.score - p.score)) {
    if (!kept.some((k) => k.classId === c.classId && iou(k, c) > iouThreshold)) kept.push(c);
  }
  return kept;
}

/** Back from letterboxed input pixels to the image's, clipped to it. */
export function toDetection(c: Candidate, ratio: number, image: RgbImage): Detection {
  const clip = (v: number, max: number) => Math.min(Math.max(v / ratio, 0), max);
  const x1 = clip(c.x1, image.width);
  const y1 = clip(c.y1, image.height);
  return {
    label: COCO_LABELS[c.classId],
    classId: c.classId,
    score: c.score,
    box: { x: x1, y: y1, width: clip(c.x2, image.width) - x1, height: clip(c.y2, image.height) - y1 },
  };
}
