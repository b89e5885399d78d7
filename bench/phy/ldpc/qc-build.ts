import type { QcBlock, QcLdpcCode } from './qc-code';

/**
 * Building `QcLdpcCode` values: the one place that checks a block list (in range, one block per
 * cell, shifts in [0, Z)) and puts it in the interface's order (by row, then column). The 5G NR
 * and 802.11n constructions both go through here.
 */

export interface QcCodeParts {
  readonly name: string;
  readonly z: number;
  readonly baseRows: number;
  readonly baseCols: number;
  readonly k: number;
  readonly blocks: Iterable<QcBlock>;
}

/** A checked, sorted, frozen QC-LDPC code. Throws (a programming error, not a user error) on bad parts. */
export function qcCode(parts: QcCodeParts): QcLdpcCode {
  const { name, z, baseRows, baseCols, k } = parts;
  if (!(Number.isInteger(z) && z >= 1)) throw new Error(`QC-LDPC code ${name}: Z must be a positive integer, got ${z}`);
  if (!(Number.isInteger(baseRows) && Number.isInteger(baseCols) && baseRows >= 1 && baseCols > baseRows)) {
    throw new Error(`QC-LDPC code ${name}: a ${baseRows}×${baseCols} base matrix needs 1 ≤ rows < columns`);
  }
  if (!(Number.isInteger(k) && k >= 1 && k <= (baseCols - baseRows) * z)) {
    throw new Error(`QC-LDPC code ${name}: k = ${k} must be in [1, (baseCols − baseRows)·Z]`);
  }
  const seen = new Set<number>();
  const blocks: QcBlock[] = [];
  for (const b of parts.blocks) {
    const ok = Number.isInteger(b.row) && Number.isInteger(b.col) && Number.isInteger(b.shift) &&
      b.row >= 0 && b.row < baseRows && b.col >= 0 && b.col < baseCols && b.shift >= 0 && b.shift < z;
    if (!ok) throw new Error(`QC-LDPC code ${name}: block (row ${b.row}, col ${b.col}, shift ${b.shift}) is outside ${baseRows}×${baseCols} or shift range [0, ${z})`);
    const cell = b.row * baseCols + b.col;
    if (seen.has(cell)) throw new Error(`QC-LDPC code ${name}: two blocks at (row ${b.row}, col ${b.col})`);
    seen.add(cell);
    blocks.push(Object.freeze({ row: b.row, col: b.col, shift: b.shift }));
  }
  blocks.sort((a, b) => a.row - b.row || a.col - b.col);
  return Object.freeze({ name, z, baseRows, baseCols, k, blocks: Object.freeze(blocks) });
}

/**
 * The blocks of a prototype (exponent) matrix written as rows of shifts, −1 for a zero block —
 * the form in which IEEE 802.11n prints its matrices. Shifts are taken mod Z.
 */
export function blocksFromPrototype(prototype: readonly (readonly number[])[], z: number): QcBlock[] {
  const blocks: QcBlock[] = [];
  prototype.forEach((cells, row) => {
    cells.forEach((shift, col) => {
      if (shift >= 0) blocks.push({ row, col, shift: shift % z });
    });
  });
  return blocks;
}

/**
 * The code made of the first `baseRows` base rows and first `baseCols` base columns of `code`.
 * Used to drop the checks of untransmitted extension parity columns (5G NR): such a check holds a
 * degree-1 bit with LLR 0, so it carries no information and dropping it changes no decoding.
 * Throws if a kept row has a block in a dropped column (then dropping would change the code).
 */
export function leadingSubcode(code: QcLdpcCode, baseRows: number, baseCols: number, name: string): QcLdpcCode {
  if (baseRows === code.baseRows && baseCols === code.baseCols) return code;
  const blocks = code.blocks.filter((b) => b.row < baseRows);
  const outside = blocks.find((b) => b.col >= baseCols);
  if (outside) {
    throw new Error(`QC-LDPC code ${code.name}: row ${outside.row} has a block in column ${outside.col}, outside the leading ${baseRows}×${baseCols} part`);
  }
  return qcCode({ name, z: code.z, baseRows, baseCols, k: code.k, blocks });
}
