import { DualDiagonalEncoder } from '../../bench/phy/ldpc/dual-diagonal-encoder';
import { nrBaseGraph, nrCode, nrLiftingSetIndex, NR_LIFTING_SIZES, NR_LIFTING_SIZE_SETS, type NrBaseGraphId } from '../../bench/phy/ldpc/nr-base-graph';
import { nrBaseGraphSelect, nrCodeBlock, nrSizingColumns } from '../../bench/phy/ldpc/nr-code-block';
import { codeLength, syndromeWeight, type QcLdpcCode } from '../../bench/phy/ldpc/qc-code';
import { rngFromText } from '../../bench/phy/rng';

function randomBits(n: number, seed: string): Uint8Array {
  const r = rngFromText(seed);
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = r.nextUint32() & 1;
  return bits;
}

function degrees(id: NrBaseGraphId): { rows: number[]; cols: number[] } {
  const bg = nrBaseGraph(id);
  const rows = new Array<number>(bg.rows).fill(0);
  const cols = new Array<number>(bg.cols).fill(0);
  for (const e of bg.entries) {
    rows[e.row]++;
    cols[e.col]++;
  }
  return { rows, cols };
}

/** V of cell (row, col) for set iLS, or undefined for a zero block. */
function v(id: NrBaseGraphId, row: number, col: number, iLS: number): number | undefined {
  return nrBaseGraph(id).entries.find((e) => e.row === row && e.col === col)?.shiftBySet[iLS];
}

describe('5G NR lifting sizes (38.212 Table 5.3.2-1)', () => {
  test('51 sizes a·2^j ≤ 384, set iLS holding a = 2, 3, 5, 7, 9, 11, 13, 15', () => {
    expect(NR_LIFTING_SIZES).toHaveLength(51);
    const a = [2, 3, 5, 7, 9, 11, 13, 15];
    NR_LIFTING_SIZE_SETS.forEach((set, iLS) => {
      const expected: number[] = [];
      for (let z = a[iLS]; z <= 384; z *= 2) expected.push(z);
      expect(set).toEqual(expected);
      for (const z of set) expect(nrLiftingSetIndex(z)).toBe(iLS);
    });
    expect(NR_LIFTING_SIZES[0]).toBe(2);
    expect(NR_LIFTING_SIZES[50]).toBe(384);
    expect(() => nrLiftingSetIndex(17)).toThrow(/not a 5G NR lifting size/);
  });
});

describe('5G NR base graphs (38.212 Tables 5.3.2-2, 5.3.2-3)', () => {
  test('sizes and number of non-zero entries: BG1 46×68 with 316, BG2 42×52 with 197', () => {
    const bg1 = nrBaseGraph(1);
    const bg2 = nrBaseGraph(2);
    expect([bg1.rows, bg1.cols, bg1.systematicCols, bg1.entries.length]).toEqual([46, 68, 22, 316]);
    expect([bg2.rows, bg2.cols, bg2.systematicCols, bg2.entries.length]).toEqual([42, 52, 10, 197]);
    for (const bg of [bg1, bg2]) {
      const cells = new Set(bg.entries.map((e) => e.row * bg.cols + e.col));
      expect(cells.size).toBe(bg.entries.length);
      // Every V_ij is below the largest Z of its set (so P = V mod Z is a genuine reduction).
      const outOfRange = bg.entries.filter((e) => e.shiftBySet.length !== 8 || e.shiftBySet.some((value, iLS) => !(value >= 0 && value < Math.max(...NR_LIFTING_SIZE_SETS[iLS]))));
      expect(outOfRange).toEqual([]);
    }
  });

  test('degree profile: the two high-degree punctured columns, the core rows, degree-1 extension columns', () => {
    const d1 = degrees(1);
    const d2 = degrees(2);
    expect(d1.cols.slice(0, 2)).toEqual([30, 28]);
    expect(d2.cols.slice(0, 2)).toEqual([22, 23]);
    expect(d1.rows.slice(0, 4)).toEqual([19, 19, 19, 19]);
    expect(d2.rows.slice(0, 4)).toEqual([8, 10, 8, 10]);
    expect(Math.max(...d1.rows)).toBe(19);
    expect(Math.max(...d2.rows)).toBe(10);
    expect(d1.cols.slice(26)).toEqual(new Array(42).fill(1));
    expect(d2.cols.slice(14)).toEqual(new Array(38).fill(1));
    // Cross-check of selected values against the printed tables.
    expect(v(1, 0, 0, 0)).toBe(250);
    expect(v(1, 45, 10, 7)).toBe(93);
    expect(v(2, 0, 0, 1)).toBe(174);
    expect(v(2, 41, 11, 7)).toBe(230);
  });

  test('double-diagonal core: BG1 rows 0–3 × cols 22–25, BG2 rows 0–3 × cols 10–13', () => {
    for (const [id, kb] of [[1, 22], [2, 10]] as const) {
      const pattern = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (v(id, r, kb + c, 0) === undefined ? 0 : 1)));
      const expected = id === 1
        ? [[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 1, 1], [1, 0, 0, 1]]
        : [[1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 1, 1], [1, 0, 0, 1]];
      expect(pattern).toEqual(expected);
      for (let iLS = 0; iLS < 8; iLS++) {
        // The staircase columns have shift 0 in every set...
        for (const [r, c] of [[0, 1], [1, 1], [1, 2], [2, 2], [2, 3], [3, 3]]) {
          if (pattern[r][c]) expect(v(id, r, kb + c, iLS)).toBe(0);
        }
        // ...and the first parity column's three shifts cancel in pairs but one.
        const shifts = [0, 1, 2, 3].flatMap((r) => (pattern[r][0] ? [v(id, r, kb, iLS)!] : []));
        const odd = shifts.filter((s) => shifts.filter((t) => t === s).length % 2 === 1);
        expect(odd).toHaveLength(1);
      }
    }
  });

  test('identity extension: row r ≥ 4 ends in an identity block at column (cols − rows) + r', () => {
    for (const id of [1, 2] as const) {
      const bg = nrBaseGraph(id);
      const firstExtension = bg.systematicCols + 4;
      for (let r = 4; r < bg.rows; r++) {
        const cells = bg.entries.filter((e) => e.row === r && e.col >= firstExtension);
        expect(cells.map((e) => e.col)).toEqual([bg.cols - bg.rows + r]);
        expect(cells[0].shiftBySet).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
      }
      for (let r = 0; r < 4; r++) expect(bg.entries.some((e) => e.row === r && e.col >= firstExtension)).toBe(false);
    }
  });

  test('lifting: P = V mod Z and the mother code shape', () => {
    const code = nrCode(1, 13); // iLS 6
    expect(code.name).toBe('nr:bg1:z13');
    expect([code.baseRows, code.baseCols, code.k, codeLength(code)]).toEqual([46, 68, 22 * 13, 68 * 13]);
    expect(code.blocks.find((b) => b.row === 1 && b.col === 22)!.shift).toBe(105 % 13);
    expect(code.blocks.find((b) => b.row === 0 && b.col === 0)!.shift).toBe(0);
    expect(nrCode(2, 384).blocks.find((b) => b.row === 0 && b.col === 1)!.shift).toBe(97);
    expect(nrCode(1, 13)).toBe(code); // cached
  });

  test('every lifting size of both base graphs encodes to codewords with H·c = 0', () => {
    let checked = 0;
    for (const id of [1, 2] as const) {
      for (const z of NR_LIFTING_SIZES) {
        const code: QcLdpcCode = nrCode(id, z);
        const encoder = new DualDiagonalEncoder(code);
        for (let word = 0; word < 2; word++) {
          const info = randomBits(code.k, `nr ${id} ${z} ${word}`);
          const c = encoder.encode(info);
          expect(syndromeWeight(code, c)).toBe(0);
          expect(Buffer.compare(c.subarray(0, code.k), info)).toBe(0); // systematic
          checked++;
        }
        // A corrupted codeword is caught (the check is not vacuous).
        const c = encoder.encode(randomBits(code.k, `nr ${id} ${z} flip`));
        c[code.k + 1] ^= 1;
        expect(syndromeWeight(code, c)).toBeGreaterThan(0);
      }
    }
    expect(checked).toBe(2 * 51 * 2);
  });
});

describe('5G NR code block sizing', () => {
  test('base graph selection (38.212 §7.2.2)', () => {
    expect(nrBaseGraphSelect(3072, 0.5)).toBe(2); // A ≤ 3824 and R ≤ 0.67
    expect(nrBaseGraphSelect(3072, 2 / 3)).toBe(2);
    expect(nrBaseGraphSelect(3072, 0.7)).toBe(1);
    expect(nrBaseGraphSelect(292, 0.9)).toBe(2); // A ≤ 292
    expect(nrBaseGraphSelect(293, 0.9)).toBe(1);
    expect(nrBaseGraphSelect(8000, 0.25)).toBe(2); // R ≤ 0.25
    expect(nrBaseGraphSelect(8000, 0.26)).toBe(1);
    expect(nrBaseGraphSelect(3825, 0.5)).toBe(1);
  });

  test('K_b by the 640/560/192 thresholds and Z = smallest lifting size with K_b·Z ≥ K', () => {
    expect(nrSizingColumns(1, 100)).toBe(22);
    expect([641, 640, 561, 560, 193, 192].map((k) => nrSizingColumns(2, k))).toEqual([10, 9, 9, 8, 8, 6]);
    const b = nrCodeBlock(2, 3072);
    expect([b.sizingColumns, b.z, b.systematicBits, b.fillerBits, b.bufferLength, b.motherLength]).toEqual([10, 320, 3200, 128, 50 * 320, 52 * 320]);
    expect(nrCodeBlock(2, 200).z).toBe(26); // 8·24 = 192 < 200 ≤ 8·26
    expect(nrCodeBlock(2, 600).z).toBe(72); // K_b = 9: 9·64 = 576 < 600 ≤ 9·72
    expect(nrCodeBlock(1, 8448).z).toBe(384);
    expect(nrCodeBlock(1, 8448).fillerBits).toBe(0);
    expect(nrCodeBlock(1, 4000).z).toBe(192); // 22·176 = 3872 < 4000
    expect(() => nrCodeBlock(2, 3841)).toThrow(RangeError);
  });
});
