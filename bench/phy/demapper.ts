import type { ComplexArray } from './complex';
import type { Modulation, PamAxis } from './modulation';

/**
 * Demappers for the product constellations of `modulation.ts`, over AWGN (y = x + n) or flat
 * fading with a known complex gain per symbol (y = h·x + n, perfect CSI); n ~ CN(0, N0).
 *
 * Up to a constant, log p(y | s) = −|y − h·s|²/N0 = ℓI(sI) + ℓQ(sQ) with, on each axis,
 *   ℓ(s) = (2·u·s − g·s²)/N0,   u = that axis's component of conj(h)·y,   g = |h|².
 * The likelihood is a product of an I factor and a Q factor, and the points are every (sI, sQ)
 * pair, so in the exact LLR of an I bit the sum over Q levels is the same in numerator and
 * denominator and cancels: per-axis LLRs are exact, not an approximation (tested against the
 * full 2D sum). The form needs no division by h, so h = 0 gives LLRs of 0 rather than NaN.
 *
 * LLR = log P(b=0 | y) / P(b=1 | y): positive means 0. Equiprobable bits assumed.
 */
export type LlrMethod = 'exact' | 'maxlog';

// Globals hoisted: hot loops reading `Math.*` are slow inside jest's sandbox.
const exp = Math.exp;
const log = Math.log;

/** Below this a sum of weights shifted by the axis maximum may have lost terms to underflow (see exactLlrs). */
const UNDERFLOW_GUARD = 1e-200;

/**
 * LLRs, bitsPerSymbol per symbol in the mapper's bit order. `noiseVar` is N0, the noise variance
 * per complex symbol (`noiseVariance(snrDb)` in snr.ts); `gains`, one complex h per symbol, makes
 * it the fading demapper (omitted: h = 1).
 */
export function demapLlrs(
  mod: Modulation,
  y: ComplexArray,
  noiseVar: number,
  method: LlrMethod,
  gains?: ComplexArray,
): Float32Array {
  if (!(noiseVar > 0 && Number.isFinite(noiseVar))) throw new Error(`demapLlrs: noise variance must be positive and finite, got ${noiseVar}`);
  const out = new Float32Array((y.length >>> 1) * mod.bitsPerSymbol);
  return demapByAxis(mod, y, gains, noiseVar, out, method === 'exact' ? exactLlrs : maxLogLlrs);
}

/** Hard decisions (0/1 per byte): the bits of the point nearest to y/h, i.e. minimising |y − h·s|. */
export function demapHard(mod: Modulation, y: ComplexArray, gains?: ComplexArray): Uint8Array {
  const out = new Uint8Array((y.length >>> 1) * mod.bitsPerSymbol);
  // The nearest point does not depend on N0; 1 scales the metrics harmlessly.
  return demapByAxis(mod, y, gains, 1, out, nearestLevelBits);
}

/** Per-call tables of one axis that carries bits, plus scratch for the kernels. */
interface AxisTables {
  readonly bitPositions: readonly number[];
  readonly bits: number;
  /** 2s/N0 and s²/N0 for each level s, so that ℓ(s) = u·slope − g·curvature. */
  readonly slope: Float64Array;
  readonly curvature: Float64Array;
  /**
   * For axis bit i and value b, the L/2 levels whose label has that bit, at
   * [(2i + b)·L/2, (2i + b + 1)·L/2): the kernels then sum and compare without testing bits.
   */
  readonly sides: Int32Array;
  /** ℓ of each level for the current symbol, and scratch. */
  readonly metric: Float64Array;
  readonly weight: Float64Array;
}

/** Writes the bits of one axis for every symbol: out[s·bitsPerSymbol + position]. */
type AxisKernel<T> = (t: AxisTables, u: Float64Array, g: Float64Array, out: T, bitsPerSymbol: number) => void;

function axisTables(axis: PamAxis, noiseVar: number): AxisTables {
  const L = axis.levels.length;
  const bits = axis.bitPositions.length;
  const sides = new Int32Array(bits * L);
  for (let i = 0, k = 0; i < bits; i++) {
    for (let b = 0; b < 2; b++) for (let j = 0; j < L; j++) if (((j >> (bits - 1 - i)) & 1) === b) sides[k++] = j;
  }
  return {
    bitPositions: axis.bitPositions,
    bits,
    slope: axis.levels.map((s) => (2 * s) / noiseVar),
    curvature: axis.levels.map((s) => (s * s) / noiseVar),
    sides,
    metric: new Float64Array(L),
    weight: new Float64Array(L),
  };
}

function demapByAxis<T extends Float32Array | Uint8Array>(
  mod: Modulation,
  y: ComplexArray,
  gains: ComplexArray | undefined,
  noiseVar: number,
  out: T,
  kernel: AxisKernel<T>,
): T {
  if (gains !== undefined && gains.length !== y.length) {
    throw new Error(`demapper: ${gains.length >>> 1} gains for ${y.length >>> 1} symbols`);
  }
  const n = y.length >>> 1;
  // conj(h)·y: its real part drives the I levels, its imaginary part the Q levels.
  const uI = new Float64Array(n);
  const uQ = new Float64Array(n);
  const g = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const yr = y[2 * s];
    const yi = y[2 * s + 1];
    const hr = gains === undefined ? 1 : gains[2 * s];
    const hi = gains === undefined ? 0 : gains[2 * s + 1];
    uI[s] = hr * yr + hi * yi;
    uQ[s] = hr * yi - hi * yr;
    g[s] = hr * hr + hi * hi;
  }
  // One kernel call per axis, each looping over all symbols: the call site stays cheap
  // whichever kernel it is.
  if (mod.inPhase.bitPositions.length > 0) kernel(axisTables(mod.inPhase, noiseVar), uI, g, out, mod.bitsPerSymbol);
  if (mod.quadrature.bitPositions.length > 0) kernel(axisTables(mod.quadrature, noiseVar), uQ, g, out, mod.bitsPerSymbol);
  return out;
}

/** ℓ of every level of the axis for one symbol, into t.metric. */
function fillMetric(t: AxisTables, u: number, g: number): Float64Array {
  const { metric, slope, curvature } = t;
  for (let j = 0; j < metric.length; j++) metric[j] = u * slope[j] - g * curvature[j];
  return metric;
}

/**
 * Exact LLR of each axis bit: log Σ_{b=0} e^ℓ / Σ_{b=1} e^ℓ. The weights e^(ℓ − max ℓ) are
 * computed once per level and shared by all the axis's bits: one exp per level, one log per bit.
 * The side holding the maximum sums to ≥ 1, but the other underflows when its best level trails
 * by hundreds of nats (high SNR, large |h|); such a bit is recomputed with each side shifted by
 * its own maximum, so the LLR stays finite and exact.
 */
function exactLlrs(t: AxisTables, u: Float64Array, g: Float64Array, out: Float32Array, m: number): void {
  const { weight, bits, sides, bitPositions } = t;
  const L = weight.length;
  const half = L >> 1;
  for (let s = 0; s < u.length; s++) {
    const metric = fillMetric(t, u[s], g[s]);
    let top = metric[0];
    for (let j = 1; j < L; j++) if (metric[j] > top) top = metric[j];
    for (let j = 0; j < L; j++) weight[j] = exp(metric[j] - top);
    for (let i = 0; i < bits; i++) {
      const first0 = 2 * i * half;
      const first1 = first0 + half;
      let sum0 = 0;
      let sum1 = 0;
      for (let r = 0; r < half; r++) {
        sum0 += weight[sides[first0 + r]];
        sum1 += weight[sides[first1 + r]];
      }
      out[s * m + bitPositions[i]] =
        sum0 >= UNDERFLOW_GUARD && sum1 >= UNDERFLOW_GUARD
          ? log(sum0 / sum1)
          : logSumExpOver(metric, sides, first0, half) - logSumExpOver(metric, sides, first1, half);
    }
  }
}

/** log Σ e^metric[j] over the levels sides[first … first + count), shifted by their own maximum. */
function logSumExpOver(metric: Float64Array, sides: Int32Array, first: number, count: number): number {
  let top = -Infinity;
  for (let r = first; r < first + count; r++) if (metric[sides[r]] > top) top = metric[sides[r]];
  let sum = 0;
  for (let r = first; r < first + count; r++) sum += exp(metric[sides[r]] - top);
  return top + log(sum);
}

/** Max-log LLR: the best level with the bit 0 against the best with the bit 1. */
function maxLogLlrs(t: AxisTables, u: Float64Array, g: Float64Array, out: Float32Array, m: number): void {
  const { bits, sides, bitPositions } = t;
  const half = t.metric.length >> 1;
  for (let s = 0; s < u.length; s++) {
    const metric = fillMetric(t, u[s], g[s]);
    for (let i = 0; i < bits; i++) {
      const first0 = 2 * i * half;
      const first1 = first0 + half;
      let best0 = -Infinity;
      let best1 = -Infinity;
      for (let r = 0; r < half; r++) {
        const l0 = metric[sides[first0 + r]];
        const l1 = metric[sides[first1 + r]];
        if (l0 > best0) best0 = l0;
        if (l1 > best1) best1 = l1;
      }
      out[s * m + bitPositions[i]] = best0 - best1;
    }
  }
}

function nearestLevelBits(t: AxisTables, u: Float64Array, g: Float64Array, out: Uint8Array, m: number): void {
  const { bits, bitPositions } = t;
  for (let s = 0; s < u.length; s++) {
    const metric = fillMetric(t, u[s], g[s]);
    let best = 0;
    for (let j = 1; j < metric.length; j++) if (metric[j] > metric[best]) best = j;
    for (let i = 0; i < bits; i++) out[s * m + bitPositions[i]] = (best >> (bits - 1 - i)) & 1;
  }
}
