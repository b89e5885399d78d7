/**
 * A quasi-cyclic LDPC code, the common form of the 5G NR and IEEE 802.11n codes: the parity-check
 * matrix H is a baseRows × baseCols array of Z × Z blocks. A block with shift s ≥ 0 is the Z × Z
 * identity cyclically shifted so that its row i has its one in column (i + s) mod Z; blocks not
 * listed are zero. H has baseRows·Z rows and n = baseCols·Z columns (the mother codeword, before
 * any rate matching); each base row is one layer of a layered decoder, since a column has at
 * most one one per layer.
 */
export interface QcBlock {
  readonly row: number;
  readonly col: number;
  readonly shift: number;
}

export interface QcLdpcCode {
  /** Canonical name, e.g. `wifi:1944:1/2` or `nr:bg1:z384`. */
  readonly name: string;
  readonly z: number;
  readonly baseRows: number;
  readonly baseCols: number;
  /** Non-zero blocks, sorted by row, then column. */
  readonly blocks: readonly QcBlock[];
  /** Information bits of the mother code: the first k columns of the codeword are systematic. */
  readonly k: number;
}

/** n = baseCols · Z, the mother codeword length. */
export function codeLength(code: QcLdpcCode): number {
  return code.baseCols * code.z;
}

/** Syndrome weight of a hard-decision word (0 = valid codeword): counts unsatisfied checks. */
export function syndromeWeight(code: QcLdpcCode, bits: Uint8Array): number {
  const { z } = code;
  const parity = new Uint8Array(code.baseRows * z);
  for (const b of code.blocks) {
    const rowBase = b.row * z;
    const colBase = b.col * z;
    for (let i = 0; i < z; i++) parity[rowBase + i] ^= bits[colBase + ((i + b.shift) % z)];
  }
  let w = 0;
  for (let i = 0; i < parity.length; i++) w += parity[i];
  return w;
}
