/**
 * Z × Z circulant permutations on bit-packed Z-bit segments, the arithmetic of QC-LDPC encoding.
 *
 * Shift convention of `QcLdpcCode`: row i of P^s has its one in column (i + s) mod Z, so
 * (P^s · x)[i] = x[(i + s) mod Z] — a cyclic rotation of x by s bits. Bits are packed 32 to a
 * word, least significant first (bit i of a segment is bit i & 31 of word i >>> 5).
 *
 * A rotation is read straight out of a *doubled* segment (x followed by x again, 2Z bits), so any
 * Z, shift and word boundary cost the same two word reads per 32 output bits — no per-bit work.
 * Layout of a doubled segment: doubledWords(z) words; bits ≥ 2Z are zero.
 * A single segment (singleWords(z) words) may carry junk above bit Z; `storeDoubled` masks it.
 */

/** Words of a single Z-bit segment. */
export function singleWords(z: number): number {
  return (z + 31) >>> 5;
}

/** Words of a doubled segment: 2Z bits plus one word so a rotation may read one word past 2Z. */
export function doubledWords(z: number): number {
  return ((2 * z + 31) >>> 5) + 1;
}

/**
 * Packs the bits src[from … from + z) (0/1 bytes, read as 0 past the end of src) into the first
 * singleWords(z) words at dst[off …].
 */
export function packSegment(dst: Uint32Array, off: number, src: Uint8Array, from: number, z: number): void {
  const available = Math.max(0, Math.min(z, src.length - from));
  const words = singleWords(z);
  for (let w = 0; w < words; w++) {
    const base = from + 32 * w;
    const end = Math.min(32, available - 32 * w);
    let word = 0;
    for (let b = 0; b < end; b++) word |= (src[base + b] & 1) << b;
    dst[off + w] = word;
  }
}

/**
 * Turns the single segment at dbl[off …] into a doubled one in place: masks the bits above Z,
 * clears the rest, then ORs in the copy at bit offset Z.
 */
export function storeDoubled(dbl: Uint32Array, off: number, z: number): void {
  const words = singleWords(z);
  const tail = z & 31;
  if (tail !== 0) dbl[off + words - 1] &= (1 << tail) - 1;
  dbl.fill(0, off + words, off + doubledWords(z));
  for (let w = 0; w < words; w++) {
    const x = dbl[off + w];
    const bit = z + 32 * w;
    const q = off + (bit >>> 5);
    const r = bit & 31;
    dbl[q] |= x << r;
    if (r !== 0) dbl[q + 1] |= x >>> (32 - r);
  }
}

/** dst[dstOff …] ^= P^shift · x, with x the doubled segment at dbl[dblOff …] (singleWords(z) words written; junk above Z). */
export function xorRotation(dst: Uint32Array, dstOff: number, dbl: Uint32Array, dblOff: number, z: number, shift: number): void {
  const words = singleWords(z);
  const r = shift & 31;
  let q = dblOff + (shift >>> 5);
  if (r === 0) {
    for (let w = 0; w < words; w++) dst[dstOff + w] ^= dbl[q + w];
    return;
  }
  const l = 32 - r;
  for (let w = 0; w < words; w++, q++) dst[dstOff + w] ^= (dbl[q] >>> r) | (dbl[q + 1] << l);
}

/** dst[dstOff …] = P^shift · x, with x the doubled segment at dbl[dblOff …] (junk above Z). */
export function writeRotation(dst: Uint32Array, dstOff: number, dbl: Uint32Array, dblOff: number, z: number, shift: number): void {
  const words = singleWords(z);
  const r = shift & 31;
  let q = dblOff + (shift >>> 5);
  if (r === 0) {
    for (let w = 0; w < words; w++) dst[dstOff + w] = dbl[q + w];
    return;
  }
  const l = 32 - r;
  for (let w = 0; w < words; w++, q++) dst[dstOff + w] = (dbl[q] >>> r) | (dbl[q + 1] << l);
}

/** The shift that undoes P^shift: P^shift · x = y ⇔ x = P^inverseShift(shift) · y. */
export function inverseShift(shift: number, z: number): number {
  return shift === 0 ? 0 : z - shift;
}
