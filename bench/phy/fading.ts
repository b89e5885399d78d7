import { UserError } from '../errors';
import { awgnChannel } from './awgn';
import { complexLength, type ComplexArray } from './complex';
import type { Rng } from './rng';

/**
 * Rayleigh block fading: y = h·x + n, h ~ CN(0, 1) held for `blockLength` symbols, then redrawn
 * independently (the last block may be shorter). blockLength = 1 (the default) is fast fading,
 * each symbol its own gain; blockLength ≥ the frame is quasi-static, one gain per frame.
 *
 * E|h|² = 1, so the average received symbol energy is E|h|²·Es = 1 and the SNR keeps the meaning
 * of `snr.ts` (average Es/N0); n is the same AWGN as `awgnChannel`. The receiver has perfect CSI:
 * `h` holds the gain of every symbol, ready for the demappers' `gains`.
 *
 * All gains are drawn from `rng` first, then all the noise, so a frame is a pure function of the
 * generator's state.
 */
export interface FadingOutput {
  y: ComplexArray;
  /** The complex gain of each symbol (repeated within a block). */
  h: ComplexArray;
}

export function rayleighBlockFading(x: ComplexArray, snrDb: number, rng: Rng, blockLength = 1): FadingOutput {
  const h = rayleighBlockGains(complexLength(x), blockLength, rng);
  return { y: awgnChannel(multiplyByGains(x, h), snrDb, rng), h };
}

/** One CN(0, 1) gain per block of `blockLength` symbols, written out per symbol. */
export function rayleighBlockGains(numSymbols: number, blockLength: number, rng: Rng): ComplexArray {
  if (!Number.isInteger(blockLength) || blockLength < 1) {
    throw new UserError(`fading block length must be a whole number of symbols ≥ 1, got ${blockLength}`);
  }
  const sigma = Math.SQRT1_2; // N(0, ½) per component: E|h|² = 1
  const h = new Float32Array(2 * numSymbols);
  for (let start = 0; start < numSymbols; start += blockLength) {
    const re = sigma * rng.normal();
    const im = sigma * rng.normal();
    const end = Math.min(start + blockLength, numSymbols);
    for (let s = start; s < end; s++) {
      h[2 * s] = re;
      h[2 * s + 1] = im;
    }
  }
  return h;
}

/** Element-wise complex product h·x, a new array. */
export function multiplyByGains(x: ComplexArray, h: ComplexArray): ComplexArray {
  if (h.length !== x.length) throw new Error(`multiplyByGains: ${h.length >>> 1} gains for ${x.length >>> 1} symbols`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    out[i] = h[i] * x[i] - h[i + 1] * x[i + 1];
    out[i + 1] = h[i] * x[i + 1] + h[i + 1] * x[i];
  }
  return out;
}
