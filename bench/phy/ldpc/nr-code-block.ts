import { nrBaseGraph, NR_LIFTING_SIZES, type NrBaseGraphId } from './nr-base-graph';

/**
 * Sizing one 5G NR LDPC code block: base graph choice (38.212 §7.2.2 / §6.2.2), K_b and lifting
 * size Z (§5.2.2), filler bits and the circular-buffer length (§5.3.2, §5.4.2.1 without limited
 * buffer). The harness sends one code block per `nr:K:N` block and does not segment, so the
 * payload A, the code-block input B and K' are all the same K information bits (no CRC is added:
 * the decoders' syndrome check plays its role).
 */

/** Largest code block, K_cb: 8448 bits for BG1, 3840 for BG2 (38.212 §5.2.2). */
export const NR_MAX_INFO_BITS: Readonly<Record<NrBaseGraphId, number>> = Object.freeze({ 1: 8448, 2: 3840 });

/**
 * 38.212 §7.2.2 (DL-SCH; §6.2.2 is the same for UL-SCH): BG2 if A ≤ 292, or A ≤ 3824 and
 * R ≤ 0.67, or R ≤ 0.25; otherwise BG1. `payloadBits` is A, `rate` the target code rate R.
 */
export function nrBaseGraphSelect(payloadBits: number, rate: number): NrBaseGraphId {
  if (payloadBits <= 292 || (payloadBits <= 3824 && rate <= 0.67) || rate <= 0.25) return 2;
  return 1;
}

/**
 * K_b, the number of systematic base columns Z is sized for (38.212 §5.2.2): 22 for BG1; for BG2
 * 10, 9, 8 or 6 as K exceeds 640, 560, 192 or not. (BG2 always has 10 systematic columns; with
 * K_b < 10 the rest are fillers.)
 */
export function nrSizingColumns(baseGraph: NrBaseGraphId, infoBits: number): number {
  if (baseGraph === 1) return 22;
  if (infoBits > 640) return 10;
  if (infoBits > 560) return 9;
  if (infoBits > 192) return 8;
  return 6;
}

export interface NrCodeBlock {
  readonly baseGraph: NrBaseGraphId;
  /** K': information bits carried by the block. */
  readonly infoBits: number;
  /** K_b used to choose Z. */
  readonly sizingColumns: number;
  /** Lifting size: the smallest Z of Table 5.3.2-1 with K_b · Z ≥ K'. */
  readonly z: number;
  /** K = 22·Z (BG1) or 10·Z (BG2): systematic bits of the mother codeword, fillers included. */
  readonly systematicBits: number;
  /** K − K' filler bits: zeros appended after the information bits, known to the receiver, never sent. */
  readonly fillerBits: number;
  /** Mother codeword length baseCols · Z (66·Z + 2·Z for BG1, 50·Z + 2·Z for BG2). */
  readonly motherLength: number;
  /** Columns 0 … 2Z−1 of the mother codeword are never sent (38.212 §5.3.2). */
  readonly puncturedBits: number;
  /** N_cb: the circular buffer, i.e. the mother codeword without the 2Z punctured bits (66·Z or 50·Z), fillers included. */
  readonly bufferLength: number;
}

/** The code block for K' information bits on a base graph. Throws RangeError if K' does not fit. */
export function nrCodeBlock(baseGraph: NrBaseGraphId, infoBits: number): NrCodeBlock {
  const max = NR_MAX_INFO_BITS[baseGraph];
  if (!(Number.isInteger(infoBits) && infoBits >= 1 && infoBits <= max)) {
    throw new RangeError(`5G NR BG${baseGraph} code block: K' = ${infoBits} must be an integer in [1, ${max}]`);
  }
  const sizingColumns = nrSizingColumns(baseGraph, infoBits);
  const z = NR_LIFTING_SIZES.find((size) => sizingColumns * size >= infoBits);
  if (z === undefined) throw new RangeError(`5G NR BG${baseGraph}: no lifting size holds K' = ${infoBits}`);
  const bg = nrBaseGraph(baseGraph);
  const systematicBits = bg.systematicCols * z;
  const motherLength = bg.cols * z;
  return Object.freeze({
    baseGraph,
    infoBits,
    sizingColumns,
    z,
    systematicBits,
    fillerBits: systematicBits - infoBits,
    motherLength,
    puncturedBits: 2 * z,
    bufferLength: motherLength - 2 * z,
  });
}
