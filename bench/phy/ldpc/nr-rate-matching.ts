import { recoverMotherLlrs, type IndexRange } from './bit-selection';
import type { NrCodeBlock } from './nr-code-block';

/**
 * 5G NR LDPC rate matching with redundancy version 0 (38.212 §5.4.2.1) and its inverse, plus the
 * optional bit interleaver (§5.4.2.2).
 *
 * The circular buffer is the mother codeword from column 2Z on (the first 2Z systematic bits are
 * always punctured), N_cb = 66·Z (BG1) or 50·Z (BG2) long; no limited-buffer rate matching. With
 * rv0 the read starts at k0 = 0; filler bits are skipped; if E exceeds the bits in the buffer, the
 * read wraps around (repetition), as the standard does.
 */

/** Mother-codeword indices of the filler bits: [K', K). */
export function nrFillerRange(block: NrCodeBlock): IndexRange {
  return { start: block.infoBits, end: block.systematicBits };
}

/** Mother-codeword index of each of the E sent bits e_0 … e_{E−1}. */
export function nrRateMatchPositions(block: NrCodeBlock, e: number): Int32Array {
  if (!(Number.isInteger(e) && e >= 1)) throw new RangeError(`5G NR rate matching: E = ${e} must be a positive integer`);
  const positions = new Int32Array(e);
  const { start: fillerStart, end: fillerEnd } = nrFillerRange(block);
  for (let k = 0, j = 0; k < e; j++) {
    const index = block.puncturedBits + (j % block.bufferLength);
    if (index >= fillerStart && index < fillerEnd) continue; // <NULL> in the standard's words
    positions[k++] = index;
  }
  return positions;
}

/**
 * Mother-code LLRs (length baseCols · Z) from the E received LLRs: punctured bits 0, filler bits
 * KNOWN_ZERO_LLR, repeated bits summed. Positive LLR = bit 0 more likely.
 */
export function nrRateRecover(
  llrs: Float32Array,
  block: NrCodeBlock,
  positions: Int32Array,
  out: Float32Array = new Float32Array(block.motherLength),
): Float32Array {
  if (out.length !== block.motherLength) throw new RangeError(`5G NR rate recovery: output length ${out.length}, expected ${block.motherLength}`);
  return recoverMotherLlrs(llrs, positions, [nrFillerRange(block)], out);
}

type BitArray = Uint8Array | Float32Array;

function checkInterleaver(length: number, qm: number): number {
  if (!(Number.isInteger(qm) && qm >= 1)) throw new RangeError(`5G NR bit interleaver: Q_m = ${qm} must be a positive integer`);
  if (length % qm !== 0) throw new RangeError(`5G NR bit interleaver: E = ${length} is not a multiple of Q_m = ${qm}`);
  return length / qm;
}

/**
 * 38.212 §5.4.2.2: f[i + j·Qm] = e[i·E/Qm + j] — write the E bits row by row into Qm rows, read
 * them column by column, so the Qm bits of one QAM symbol come from far-apart buffer positions.
 * Works on bits or LLRs.
 */
export function nrBitInterleave<T extends BitArray>(e: T, qm: number, out?: T): T {
  const columns = checkInterleaver(e.length, qm);
  const f = out ?? (e.slice() as T);
  for (let j = 0; j < columns; j++) for (let i = 0; i < qm; i++) f[i + j * qm] = e[i * columns + j];
  return f;
}

/** The inverse of nrBitInterleave (receiver side, on LLRs): e[i·E/Qm + j] = f[i + j·Qm]. */
export function nrBitDeinterleave<T extends BitArray>(f: T, qm: number, out?: T): T {
  const columns = checkInterleaver(f.length, qm);
  const e = out ?? (f.slice() as T);
  for (let j = 0; j < columns; j++) for (let i = 0; i < qm; i++) e[i * columns + j] = f[i + j * qm];
  return e;
}
