import { UserError } from '../errors';
import type { ComplexArray } from './complex';

/**
 * Gray-labelled constellations with unit average symbol energy (Es = 1, the convention of
 * `snr.ts`), all points equally likely.
 *
 * Every supported constellation is a product of two Gray PAMs, one per axis: the symbol's bits
 * b0 … b(m−1) are split between I and Q, and each axis maps its own bits to an amplitude. QPSK,
 * 16-, 64- and 256-QAM follow 3GPP TS 38.211 §5.1.3–5.1.5: I takes the even bits b0, b2, …, Q the
 * odd bits b1, b3, …, and an axis with bits a0 a1 … a(k−1) (a0 = b0 or b1) has the amplitude
 *   (1−2a0)·(2^(k−1) − (1−2a1)·(2^(k−2) − … − (1−2a(k−1))·1)),
 * e.g. 16-QAM: d = ((1−2b0)(2−(1−2b2)) + j(1−2b1)(2−(1−2b3))) / √10. This is the binary
 * reflected Gray code on each axis, so nearest neighbours in the plane differ in one bit.
 *
 * BPSK is b0 = 0 → +1, b0 = 1 → −1 on the real axis (Q carries no bit). 38.211 §5.1.2 puts BPSK
 * on the diagonal, (1−2b)(1+j)/√2; a fixed rotation changes nothing over AWGN or Rayleigh fading,
 * and the real axis keeps BPSK the 1-bit case of the same per-axis PAM as the others.
 *
 * The product form is what makes demapping per axis exact (see `demapper.ts`).
 */
export type ModulationName = 'bpsk' | 'qpsk' | '16qam' | '64qam' | '256qam';

export const MODULATION_NAMES: readonly ModulationName[] = ['bpsk', 'qpsk', '16qam', '64qam', '256qam'];

/** One axis (I or Q) of a product constellation: a Gray PAM over some of the symbol's bits. */
export interface PamAxis {
  /** Positions, within the symbol's group of bitsPerSymbol bits, of the bits this axis carries. */
  readonly bitPositions: readonly number[];
  /**
   * Amplitude for each axis label, the axis's bits read first-is-most-significant, already scaled
   * for Es = 1. Length 2^bitPositions.length; an axis without bits has the single level 0.
   */
  readonly levels: Float64Array;
}

export interface Modulation {
  readonly name: ModulationName;
  readonly bitsPerSymbol: number;
  readonly inPhase: PamAxis;
  readonly quadrature: PamAxis;
  /**
   * All 2^bitsPerSymbol points as a ComplexArray, indexed by the symbol's label: its bits read
   * with b0 as the most significant.
   */
  readonly points: ComplexArray;
}

/** Bits per axis (I, Q) of each constellation. */
const AXIS_BITS: Record<ModulationName, readonly [number, number]> = {
  bpsk: [1, 0],
  qpsk: [1, 1],
  '16qam': [2, 2],
  '64qam': [3, 3],
  '256qam': [4, 4],
};

/** `16qam`, `16-QAM`, `QPSK` … → the constellation; anything else is a UserError. */
export function modulationFromName(name: string): Modulation {
  const key = name.trim().toLowerCase().replace(/-/g, '');
  if (!(MODULATION_NAMES as readonly string[]).includes(key)) {
    throw new UserError(
      `unknown modulation "${name}": use one of ${MODULATION_NAMES.join(', ')} (16-qam etc. also accepted)`,
    );
  }
  return buildModulation(key as ModulationName);
}

function buildModulation(name: ModulationName): Modulation {
  const [iBits, qBits] = AXIS_BITS[name];
  const bitsPerSymbol = iBits + qBits;
  // 38.211 interleaves the axes: I gets b0, b2, …, Q gets b1, b3, … (BPSK: I gets b0).
  const iPositions = Array.from({ length: iBits }, (_, i) => 2 * i);
  const qPositions = Array.from({ length: qBits }, (_, i) => 2 * i + 1);
  const iLevels = grayPamAmplitudes(iBits);
  const qLevels = grayPamAmplitudes(qBits);
  const scale = 1 / Math.sqrt(meanSquare(iLevels) + meanSquare(qLevels));
  for (const levels of [iLevels, qLevels]) for (let j = 0; j < levels.length; j++) levels[j] *= scale;
  const inPhase: PamAxis = { bitPositions: iPositions, levels: iLevels };
  const quadrature: PamAxis = { bitPositions: qPositions, levels: qLevels };

  const points = new Float32Array(2 << bitsPerSymbol);
  for (let label = 0; label < 1 << bitsPerSymbol; label++) {
    points[2 * label] = iLevels[axisLabel(label, bitsPerSymbol, iPositions)];
    points[2 * label + 1] = qLevels[axisLabel(label, bitsPerSymbol, qPositions)];
  }
  return { name, bitsPerSymbol, inPhase, quadrature, points };
}

/**
 * Unscaled amplitudes of the 38.211 k-bit Gray PAM, indexed by the axis label (a0 most
 * significant): (1−2a0)·(2^(k−1) − (1−2a1)·(2^(k−2) − … )), evaluated from the innermost term out.
 * k = 0 is the single level 0 (an axis that carries nothing).
 */
function grayPamAmplitudes(k: number): Float64Array {
  if (k === 0) return new Float64Array(1);
  const levels = new Float64Array(1 << k);
  for (let label = 0; label < levels.length; label++) {
    const sign = (i: number) => 1 - 2 * ((label >> (k - 1 - i)) & 1);
    let t = 1;
    for (let i = k - 1; i >= 1; i--) t = (1 << (k - i)) - sign(i) * t;
    levels[label] = sign(0) * t;
  }
  return levels;
}

function meanSquare(v: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < v.length; i++) acc += v[i] * v[i];
  return acc / v.length;
}

/** The axis label of a symbol label: the bits at `positions`, first most significant. */
function axisLabel(label: number, bitsPerSymbol: number, positions: readonly number[]): number {
  let a = 0;
  for (const p of positions) a = (a << 1) | ((label >> (bitsPerSymbol - 1 - p)) & 1);
  return a;
}

export interface MappedSymbols {
  symbols: ComplexArray;
  /**
   * Zero bits appended to fill the last symbol when the bit count is not a multiple of
   * bitsPerSymbol. The demapper returns LLRs for them too; drop the last `paddingBits`.
   */
  paddingBits: number;
}

/**
 * Bits (one 0/1 per byte) → symbols, b0 of each group of bitsPerSymbol bits first. A short last
 * group is padded with zeros rather than refused, so any payload maps; the count is returned.
 */
export function mapBits(mod: Modulation, bits: Uint8Array): MappedSymbols {
  const m = mod.bitsPerSymbol;
  const n = Math.ceil(bits.length / m);
  const { points } = mod;
  const symbols = new Float32Array(2 * n);
  for (let s = 0, j = 0; s < n; s++) {
    let label = 0;
    for (let i = 0; i < m; i++, j++) {
      const b = j < bits.length ? bits[j] : 0;
      if (b > 1) throw new Error(`mapBits: bit ${j} is ${b}, expected 0 or 1`);
      label = (label << 1) | b;
    }
    symbols[2 * s] = points[2 * label];
    symbols[2 * s + 1] = points[2 * label + 1];
  }
  return { symbols, paddingBits: n * m - bits.length };
}
