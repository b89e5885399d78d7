import { qcCode } from './qc-build';
import type { QcLdpcCode } from './qc-code';
import tables from './nr-base-graphs.json';

/**
 * The 5G NR LDPC base graphs and lifting sizes (3GPP TS 38.212 §5.3.2). The numbers live in
 * `nr-base-graphs.json` (Tables 5.3.2-1, -2, -3; provenance in SOURCES.md); this module gives
 * them types and lifts a base graph to a `QcLdpcCode` for a lifting size Z.
 */

export type NrBaseGraphId = 1 | 2;

/** One non-zero cell of a base graph: V_ij for the 8 lifting-size sets iLS = 0 … 7. */
export interface NrBaseGraphEntry {
  readonly row: number;
  readonly col: number;
  readonly shiftBySet: readonly number[];
}

export interface NrBaseGraph {
  readonly id: NrBaseGraphId;
  /** 46 for BG1, 42 for BG2. */
  readonly rows: number;
  /** 68 for BG1, 52 for BG2. */
  readonly cols: number;
  /** Systematic base columns: 22 for BG1, 10 for BG2 (K = systematicCols · Z). */
  readonly systematicCols: number;
  /** Non-zero cells, sorted by row, then column. */
  readonly entries: readonly NrBaseGraphEntry[];
}

/** Table 5.3.2-1: the lifting sizes of set iLS are a · 2^j ≤ 384 with a = 2, 3, 5, 7, 9, 11, 13, 15. */
export const NR_LIFTING_SIZE_SETS: readonly (readonly number[])[] = Object.freeze(
  tables.liftingSizeSets.map((set) => Object.freeze([...set])),
);

/** All 51 lifting sizes, ascending. */
export const NR_LIFTING_SIZES: readonly number[] = Object.freeze(NR_LIFTING_SIZE_SETS.flat().sort((a, b) => a - b));

const setIndexByZ = new Map<number, number>();
NR_LIFTING_SIZE_SETS.forEach((set, iLS) => set.forEach((z) => setIndexByZ.set(z, iLS)));

/** The set index iLS whose set contains Z (Table 5.3.2-1). */
export function nrLiftingSetIndex(z: number): number {
  const iLS = setIndexByZ.get(z);
  if (iLS === undefined) throw new RangeError(`Z = ${z} is not a 5G NR lifting size (38.212 Table 5.3.2-1: a·2^j ≤ 384, a ∈ {2,3,5,7,9,11,13,15})`);
  return iLS;
}

function loadBaseGraph(id: NrBaseGraphId): NrBaseGraph {
  const raw = id === 1 ? tables.baseGraphs.bg1 : tables.baseGraphs.bg2;
  const entries = raw.entries.map((cells): NrBaseGraphEntry => {
    if (cells.length !== 10) throw new Error(`nr-base-graphs.json: BG${id} entry [${cells.join(',')}] must be [row, col, V for iLS 0..7]`);
    const [row, col, ...shiftBySet] = cells;
    return Object.freeze({ row, col, shiftBySet: Object.freeze(shiftBySet) });
  });
  return Object.freeze({ id, rows: raw.rows, cols: raw.cols, systematicCols: raw.systematicCols, entries: Object.freeze(entries) });
}

const baseGraphs = new Map<NrBaseGraphId, NrBaseGraph>();

export function nrBaseGraph(id: NrBaseGraphId): NrBaseGraph {
  let bg = baseGraphs.get(id);
  if (!bg) {
    bg = loadBaseGraph(id);
    baseGraphs.set(id, bg);
  }
  return bg;
}

const liftedCodes = new Map<string, QcLdpcCode>();

/**
 * The base graph lifted by Z (38.212 §5.3.2): block (i, j) has shift P_ij = V_ij mod Z with V from
 * the set iLS containing Z. The whole mother code, before puncturing: k = systematicCols · Z,
 * n = cols · Z. Cached: a code is immutable and used for many blocks.
 */
export function nrCode(id: NrBaseGraphId, z: number): QcLdpcCode {
  const name = `nr:bg${id}:z${z}`;
  let code = liftedCodes.get(name);
  if (!code) {
    const iLS = nrLiftingSetIndex(z);
    const bg = nrBaseGraph(id);
    code = qcCode({
      name,
      z,
      baseRows: bg.rows,
      baseCols: bg.cols,
      k: bg.systematicCols * z,
      blocks: bg.entries.map((e) => ({ row: e.row, col: e.col, shift: e.shiftBySet[iLS] % z })),
    });
    liftedCodes.set(name, code);
  }
  return code;
}
