/**
 * Bit selection: which mother-codeword bits go on the air, in which order, and the way back for
 * LLRs. A selection is just the mother index of each sent bit (an Int32Array), so puncturing,
 * filler removal, circular-buffer wrap-around (repetition) and the identity of an unpunctured code
 * are all one gather on the way out (DualDiagonalEncoder.encodeSelected) and one scatter-add on
 * the way back (here).
 *
 * LLR convention of the whole LDPC layer: LLR = log P(bit = 0) / P(bit = 1), so a positive LLR
 * means 0 is more likely; an LLR of 0 means "nothing known" (a punctured bit).
 */

/**
 * LLR given to bits the receiver knows are 0 (5G NR filler bits). Far beyond any channel LLR, yet
 * small enough that float32 sums stay exact and a fixed-point decoder simply saturates it.
 */
export const KNOWN_ZERO_LLR = 1000;

/** A half-open range [start, end) of mother-codeword indices. */
export interface IndexRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Mother-codeword LLRs from the LLRs of the sent bits: each sent LLR is added at its mother index
 * (repeated bits combine by addition, the optimal soft combining for independent observations),
 * bits never sent stay 0, and `knownZero` ranges get KNOWN_ZERO_LLR.
 */
export function recoverMotherLlrs(
  llrs: Float32Array,
  positions: Int32Array,
  knownZero: readonly IndexRange[],
  out: Float32Array,
): Float32Array {
  if (llrs.length !== positions.length) throw new RangeError(`bit selection: ${llrs.length} LLRs, expected ${positions.length}`);
  out.fill(0);
  for (const { start, end } of knownZero) out.fill(KNOWN_ZERO_LLR, start, end);
  for (let j = 0; j < positions.length; j++) out[positions[j]] += llrs[j];
  return out;
}
