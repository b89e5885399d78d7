import { doubledWords, inverseShift, packSegment, singleWords, storeDoubled, writeRotation, xorRotation } from '../../bench/phy/ldpc/circulant';
import { DualDiagonalEncoder } from '../../bench/phy/ldpc/dual-diagonal-encoder';
import { blocksFromPrototype, leadingSubcode, qcCode } from '../../bench/phy/ldpc/qc-build';
import { syndromeWeight } from '../../bench/phy/ldpc/qc-code';
import { wifiCode } from '../../bench/phy/ldpc/wifi-codes';
import { rngFromText } from '../../bench/phy/rng';

function randomBits(n: number, seed: string): Uint8Array {
  const r = rngFromText(seed);
  return Uint8Array.from({ length: n }, () => r.nextUint32() & 1);
}

function unpack(words: Uint32Array, z: number): number[] {
  return Array.from({ length: z }, (_, i) => (words[i >>> 5] >>> (i & 31)) & 1);
}

describe('bit-packed circulant arithmetic', () => {
  test.each([2, 3, 5, 27, 31, 32, 33, 54, 64, 81, 320, 384])('Z = %i: rotations match (P^s x)[i] = x[(i + s) mod Z]', (z) => {
    const x = randomBits(z, `x ${z}`);
    const y = randomBits(z, `y ${z}`);
    const dbl = new Uint32Array(doubledWords(z));
    packSegment(dbl, 0, x, 0, z);
    storeDoubled(dbl, 0, z);
    expect(unpack(dbl.subarray(0), 2 * z)).toEqual([...x, ...x]);
    for (const s of new Set([0, 1, Math.floor(z / 2), z - 1, 31 % z, 33 % z])) {
      const expected = Array.from({ length: z }, (_, i) => x[(i + s) % z]);
      const out = new Uint32Array(singleWords(z));
      writeRotation(out, 0, dbl, 0, z, s);
      expect(unpack(out, z)).toEqual(expected);
      const acc = new Uint32Array(singleWords(z));
      packSegment(acc, 0, y, 0, z);
      xorRotation(acc, 0, dbl, 0, z, s);
      expect(unpack(acc, z)).toEqual(expected.map((b, i) => b ^ y[i]));
      // P^−s undoes P^s.
      const back = new Uint32Array(doubledWords(z));
      back.set(out);
      storeDoubled(back, 0, z);
      const again = new Uint32Array(singleWords(z));
      writeRotation(again, 0, back, 0, z, inverseShift(s, z));
      expect(unpack(again, z)).toEqual(Array.from(x));
    }
  });

  test('packing reads bits past the end of the input as 0', () => {
    const words = new Uint32Array(singleWords(40)).fill(0xffffffff);
    packSegment(words, 0, Uint8Array.from([1, 0, 1]), 0, 40);
    expect(unpack(words, 40)).toEqual([1, 0, 1, ...new Array(37).fill(0)]);
  });
});

describe('QC code building', () => {
  test('qcCode sorts blocks and rejects out-of-range or duplicate cells', () => {
    const code = qcCode({ name: 't', z: 4, baseRows: 2, baseCols: 4, k: 8, blocks: [{ row: 1, col: 0, shift: 3 }, { row: 0, col: 2, shift: 1 }, { row: 0, col: 1, shift: 0 }] });
    expect(code.blocks.map((b) => [b.row, b.col])).toEqual([[0, 1], [0, 2], [1, 0]]);
    expect(() => qcCode({ name: 't', z: 4, baseRows: 2, baseCols: 4, k: 8, blocks: [{ row: 0, col: 0, shift: 4 }] })).toThrow(/shift range/);
    expect(() => qcCode({ name: 't', z: 4, baseRows: 2, baseCols: 4, k: 8, blocks: [{ row: 2, col: 0, shift: 0 }] })).toThrow(/outside/);
    expect(() => qcCode({ name: 't', z: 4, baseRows: 2, baseCols: 4, k: 8, blocks: [{ row: 0, col: 0, shift: 0 }, { row: 0, col: 0, shift: 1 }] })).toThrow(/two blocks/);
  });

  test('blocksFromPrototype: −1 is a zero block, shifts are taken mod Z', () => {
    expect(blocksFromPrototype([[-1, 5], [30, -1]], 27)).toEqual([{ row: 0, col: 1, shift: 5 }, { row: 1, col: 0, shift: 3 }]);
  });

  test('leadingSubcode refuses to cut a column a kept row uses', () => {
    const code = wifiCode(648, '1/2');
    expect(() => leadingSubcode(code, 2, 14, 'cut')).toThrow(/outside the leading/);
    expect(leadingSubcode(code, 12, 24, 'same')).toBe(code);
  });
});

describe('DualDiagonalEncoder', () => {
  test('rejects a parity part without the dual-diagonal structure', () => {
    const notDualDiagonal = qcCode({
      name: 'dense', z: 3, baseRows: 2, baseCols: 4, k: 6,
      blocks: [0, 1, 2, 3].flatMap((col) => [0, 1].map((row) => ({ row, col, shift: (row + col) % 3 }))),
    });
    expect(() => new DualDiagonalEncoder(notDualDiagonal)).toThrow(/core/);
  });

  test('a short systematic input is padded with zeros (fillers); encode into a given array', () => {
    const code = wifiCode(648, '3/4');
    const encoder = new DualDiagonalEncoder(code);
    const info = randomBits(400, 'short');
    const padded = new Uint8Array(code.k);
    padded.set(info);
    const out = new Uint8Array(648);
    expect(encoder.encode(info, out)).toBe(out);
    expect(Buffer.compare(out, encoder.encode(padded))).toBe(0);
    expect(syndromeWeight(code, out)).toBe(0);
    expect(() => encoder.encode(new Uint8Array(code.k + 1))).toThrow(RangeError);
  });

  test('encodeSelected writes the selected bits in selection order', () => {
    const code = wifiCode(1296, '2/3');
    const encoder = new DualDiagonalEncoder(code);
    const info = randomBits(code.k, 'select');
    const full = encoder.encode(info);
    const positions = Int32Array.from([1295, 0, 54, 53, 864, 865, 7]);
    const out = encoder.encodeSelected(info, encoder.selection(positions), new Uint8Array(positions.length));
    expect(Array.from(out)).toEqual(Array.from(positions, (m) => full[m]));
    expect(() => encoder.selection(Int32Array.from([1296]))).toThrow(RangeError);
  });
});
