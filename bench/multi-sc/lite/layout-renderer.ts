/**
 * The lite profile's "generator": a transparent, non-learned renderer that paints what a caption
 * states, in place of the letter's Stable Diffusion + IP-Adapter.
 *
 * Each cell's colour name becomes its CIELAB centroid at the cell's centre; between centres the
 * grid is interpolated bilinearly in CIELAB (held constant beyond the outer centres), which smooths
 * the seams. Each cell's texture word becomes zero-mean noise on L* with that level's amplitude
 * (texture.ts; also interpolated between centres); the noise field comes from the harness RNG with
 * a fixed seed, so a layout always renders to the same pixels. Object mentions are not drawn: with
 * no learned generator there is nothing faithful to draw, and the receiver pastes the real object
 * from the received slice (`composite`).
 */
import { createImage, type RgbImage } from '../../image';
import { rngFromText } from '../../phy/rng';
import type { BlockLayout, GridSize } from './caption-grammar';
import { colourByName, labToLinear, linearToSrgb8 } from './colour-names';
import { type Box, gridRects } from './template-captioner';
import { TEXTURE_AMPLITUDE } from './texture';

// Module-level copies: under jest's sandbox each `Math.x` lookup in a hot loop is slow.
const { floor, round } = Math;

const NOISE_SEED = 'multi-sc/lite/layout-renderer/texture-noise';

/** Control points on a rectilinear grid: centres along x and y, and 4 values (L*, a*, b*, spread) per point. */
interface ControlGrid {
  xs: number[];
  ys: number[];
  values: Float32Array;
}

/** Per pixel column (or row): the two control indices around it and the weight of the second. */
function axisWeights(size: number, centres: number[]): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(size);
  const i1 = new Int32Array(size);
  const w = new Float32Array(size);
  let k = 0;
  for (let p = 0; p < size; p++) {
    const t = p + 0.5;
    while (k + 1 < centres.length && centres[k + 1] <= t) k++;
    if (t <= centres[0]) {
      i0[p] = i1[p] = 0;
    } else if (k + 1 >= centres.length) {
      i0[p] = i1[p] = centres.length - 1;
    } else {
      i0[p] = k;
      i1[p] = k + 1;
      w[p] = (t - centres[k]) / (centres[k + 1] - centres[k]);
    }
  }
  return { i0, i1, w };
}

/** Octaves of the texture noise: white noise at full, 1/2, 1/4 and 1/8 resolution, equal weights. */
const NOISE_OCTAVES = 4;

/** Recent fields by size (Kodak alternates landscape and portrait). */
const noiseCache = new Map<string, Float32Array>();

/**
 * The fixed texture field, unit variance per pixel: a sum of bilinearly upsampled white-noise
 * octaves, so the texture has structure at several scales like a photograph's rather than only
 * pixel grain (on Kodak24 this scored better than white noise in both LPIPS and, since the
 * embedding sees a 224² downscale where grain averages away, cosine).
 */
function noiseField(width: number, height: number): Float32Array {
  const key = `${width}x${height}`;
  const hit = noiseCache.get(key);
  if (hit) return hit;
  const rng = rngFromText(NOISE_SEED);
  const noise = new Float32Array(width * height);
  for (let k = 0; k < NOISE_OCTAVES; k++) {
    const step = 2 ** k;
    const gw = Math.ceil(width / step) + 1;
    const g = new Float32Array(gw * (Math.ceil(height / step) + 1));
    rng.fillNormal(g);
    for (let y = 0; y < height; y++) {
      const y0 = floor(y / step);
      const wy = y / step - y0;
      for (let x = 0; x < width; x++) {
        const x0 = floor(x / step);
        const wx = x / step - x0;
        const a = y0 * gw + x0;
        noise[y * width + x] += (1 - wy) * ((1 - wx) * g[a] + wx * g[a + 1]) + wy * ((1 - wx) * g[a + gw] + wx * g[a + gw + 1]);
      }
    }
  }
  let ss = 0;
  for (let i = 0; i < noise.length; i++) ss += noise[i] * noise[i];
  const norm = ss > 0 ? 1 / Math.sqrt(ss / noise.length) : 0;
  for (let i = 0; i < noise.length; i++) noise[i] *= norm;
  if (noiseCache.size >= 4) noiseCache.delete(noiseCache.keys().next().value as string);
  noiseCache.set(key, noise);
  return noise;
}

/** Linear light → 8-bit sRGB code, at 1/65535 steps (finer than a code step even near black). */
const LINEAR_TO_CODE: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  for (let i = 0; i < t.length; i++) t[i] = Math.round(linearToSrgb8(i / 65535));
  return t;
})();

const code = (v: number): number => LINEAR_TO_CODE[v <= 0 ? 0 : v >= 1 ? 65535 : round(v * 65535)];

function paint(grid: ControlGrid, width: number, height: number): RgbImage {
  const img = createImage(width, height);
  const X = axisWeights(width, grid.xs);
  const Y = axisWeights(height, grid.ys);
  const noise = noiseField(width, height);
  const cols = grid.xs.length;
  const v = grid.values;
  const lin = new Float32Array(3);
  const out = img.data;
  for (let y = 0; y < height; y++) {
    const r0 = Y.i0[y] * cols;
    const r1 = Y.i1[y] * cols;
    const wy = Y.w[y];
    for (let x = 0; x < width; x++) {
      const wx = X.w[x];
      const a00 = 4 * (r0 + X.i0[x]);
      const a01 = 4 * (r0 + X.i1[x]);
      const a10 = 4 * (r1 + X.i0[x]);
      const a11 = 4 * (r1 + X.i1[x]);
      const w00 = (1 - wy) * (1 - wx);
      const w01 = (1 - wy) * wx;
      const w10 = wy * (1 - wx);
      const w11 = wy * wx;
      const p = y * width + x;
      const L = w00 * v[a00] + w01 * v[a01] + w10 * v[a10] + w11 * v[a11];
      const A = w00 * v[a00 + 1] + w01 * v[a01 + 1] + w10 * v[a10 + 1] + w11 * v[a11 + 1];
      const B = w00 * v[a00 + 2] + w01 * v[a01 + 2] + w10 * v[a10 + 2] + w11 * v[a11 + 2];
      const amplitude = w00 * v[a00 + 3] + w01 * v[a01 + 3] + w10 * v[a10 + 3] + w11 * v[a11 + 3];
      labToLinear(L + amplitude * noise[p], A, B, lin);
      out[3 * p] = code(lin[0]);
      out[3 * p + 1] = code(lin[1]);
      out[3 * p + 2] = code(lin[2]);
    }
  }
  return img;
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new Error(`cannot render a ${width}x${height} image`);
}

const centre = (r: Box, axis: 'x' | 'y') => (axis === 'x' ? r.x + r.width / 2 : r.y + r.height / 2);

/**
 * Control grid of `layouts` (same cell grid each) laid out as `blocks` over width×height: cell
 * centres where the captioner's cells were (gridRects of each block rect).
 */
function controlGrid(layouts: readonly BlockLayout[], blocks: GridSize, width: number, height: number): ControlGrid {
  const { rows, cols } = layouts[0];
  const blockRects = gridRects(width, height, blocks);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let bc = 0; bc < blocks.cols; bc++) for (const r of gridRects(blockRects[bc].width, 1, { rows: 1, cols })) xs.push(blockRects[bc].x + centre(r, 'x'));
  for (let br = 0; br < blocks.rows; br++) {
    const b = blockRects[br * blocks.cols];
    for (const r of gridRects(1, b.height, { rows, cols: 1 })) ys.push(b.y + centre(r, 'y'));
  }
  const totalCols = blocks.cols * cols;
  const values = new Float32Array(xs.length * ys.length * 4);
  layouts.forEach((layout, b) => {
    const br = Math.floor(b / blocks.cols);
    const bc = b % blocks.cols;
    layout.cells.forEach((cell, i) => {
      const gy = br * rows + Math.floor(i / cols);
      const gx = bc * cols + (i % cols);
      const at = 4 * (gy * totalCols + gx);
      const lab = colourByName(cell.colour).lab;
      values[at] = lab[0];
      values[at + 1] = lab[1];
      values[at + 2] = lab[2];
      values[at + 3] = TEXTURE_AMPLITUDE[cell.texture] ?? 0;
    });
  });
  return { xs, ys, values };
}

/** The image one layout describes, at width×height. */
export function renderLayout(layout: BlockLayout, width: number, height: number): RgbImage {
  return renderImageFromBlocks([layout], { rows: 1, cols: 1 }, width, height);
}

/**
 * The image of a block grid (Multi-SC: 2×2) from one layout per block, row-major. When all blocks
 * share one cell grid they are rendered as one larger grid, so colours also blend across block
 * seams; otherwise each block is rendered alone and pasted at its place.
 */
export function renderImageFromBlocks(layouts: readonly BlockLayout[], blocks: GridSize, width: number, height: number): RgbImage {
  checkSize(width, height);
  if (layouts.length !== blocks.rows * blocks.cols) throw new Error(`${layouts.length} layouts for a ${blocks.rows}x${blocks.cols} block grid`);
  for (const l of layouts) if (l.cells.length !== l.rows * l.cols || l.rows < 1 || l.cols < 1) throw new Error(`layout with ${l.cells.length} cells for a ${l.rows}x${l.cols} grid`);
  const rects = gridRects(width, height, blocks);
  if (rects.some((r) => r.width < 1 || r.height < 1)) throw new Error(`a ${width}x${height} image cannot hold ${blocks.rows}x${blocks.cols} blocks`);
  if (layouts.every((l) => l.rows === layouts[0].rows && l.cols === layouts[0].cols)) {
    return paint(controlGrid(layouts, blocks, width, height), width, height);
  }
  const img = createImage(width, height);
  layouts.forEach((layout, b) => {
    const r = rects[b];
    const part = paint(controlGrid([layout], { rows: 1, cols: 1 }, r.width, r.height), r.width, r.height);
    for (let y = 0; y < r.height; y++) img.data.set(part.data.subarray(y * r.width * 3, (y + 1) * r.width * 3), ((r.y + y) * width + r.x) * 3);
  });
  return img;
}

/**
 * Pastes the received object slice onto a rendered background: under the slice's mask each pixel
 * becomes (1 − λ)·background + λ·slice, λ = `weight` (--ip-weight) clipped to 0..1; λ = 0 leaves
 * the text-only image, λ = 1 puts the slice's pixels in. `box` places the slice (its size) in
 * the background; parts outside the background are cut off. Returns a new image.
 */
export function composite(background: RgbImage, slice: RgbImage, sliceMask: Uint8Array, box: Box, weight: number): RgbImage {
  if (!Number.isFinite(weight)) throw new Error(`composite weight must be a number, got ${weight}`);
  if (slice.width !== box.width || slice.height !== box.height) throw new Error(`slice is ${slice.width}x${slice.height}, box is ${box.width}x${box.height}`);
  if (sliceMask.length !== slice.width * slice.height) throw new Error(`slice mask has ${sliceMask.length} values for a ${slice.width}x${slice.height} slice`);
  const out = createImage(background.width, background.height, background.data.slice());
  const lambda = Math.min(1, Math.max(0, weight));
  if (lambda === 0) return out;
  for (let sy = 0; sy < slice.height; sy++) {
    const y = box.y + sy;
    if (y < 0 || y >= background.height) continue;
    for (let sx = 0; sx < slice.width; sx++) {
      const x = box.x + sx;
      if (x < 0 || x >= background.width || !sliceMask[sy * slice.width + sx]) continue;
      const o = 3 * (y * background.width + x);
      const s = 3 * (sy * slice.width + sx);
      for (let k = 0; k < 3; k++) out.data[o + k] = Math.round((1 - lambda) * out.data[o + k] + lambda * slice.data[s + k]);
    }
  }
  return out;
}
