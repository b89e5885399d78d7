import { doubledWords, inverseShift, packSegment, singleWords, storeDoubled, writeRotation, xorRotation } from './circulant';
import { codeLength, type QcLdpcCode } from './qc-code';

/**
 * Systematic encoder for the QC-LDPC codes whose parity part is a dual-diagonal core plus a lower
 * part solvable one block column at a time — the structure shared by 5G NR (38.212 §5.3.2: the
 * 4-row core on columns 22–25 of BG1 / 10–13 of BG2, then the identity extension) and IEEE
 * 802.11n (the whole parity part is the core: column kb with three shifts, then a staircase).
 *
 * Codeword layout: [systematic (k bits) | parity]; base columns k/Z … baseCols−1 are parity.
 *
 * How (no generator matrix, linear time):
 *  1. λ = H_systematic · u, one circulant product per systematic block.
 *  2. The core is the first g base rows, the smallest g whose blocks lie in the first kb + g
 *     columns. Summing its rows cancels every staircase column (each appears twice with equal
 *     shifts), leaving P^s0 · p0 = Σ λ_r for the first parity column p0, so p0 = P^−s0 · Σ λ_r.
 *  3. Then each remaining parity column is the single unknown of some base row (the staircase,
 *     then the extension rows) and is read off it; every solved column is added into λ of the
 *     other rows that hold it.
 * Every block of H is touched once, on bit-packed words (see circulant.ts): the cost is about
 * (number of blocks) × Z / 32 word operations, plus packing the input and unpacking the output.
 */
export class DualDiagonalEncoder {
  readonly code: QcLdpcCode;
  /** Codeword length: baseCols · Z. */
  readonly n: number;
  private readonly z: number;
  private readonly kb: number;
  /** Words per single segment (λ rows) and per doubled segment (codeword columns). */
  private readonly ws: number;
  private readonly wd: number;
  private readonly coreRows: number;
  private readonly firstParityShift: number;
  /** Systematic blocks as (λ word offset, codeword word offset, shift) triples. */
  private readonly systematicBlocks: Int32Array;
  /** Solve order after p0: per step (λ word offset of the row, codeword word offset of the column, shift). */
  private readonly steps: Int32Array;
  /** Per solved column, in solve order (p0 first): its other blocks as (λ word offset, shift) pairs. */
  private readonly feed: Int32Array;
  private readonly feedStart: Int32Array;
  /** Codeword, one doubled segment per base column. */
  private readonly packed: Uint32Array;
  private readonly lambda: Uint32Array;
  private readonly scratch: Uint32Array;

  constructor(code: QcLdpcCode) {
    const { z, baseRows, baseCols } = code;
    if (code.k % z !== 0) throw new Error(`LDPC code ${code.name}: k = ${code.k} is not a whole number of Z = ${z} columns`);
    const kb = code.k / z;
    this.code = code;
    this.z = z;
    this.kb = kb;
    this.n = codeLength(code);
    const ws = (this.ws = singleWords(z));
    const wd = (this.wd = doubledWords(z));

    const rowsOfCol: { row: number; shift: number }[][] = Array.from({ length: baseCols }, () => []);
    const colsOfRow: { col: number; shift: number }[][] = Array.from({ length: baseRows }, () => []);
    const systematic: number[] = [];
    for (const b of code.blocks) {
      rowsOfCol[b.col].push({ row: b.row, shift: b.shift });
      colsOfRow[b.row].push({ col: b.col, shift: b.shift });
      if (b.col < kb) systematic.push(b.row * ws, b.col * wd, b.shift);
    }
    this.systematicBlocks = Int32Array.from(systematic);

    // Step 2: the core and the first parity column.
    let g = 1;
    while (g <= baseRows && !colsOfRow.slice(0, g).every((cells) => cells.every((c) => c.col < kb + g))) g++;
    if (g > baseRows) throw new Error(`LDPC code ${code.name}: no dual-diagonal core (no leading rows close over the first parity columns)`);
    this.coreRows = g;
    const residue = (col: number): number[] => {
      // Shifts of `col` within the core after cancelling equal pairs (P^s + P^s = 0).
      const odd = new Map<number, number>();
      for (const { row, shift } of rowsOfCol[col]) if (row < g) odd.set(shift, (odd.get(shift) ?? 0) ^ 1);
      return [...odd].filter(([, parity]) => parity === 1).map(([shift]) => shift);
    };
    const first = residue(kb);
    if (first.length !== 1) throw new Error(`LDPC code ${code.name}: the core rows do not sum to one circulant on the first parity column`);
    for (let c = kb + 1; c < kb + g; c++) {
      if (residue(c).length !== 0) throw new Error(`LDPC code ${code.name}: parity column ${c} does not cancel in the core row sum`);
    }
    this.firstParityShift = first[0];

    // Step 3: peel the remaining parity columns off rows with a single unknown.
    const solved = new Uint8Array(baseCols);
    for (let c = 0; c <= kb; c++) solved[c] = 1;
    const usedRow = new Uint8Array(baseRows);
    const order: { col: number; row: number }[] = [{ col: kb, row: -1 }];
    const steps: number[] = [];
    let remaining = baseCols - kb - 1;
    while (remaining > 0) {
      let progressed = false;
      for (let r = 0; r < baseRows; r++) {
        if (usedRow[r]) continue;
        const unknown = colsOfRow[r].filter((c) => !solved[c.col]);
        if (unknown.length !== 1) continue;
        const { col, shift } = unknown[0];
        usedRow[r] = 1;
        solved[col] = 1;
        steps.push(r * ws, col * wd, shift);
        order.push({ col, row: r });
        remaining--;
        progressed = true;
      }
      if (!progressed) throw new Error(`LDPC code ${code.name}: parity part is not solvable column by column (not dual-diagonal + lower triangular)`);
    }
    this.steps = Int32Array.from(steps);

    const feed: number[] = [];
    const feedStart = [0];
    for (const { col, row } of order) {
      for (const b of rowsOfCol[col]) if (b.row !== row) feed.push(b.row * ws, b.shift);
      feedStart.push(feed.length);
    }
    this.feed = Int32Array.from(feed);
    this.feedStart = Int32Array.from(feedStart);
    this.packed = new Uint32Array(baseCols * wd);
    this.lambda = new Uint32Array(baseRows * ws);
    this.scratch = new Uint32Array(wd);
  }

  /**
   * Encodes into a new (or the given) codeword of n bits. `systematic` holds up to k bits (0/1);
   * missing trailing systematic bits are 0 (5G NR filler bits).
   */
  encode(systematic: Uint8Array, out: Uint8Array = new Uint8Array(this.n)): Uint8Array {
    if (out.length !== this.n) throw new RangeError(`encoder for ${this.code.name}: output length ${out.length}, expected ${this.n}`);
    this.encodePacked(systematic);
    const { z, wd, packed } = this;
    for (let c = 0, m = 0; c < this.code.baseCols; c++) {
      const off = c * wd;
      for (let i = 0; i < z; i++, m++) out[m] = (packed[off + (i >>> 5)] >>> (i & 31)) & 1;
    }
    return out;
  }

  /**
   * A bit selection (mother indices, e.g. a rate matcher's output order) turned into addresses in
   * this encoder's packed codeword, for `encodeSelected`.
   */
  selection(positions: Int32Array): Int32Array {
    const { z, wd, n } = this;
    return Int32Array.from(positions, (m) => {
      if (!(m >= 0 && m < n)) throw new RangeError(`encoder for ${this.code.name}: bit ${m} is outside the ${n}-bit codeword`);
      const c = Math.floor(m / z);
      const i = m - c * z;
      return (c * wd + (i >>> 5)) * 32 + (i & 31);
    });
  }

  /** Encodes and writes only the selected codeword bits, in selection order: out[j] = codeword[positions[j]]. */
  encodeSelected(systematic: Uint8Array, selection: Int32Array, out: Uint8Array): Uint8Array {
    if (out.length !== selection.length) throw new RangeError(`encoder for ${this.code.name}: output length ${out.length}, expected ${selection.length}`);
    this.encodePacked(systematic);
    const packed = this.packed;
    for (let j = 0; j < selection.length; j++) {
      const a = selection[j];
      out[j] = (packed[a >>> 5] >>> (a & 31)) & 1;
    }
    return out;
  }

  /** Fills `packed` with the codeword. Not re-entrant: the encoder owns its buffers. */
  private encodePacked(systematic: Uint8Array): void {
    const { z, kb, ws, wd, packed, lambda, scratch, steps, feedStart } = this;
    if (systematic.length > this.code.k) throw new RangeError(`encoder for ${this.code.name}: ${systematic.length} systematic bits, at most ${this.code.k}`);
    for (let c = 0; c < kb; c++) {
      packSegment(packed, c * wd, systematic, c * z, z);
      storeDoubled(packed, c * wd, z);
    }

    lambda.fill(0);
    const sys = this.systematicBlocks;
    for (let i = 0; i < sys.length; i += 3) xorRotation(lambda, sys[i], packed, sys[i + 1], z, sys[i + 2]);

    scratch.fill(0);
    for (let r = 0; r < this.coreRows; r++) {
      const off = r * ws;
      for (let w = 0; w < ws; w++) scratch[w] ^= lambda[off + w];
    }
    this.solveInto(kb * wd, this.firstParityShift);
    this.feedColumn(kb * wd, feedStart[0], feedStart[1]);

    for (let s = 0, step = 1; s < steps.length; s += 3, step++) {
      scratch.set(lambda.subarray(steps[s], steps[s] + ws));
      this.solveInto(steps[s + 1], steps[s + 2]);
      this.feedColumn(steps[s + 1], feedStart[step], feedStart[step + 1]);
    }
  }

  /** Codeword column at `colOff` = P^−shift · (single segment in scratch). */
  private solveInto(colOff: number, shift: number): void {
    const { z, scratch, packed } = this;
    storeDoubled(scratch, 0, z);
    writeRotation(packed, colOff, scratch, 0, z, inverseShift(shift, z));
    storeDoubled(packed, colOff, z);
  }

  private feedColumn(colOff: number, from: number, to: number): void {
    const { z, feed, lambda, packed } = this;
    for (let f = from; f < to; f += 2) xorRotation(lambda, feed[f], packed, colOff, z, feed[f + 1]);
  }
}
