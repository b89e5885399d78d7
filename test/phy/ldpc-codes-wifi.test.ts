import { DualDiagonalEncoder } from '../../bench/phy/ldpc/dual-diagonal-encoder';
import { codeLength, syndromeWeight } from '../../bench/phy/ldpc/qc-code';
import { WIFI_BLOCK_LENGTHS, WIFI_RATES, wifiCode } from '../../bench/phy/ldpc/wifi-codes';
import { rngFromText } from '../../bench/phy/rng';

function randomBits(n: number, seed: string): Uint8Array {
  const r = rngFromText(seed);
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = r.nextUint32() & 1;
  return bits;
}

const RATE_VALUE = { '1/2': 1 / 2, '2/3': 2 / 3, '3/4': 3 / 4, '5/6': 5 / 6 } as const;
const BASE_ROWS = { '1/2': 12, '2/3': 8, '3/4': 6, '5/6': 4 } as const;
/** Non-zero blocks of each prototype, n = 648 / 1296 / 1944, counted from the Annex R tables. */
const BLOCKS: Record<string, number[]> = {
  '1/2': [88, 86, 86],
  '2/3': [88, 88, 88],
  '3/4': [88, 88, 85],
  '5/6': [88, 85, 79],
};

describe('IEEE 802.11n LDPC codes (Annex R)', () => {
  const all = WIFI_BLOCK_LENGTHS.flatMap((n, ni) => WIFI_RATES.map((rate) => ({ n, ni, rate })));

  test('12 codes: Z = n/24, 24 base columns, k = n·R, entry counts', () => {
    expect(all).toHaveLength(12);
    for (const { n, ni, rate } of all) {
      const code = wifiCode(n, rate);
      expect(code.name).toBe(`wifi:${n}:${rate}`);
      expect(code.z).toBe(n / 24);
      expect(code.baseCols).toBe(24);
      expect(code.baseRows).toBe(BASE_ROWS[rate]);
      expect(codeLength(code)).toBe(n);
      expect(code.k).toBe(Math.round(n * RATE_VALUE[rate]));
      expect(code.blocks).toHaveLength(BLOCKS[rate][ni]);
    }
  });

  test('dual-diagonal parity part: column kb holds shifts 1, 0, 1; the staircase has shift 0', () => {
    for (const { n, rate } of all) {
      const code = wifiCode(n, rate);
      const kb = 24 - code.baseRows;
      const col = (c: number) => code.blocks.filter((b) => b.col === c).map((b) => [b.row, b.shift]);
      const first = col(kb);
      expect(first).toHaveLength(3);
      expect(first[0]).toEqual([0, 1]);
      expect(first[2]).toEqual([code.baseRows - 1, 1]);
      expect(first[1][1]).toBe(0);
      for (let j = 1; j < code.baseRows; j++) expect(col(kb + j)).toEqual([[j - 1, 0], [j, 0]]);
    }
  });

  test('a few spot values of the printed tables', () => {
    const shift = (n: 648 | 1296 | 1944, rate: '1/2' | '2/3' | '3/4' | '5/6', row: number, c: number) =>
      wifiCode(n, rate).blocks.find((b) => b.row === row && b.col === c)?.shift;
    expect(shift(1944, '1/2', 0, 0)).toBe(57);
    expect(shift(1944, '5/6', 3, 18)).toBe(73);
    expect(shift(648, '1/2', 1, 0)).toBe(22);
    // The one cell where our two sources disagreed (see SOURCES.md): 22, as in 3 of 4 copies.
    expect(shift(1296, '2/3', 3, 10)).toBe(22);
    expect(shift(1296, '1/2', 10, 0)).toBeUndefined();
  });

  test('all 12 codes encode to codewords with H·c = 0', () => {
    for (const { n, rate } of all) {
      const code = wifiCode(n, rate);
      const encoder = new DualDiagonalEncoder(code);
      for (let word = 0; word < 3; word++) {
        const info = randomBits(code.k, `wifi ${n} ${rate} ${word}`);
        const c = encoder.encode(info);
        expect(syndromeWeight(code, c)).toBe(0);
        expect(Buffer.compare(c.subarray(0, code.k), info)).toBe(0); // systematic
      }
      const zero = encoder.encode(new Uint8Array(code.k));
      expect(zero.every((b) => b === 0)).toBe(true);
    }
  });
});
