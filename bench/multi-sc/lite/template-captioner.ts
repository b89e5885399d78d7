/**
 * The lite profile's captioner: in place of the letter's VLM, a template that writes what a block
 * holds in the grammar of caption-grammar.ts: the detected objects (count, COCO label, position),
 * then a grid of cells, each named by its mean colour (CIELAB, nearest of colour-names.ts) and by
 * the spread of its luminance (texture.ts).
 *
 * Cell colours are computed over background pixels only when a main-object mask is given: the
 * receiver pastes the object back from the slice, so the background under it is what the text must
 * carry (a prototype measured lower LPIPS this way). A cell that is (nearly) all object falls back
 * to all its pixels.
 */
import type { RgbImage } from '../../image';
import type { Detection } from '../../models/detector';
import { linearToLab, nameLab, SRGB_TO_LINEAR } from './colour-names';
import { type BlockLayout, DEFAULT_GRID, type GridSize, type LayoutCell, MANY, MAX_MENTIONS, NEUTRAL_CELL, type ObjectMention, OBJECT_LABELS, type Position, writeCaption } from './caption-grammar';
import { textureOf } from './texture';

export type Box = Detection['box'];

export interface CaptionOptions {
  /** block.width·block.height values, 1 = main object; absent = no object, all pixels count. */
  mask?: Uint8Array | null;
  /** Detections inside the block, boxes in the block's pixels (see `detectionsInBlock`). */
  detections?: readonly Detection[];
  /** Colour cells per block (default 3×3, `DEFAULT_GRID`; measure-lite.ts compares others). */
  grid?: GridSize;
}

export interface BlockCaption {
  text: string;
  layout: BlockLayout;
}

/** A cell with fewer background pixels than this is described from all its pixels. */
const MIN_BACKGROUND_PIXELS = 16;

/** Integer rectangles that tile width×height in `grid` (row-major); sides split as floor(i·W/n). */
export function gridRects(width: number, height: number, grid: GridSize): Box[] {
  const rects: Box[] = [];
  for (let r = 0; r < grid.rows; r++) {
    const y0 = Math.floor((r * height) / grid.rows);
    const y1 = Math.floor(((r + 1) * height) / grid.rows);
    for (let c = 0; c < grid.cols; c++) {
      const x0 = Math.floor((c * width) / grid.cols);
      const x1 = Math.floor(((c + 1) * width) / grid.cols);
      rects.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
  }
  return rects;
}

export function cropImage(image: RgbImage, rect: Box): RgbImage {
  const data = new Uint8Array(rect.width * rect.height * 3);
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.y + y) * image.width + rect.x) * 3;
    data.set(image.data.subarray(from, from + rect.width * 3), y * rect.width * 3);
  }
  return { width: rect.width, height: rect.height, data };
}

export function cropMask(mask: Uint8Array, width: number, rect: Box): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) out.set(mask.subarray((rect.y + y) * width + rect.x, (rect.y + y) * width + rect.x + rect.width), y * rect.width);
  return out;
}

/** The detections whose box centre lies in `rect`, boxes clipped to it and moved to its pixels. */
export function detectionsInBlock(detections: readonly Detection[], rect: Box): Detection[] {
  const out: Detection[] = [];
  for (const d of detections) {
    const cx = d.box.x + d.box.width / 2;
    const cy = d.box.y + d.box.height / 2;
    if (cx < rect.x || cx >= rect.x + rect.width || cy < rect.y || cy >= rect.y + rect.height) continue;
    const x0 = Math.max(d.box.x, rect.x);
    const y0 = Math.max(d.box.y, rect.y);
    const x1 = Math.min(d.box.x + d.box.width, rect.x + rect.width);
    const y1 = Math.min(d.box.y + d.box.height, rect.y + rect.height);
    out.push({ ...d, box: { x: x0 - rect.x, y: y0 - rect.y, width: x1 - x0, height: y1 - y0 } });
  }
  return out;
}

function positionOf(box: Box, width: number, height: number): Position {
  const third = (v: number, size: number) => Math.min(2, Math.max(0, Math.floor((3 * v) / size)));
  const h = ['left', '', 'right'][third(box.x + box.width / 2, width)];
  const v = ['top', '', 'bottom'][third(box.y + box.height / 2, height)];
  return ([v, h].filter(Boolean).join(' ') || 'center') as Position;
}

/** Detections grouped by (label, position), strongest group first, at most MAX_MENTIONS. */
function mentionsOf(detections: readonly Detection[], width: number, height: number): ObjectMention[] {
  const groups = new Map<string, { mention: ObjectMention; best: number }>();
  for (const d of detections) {
    if (!OBJECT_LABELS.includes(d.label)) continue;
    const position = positionOf(d.box, width, height);
    const key = `${d.label}|${position}`;
    const g = groups.get(key);
    if (g) {
      g.mention.count = Math.min(MANY, g.mention.count + 1);
      g.best = Math.max(g.best, d.score);
    } else groups.set(key, { mention: { count: 1, label: d.label, position }, best: d.score });
  }
  return [...groups.values()]
    .sort((a, b) => b.best - a.best)
    .slice(0, MAX_MENTIONS)
    .map((g) => g.mention);
}

/** CIELAB of every pixel (3 floats each). */
function labPlane(image: RgbImage): Float32Array {
  const lab = new Float32Array(image.width * image.height * 3);
  const d = image.data;
  for (let i = 0; i < lab.length; i += 3) linearToLab(SRGB_TO_LINEAR[d[i]], SRGB_TO_LINEAR[d[i + 1]], SRGB_TO_LINEAR[d[i + 2]], lab, i);
  return lab;
}

/** Mean colour name and texture (texture.ts) of one cell, over the pixels `use` admits. */
function describeCell(lab: Float32Array, width: number, rect: Box, use: (p: number) => boolean): LayoutCell {
  let n = 0;
  let sL = 0;
  let sA = 0;
  let sB = 0;
  let pairs = 0;
  let sDD = 0;
  const x1 = rect.x + rect.width;
  const y1 = rect.y + rect.height;
  for (let y = rect.y; y < y1; y++) {
    for (let x = rect.x; x < x1; x++) {
      const p = y * width + x;
      if (!use(p)) continue;
      const L = lab[3 * p];
      n++;
      sL += L;
      sA += lab[3 * p + 1];
      sB += lab[3 * p + 2];
      if (x + 1 < x1 && use(p + 1)) {
        sDD += (lab[3 * p + 3] - L) ** 2;
        pairs++;
      }
      if (y + 1 < y1 && use(p + width)) {
        sDD += (lab[3 * (p + width)] - L) ** 2;
        pairs++;
      }
    }
  }
  if (n === 0) return { ...NEUTRAL_CELL };
  return { colour: nameLab(sL / n, sA / n, sB / n), texture: textureOf(pairs > 0 ? Math.sqrt(sDD / pairs / 2) : 0) };
}

/** The caption of one block and the layout it states. */
export function captionBlock(block: RgbImage, opts: CaptionOptions = {}): BlockCaption {
  const grid = opts.grid ?? DEFAULT_GRID;
  const { width, height } = block;
  const mask = opts.mask ?? null;
  if (mask && mask.length !== width * height) throw new Error(`mask has ${mask.length} values, block is ${width}x${height}`);
  const lab = labPlane(block);
  const cells = gridRects(width, height, grid).map((rect) => {
    let background = 0;
    if (mask) for (let y = rect.y; y < rect.y + rect.height; y++) for (let x = rect.x; x < rect.x + rect.width; x++) background += mask[y * width + x] ? 0 : 1;
    const onlyBackground = mask !== null && background >= MIN_BACKGROUND_PIXELS;
    return describeCell(lab, width, rect, onlyBackground ? (p) => mask[p] === 0 : () => true);
  });
  const layout: BlockLayout = { objects: mentionsOf(opts.detections ?? [], width, height), rows: grid.rows, cols: grid.cols, cells };
  return { text: writeCaption(layout), layout };
}

export interface ImageCaptionOptions extends CaptionOptions {
  /** How the image is cut into blocks: 2×2 for Multi-SC, 1×1 for single-text SC and VLM-CSC. */
  blocks: GridSize;
  /** Detections in the whole image's pixels. */
  detections?: readonly Detection[];
  /** Mask over the whole image. */
  mask?: Uint8Array | null;
}

/** One caption per block, row-major, as Multi-SC (blocks 2×2) or single-text SC (1×1) sends them. */
export function captionImage(image: RgbImage, opts: ImageCaptionOptions): BlockCaption[] {
  if (opts.mask && opts.mask.length !== image.width * image.height) throw new Error(`mask has ${opts.mask.length} values, image is ${image.width}x${image.height}`);
  return gridRects(image.width, image.height, opts.blocks).map((rect) =>
    captionBlock(cropImage(image, rect), {
      grid: opts.grid,
      mask: opts.mask ? cropMask(opts.mask, image.width, rect) : null,
      detections: detectionsInBlock(opts.detections ?? [], rect),
    }),
  );
}
