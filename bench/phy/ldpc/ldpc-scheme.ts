import { recoverMotherLlrs, type IndexRange } from './bit-selection';
import { DualDiagonalEncoder } from './dual-diagonal-encoder';
import { codeLength, type QcLdpcCode } from './qc-code';

/**
 * An LDPC coding scheme as the link simulator and BPG-LDPC use it: k information bits in, e bits
 * on the air, and the way back from e channel LLRs to the mother code a decoder works on.
 *
 * LLR convention: LLR = log P(bit = 0) / P(bit = 1) — positive means 0 is more likely, 0 means
 * unknown (punctured). Bits are Uint8Array of 0/1.
 */
export interface LdpcScheme {
  /** Canonical spec, e.g. `nr:3072:6144` or `wifi:1944:1/2`; `parseLdpcSpec(name)` rebuilds it. */
  readonly name: string;
  /** Information bits per block. */
  readonly k: number;
  /** Transmitted bits per block. */
  readonly e: number;
  /** k / e. */
  readonly rate: number;
  /** The full mother code; `recoverLlrs` returns LLRs for all codeLength(mother) of its bits. */
  readonly mother: QcLdpcCode;
  /**
   * The leading part of `mother` a decoder needs: its first baseRows/baseCols, dropping the checks
   * whose degree-1 extension parity bits are never sent (5G NR at rates above the mother rate).
   * Decoding `effective` on the first codeLength(effective) mother LLRs gives the same result as
   * decoding `mother`, for a fraction of the work. Equals `mother` when every column is sent.
   */
  readonly effective: QcLdpcCode;
  /** Encodes k information bits into e channel bits (a new array). */
  encode(info: Uint8Array): Uint8Array;
  /** As `encode`, into a caller-owned array of length e (no allocation: for throughput loops). */
  encodeInto(info: Uint8Array, out: Uint8Array): Uint8Array;
  /** The whole mother codeword (length codeLength(mother)) for k information bits, fillers 0. */
  encodeMother(info: Uint8Array): Uint8Array;
  /** Mother-code LLRs (length codeLength(mother)) from the e received LLRs. */
  recoverLlrs(llr: Float32Array): Float32Array;
  /** As `recoverLlrs`, into a caller-owned array of length codeLength(mother). */
  recoverLlrsInto(llr: Float32Array, out: Float32Array): Float32Array;
  /** The k information bits of a decoded codeword of `mother` or `effective` (its first k bits). */
  infoBits(motherBits: Uint8Array): Uint8Array;
}

export interface SelectedBitsSchemeParts {
  readonly name: string;
  /**
   * Information bits: the first k mother bits. Any systematic bits after them (5G NR fillers) are
   * 0, known to the receiver: never sent, and KNOWN_ZERO_LLR on recovery.
   */
  readonly k: number;
  readonly mother: QcLdpcCode;
  readonly effective: QcLdpcCode;
  /** Mother index of each sent bit (see bit-selection.ts); all must lie inside `effective`. */
  readonly positions: Int32Array;
}

/**
 * The one implementation of `LdpcScheme`: systematic encoding of `effective` (parity bits that are
 * never sent are never computed), then bit selection. 5G NR and 802.11n differ only in the parts.
 */
export function selectedBitsScheme(parts: SelectedBitsSchemeParts): LdpcScheme {
  const { name, k, mother, effective, positions } = parts;
  if (!(Number.isInteger(k) && k >= 1 && k <= effective.k && effective.k === mother.k)) {
    throw new Error(`LDPC scheme ${name}: k = ${k} must be in [1, ${effective.k}], and the effective code must keep all ${mother.k} systematic bits`);
  }
  const knownZero: IndexRange[] = k < mother.k ? [{ start: k, end: mother.k }] : [];
  const motherLength = codeLength(mother);
  const effectiveLength = codeLength(effective);
  for (let j = 0; j < positions.length; j++) {
    const m = positions[j];
    if (m < 0 || m >= effectiveLength) throw new Error(`LDPC scheme ${name}: sent bit ${j} maps to mother bit ${m}, outside the effective code (${effectiveLength} bits)`);
    if (m >= k && m < mother.k) throw new Error(`LDPC scheme ${name}: sent bit ${j} maps to mother bit ${m}, a known-zero filler bit`);
  }
  const encoder = new DualDiagonalEncoder(effective);
  const selection = encoder.selection(positions);
  let motherEncoder: DualDiagonalEncoder | undefined;

  const checkInfo = (info: Uint8Array): void => {
    if (info.length !== k) throw new RangeError(`LDPC scheme ${name}: ${info.length} information bits, expected ${k}`);
  };
  // The encoder reads the systematic bits missing from the k-bit input as 0: the fillers.
  const encodeInto = (info: Uint8Array, out: Uint8Array): Uint8Array => {
    checkInfo(info);
    return encoder.encodeSelected(info, selection, out);
  };
  const recoverLlrsInto = (llr: Float32Array, out: Float32Array): Float32Array => {
    if (out.length !== motherLength) throw new RangeError(`LDPC scheme ${name}: LLR output length ${out.length}, expected ${motherLength}`);
    return recoverMotherLlrs(llr, positions, knownZero, out);
  };

  return Object.freeze({
    name,
    k,
    e: positions.length,
    rate: k / positions.length,
    mother,
    effective,
    encodeInto,
    encode: (info: Uint8Array) => encodeInto(info, new Uint8Array(positions.length)),
    encodeMother(info: Uint8Array): Uint8Array {
      checkInfo(info);
      motherEncoder ??= new DualDiagonalEncoder(mother);
      return motherEncoder.encode(info);
    },
    recoverLlrsInto,
    recoverLlrs: (llr: Float32Array) => recoverLlrsInto(llr, new Float32Array(motherLength)),
    infoBits(motherBits: Uint8Array): Uint8Array {
      if (motherBits.length < k) throw new RangeError(`LDPC scheme ${name}: codeword of ${motherBits.length} bits has no ${k} information bits`);
      return motherBits.slice(0, k);
    },
  });
}
