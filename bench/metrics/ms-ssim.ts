import { RgbImage } from '../image';
import { UserError } from '../errors';
import { assertSameSize } from './psnr';

/**
 * SSIM and MS-SSIM (Wang, Simoncelli & Bovik, "Multi-scale structural similarity for image
 * quality assessment", Asilomar 2003), on 8-bit RGB.
 *
 * Per scale, with an 11×11 Gaussian window (σ = 1.5) and L = 255:
 *   l  = (2·μx·μy + C1) / (μx² + μy² + C1),      C1 = (0.01·L)²
 *   cs = (2·σxy + C2)   / (σx² + σy² + C2),      C2 = (0.03·L)²
 * Only windows lying fully inside the image are used ('valid' filtering, as in the authors' MATLAB
 * code), so the borders are never padded with made-up pixels.
 *
 * MS-SSIM = Π_{j=1..4} mean(cs_j)^w_j · mean(l_5·cs_5)^w_5, weights w = [0.0448, 0.2856, 0.3001,
 * 0.2363, 0.1333], and the image is 2×2-average pooled between scales (an odd last row/column is
 * dropped). A negative per-scale mean is clamped to 0 before the power, as pytorch_msssim does
 * (relu), since a fractional power of a negative number is undefined; the result is then 0.
 *
 * Colour: each of R, G, B is scored on its own and the three MS-SSIM (or SSIM) values are averaged.
 */
export const MS_SSIM_SIGNATURE =
  'ms-ssim:win=gauss11|sigma=1.5|k1=0.01|k2=0.03|scales=5|weights=wang2003|pool=avg2|channels=rgb-mean|pad=valid|clamp=relu';
export const SSIM_SIGNATURE = 'ssim:win=gauss11|sigma=1.5|k1=0.01|k2=0.03|channels=rgb-mean|pad=valid';

export const MS_SSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];
const SCALES = MS_SSIM_WEIGHTS.length;
const WIN = 11;
/** Moment maps filtered per scale and reconstruction: μy, E[x² + y²], E[xy] (μx is the source's). */
const MAPS = 3;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;
/** The coarsest scale still needs one full window: 11 · 2^(5−1). */
export const MS_SSIM_MIN_SIDE = WIN << (SCALES - 1);

/** 1-D Gaussian taps; the 2-D window is their outer product, so it is normalised too. */
const G: Float64Array = (() => {
  const g = new Float64Array(WIN);
  let sum = 0;
  for (let k = 0; k < WIN; k++) sum += g[k] = Math.exp(-((k - 5) ** 2) / (2 * 1.5 * 1.5));
  return g.map((v) => v / sum);
})();

/** One colour channel of one scale, as float64 values on 0..255. */
interface Plane {
  readonly width: number;
  readonly height: number;
  readonly v: Float64Array;
}

/** Means over the valid region of the cs map and of the SSIM map (l·cs). */
interface ScaleScore {
  cs: number;
  ssim: number;
}

/** One scale of one source channel: the plane and its local means μx over the valid windows. */
interface SourceScale {
  x: Plane;
  /** (height − 10) rows of (width − 10) means. */
  mu: Float64Array;
}

/**
 * The source's side of (MS-)SSIM, computed once per image and shared by every reconstruction of
 * it: each channel's planes at every scale and their local means. The same arithmetic as before
 * the split, so the scores are bit-identical to computing both sides per pair.
 */
export interface SsimSource {
  readonly width: number;
  readonly height: number;
  /** [channel][scale] */
  readonly channels: readonly (readonly SourceScale[])[];
}

/** The source side for SSIM (1 scale) or MS-SSIM (5 scales). */
export function ssimSource(a: RgbImage, scales: 1 | typeof SCALES = SCALES): SsimSource {
  if (scales === SCALES) checkMsSsimSize(a);
  else if (Math.min(a.width, a.height) < WIN) throw new UserError(`SSIM needs images of at least ${WIN}x${WIN} px, got ${a.width}x${a.height}`);
  const channels = splitChannels(a).map((x0) => {
    const out: SourceScale[] = [];
    let x = x0;
    for (let s = 0; s < scales; s++) {
      if (s > 0) x = halve(x);
      out.push({ x, mu: localMeans(x) });
    }
    return out;
  });
  return { width: a.width, height: a.height, channels };
}

/**
 * Mean SSIM (single scale, the valid-window mean of l·cs), averaged over R, G, B. Not clamped: it
 * is a plain mean, so it can be negative (anti-correlated images), as in the original SSIM.
 */
export function ssim(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, 'SSIM');
  const src = ssimSource(a, 1);
  const ys = splitChannels(b);
  let sum = 0;
  for (let c = 0; c < 3; c++) sum += scoreScale(src.channels[c][0], ys[c]).ssim;
  return sum / 3;
}

/** MS-SSIM after Wang et al. 2003, averaged over R, G, B (see the module comment). */
export function msSsim(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, 'MS-SSIM');
  return msSsimFrom(ssimSource(a), b);
}

/** MS-SSIM of `b` against a source prepared by `ssimSource` (5 scales). */
export function msSsimFrom(src: SsimSource, b: RgbImage): number {
  assertSameSize(src, b, 'MS-SSIM');
  if (src.channels[0].length !== SCALES) throw new Error(`MS-SSIM needs a source prepared with ${SCALES} scales`);
  const ys = splitChannels(b);
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    let y = ys[c];
    let value = 1;
    for (let s = 0; s < SCALES; s++) {
      const score = scoreScale(src.channels[c][s], y);
      const last = s === SCALES - 1;
      value *= Math.max(last ? score.ssim : score.cs, 0) ** MS_SSIM_WEIGHTS[s];
      if (!last) y = halve(y);
    }
    sum += value;
  }
  return sum / 3;
}

function checkMsSsimSize(img: { width: number; height: number }): void {
  if (Math.min(img.width, img.height) < MS_SSIM_MIN_SIDE) {
    throw new UserError(
      `MS-SSIM needs images at least ${MS_SSIM_MIN_SIDE} px on the smaller side (5 scales, each halving the ` +
        `image, with an 11x11 window at the coarsest), got ${img.width}x${img.height}; use PSNR or SSIM for smaller images`,
    );
  }
}

/** Splits interleaved RGB into three float planes in one pass over the bytes. */
function splitChannels(img: RgbImage): Plane[] {
  const n = img.width * img.height;
  const r = new Float64Array(n);
  const g = new Float64Array(n);
  const b = new Float64Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    r[i] = d[j];
    g[i] = d[j + 1];
    b[i] = d[j + 2];
  }
  return [r, g, b].map((v) => ({ width: img.width, height: img.height, v }));
}

/** 2×2 average pooling; an odd last row/column has no partner and is dropped. */
function halve(p: Plane): Plane {
  const w = p.width >> 1;
  const h = p.height >> 1;
  const v = new Float64Array(w * h);
  const src = p.v;
  const below = p.width;
  for (let i = 0; i < h; i++) {
    for (let j = 0, o = i * w, s = 2 * i * below; j < w; j++, o++, s += 2) {
      v[o] = (src[s] + src[s + 1] + src[s + below] + src[s + below + 1]) * 0.25;
    }
  }
  return { width: w, height: h, v };
}

/**
 * The local means of a plane over the valid windows: each row is filtered horizontally into a ring
 * of the last 11 rows, and each output row vertically from that ring.
 */
function localMeans(x: Plane): Float64Array {
  const w = x.width;
  const wo = w - WIN + 1;
  const ho = x.height - WIN + 1;
  const ring = new Float64Array(WIN * wo);
  const mu = new Float64Array(ho * wo);
  const offs = new Int32Array(WIN);
  for (let r = 0; r < x.height; r++) {
    filterRow(x.v, r * w, ring, (r % WIN) * wo, wo);
    if (r < WIN - 1) continue;
    const top = r - WIN + 1;
    for (let k = 0; k < WIN; k++) offs[k] = ((top + k) % WIN) * wo;
    filterColumn(ring, offs, 0, mu, top * wo, wo);
  }
  return mu;
}

/**
 * SSIM statistics of one scale. μx comes with the source; three local moments are filtered
 * separably here: μy, E[xy] and E[x² + y²] (the cs term needs σx² + σy² only, and filtering is
 * linear, so one map serves both). They are streamed: each input row is filtered horizontally into
 * a ring of the last 11 rows, and each output row is filtered vertically from that ring and scored
 * at once, so no full-size moment map is stored and the working set stays in cache.
 */
function scoreScale(src: SourceScale, y: Plane): ScaleScore {
  const x = src.x;
  const w = x.width;
  const h = x.height;
  const wo = w - WIN + 1;
  const ho = h - WIN + 1;
  const ring = new Float64Array(WIN * MAPS * wo);
  const prod = new Float64Array(2 * w); // x² + y² and xy of the current input row
  const col = new Float64Array(MAPS * wo); // the moments of the current output row
  const offs = new Int32Array(WIN);
  const mu = src.mu;
  let csSum = 0;
  let ssimSum = 0;
  for (let r = 0; r < h; r++) {
    const row = r * w;
    for (let j = 0; j < w; j++) {
      const xv = x.v[row + j];
      const yv = y.v[row + j];
      prod[j] = xv * xv + yv * yv;
      prod[w + j] = xv * yv;
    }
    const slot = (r % WIN) * MAPS * wo;
    filterRow(y.v, row, ring, slot, wo);
    filterRow(prod, 0, ring, slot + wo, wo);
    filterRow(prod, w, ring, slot + 2 * wo, wo);
    if (r < WIN - 1) continue;

    const top = r - WIN + 1;
    for (let k = 0; k < WIN; k++) offs[k] = ((top + k) % WIN) * MAPS * wo;
    for (let m = 0; m < MAPS; m++) filterColumn(ring, offs, m * wo, col, m * wo, wo);
    for (let j = 0, o = top * wo; j < wo; j++, o++) {
      const mx = mu[o];
      const my = col[j];
      const mxy = mx * my;
      const mss = mx * mx + my * my;
      // Written so that x = y gives exactly 1 and swapping x, y gives the same bits.
      const cs = (2 * (col[2 * wo + j] - mxy) + C2) / (col[wo + j] - mss + C2);
      csSum += cs;
      ssimSum += ((2 * mxy + C1) / (mss + C1)) * cs;
    }
  }
  const n = wo * ho;
  return { cs: csSum / n, ssim: ssimSum / n };
}

/**
 * Valid horizontal Gaussian filtering of `wo` outputs. The window is symmetric, so taps pair up,
 * and it slides along the row in locals, so each input is loaded once rather than 11 times.
 */
function filterRow(src: Float64Array, s: number, dst: Float64Array, d: number, wo: number): void {
  const g0 = G[0], g1 = G[1], g2 = G[2], g3 = G[3], g4 = G[4], g5 = G[5];
  let a0 = src[s], a1 = src[s + 1], a2 = src[s + 2], a3 = src[s + 3], a4 = src[s + 4];
  let a5 = src[s + 5], a6 = src[s + 6], a7 = src[s + 7], a8 = src[s + 8], a9 = src[s + 9];
  for (let j = 0, e = s + 10; j < wo; j++, e++) {
    const a10 = src[e];
    dst[d + j] = g0 * (a0 + a10) + g1 * (a1 + a9) + g2 * (a2 + a8) + g3 * (a3 + a7) + g4 * (a4 + a6) + g5 * a5;
    a0 = a1; a1 = a2; a2 = a3; a3 = a4; a4 = a5; a5 = a6; a6 = a7; a7 = a8; a8 = a9; a9 = a10;
  }
}

/** Vertical Gaussian filtering over the 11 ring rows at `offs` (+ `m`), top to bottom. */
function filterColumn(ring: Float64Array, offs: Int32Array, m: number, dst: Float64Array, d: number, wo: number): void {
  const g0 = G[0], g1 = G[1], g2 = G[2], g3 = G[3], g4 = G[4], g5 = G[5];
  const o0 = offs[0] + m, o1 = offs[1] + m, o2 = offs[2] + m, o3 = offs[3] + m, o4 = offs[4] + m, o5 = offs[5] + m;
  const o6 = offs[6] + m, o7 = offs[7] + m, o8 = offs[8] + m, o9 = offs[9] + m, o10 = offs[10] + m;
  for (let j = 0; j < wo; j++) {
    dst[d + j] =
      g0 * (ring[o0 + j] + ring[o10 + j]) +
      g1 * (ring[o1 + j] + ring[o9 + j]) +
      g2 * (ring[o2 + j] + ring[o8 + j]) +
      g3 * (ring[o3 + j] + ring[o7 + j]) +
      g4 * (ring[o4 + j] + ring[o6 + j]) +
      g5 * ring[o5 + j];
  }
}
