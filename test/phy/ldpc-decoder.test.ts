import {
  createLdpcDecoder,
  decodeLdpc,
  DEFAULT_MAX_ITERATIONS,
  type LdpcDecoder,
  type LdpcDecoderOptions,
  type LdpcDecodeResult,
} from '../../bench/phy/ldpc/decoder';
import { checksSatisfied, edgeLayout } from '../../bench/phy/ldpc/decoder-layout';
import { quantizeLlrs, WASM_LLR_SCALE, wasmSimdAvailability } from '../../bench/phy/ldpc/decoder-wasm';
import { codeLength, syndromeWeight, type QcBlock, type QcLdpcCode } from '../../bench/phy/ldpc/qc-code';
import { Rng, rngFromText } from '../../bench/phy/rng';

/**
 * IEEE 802.11n-2009 rate-1/2 prototype matrix for n = 648 (Z = 27), −1 = zero block: a fact of
 * the standard, here so that these tests do not wait for the code constructions.
 */
const WIFI_648_R12 = [
  [0, -1, -1, -1, 0, 0, -1, -1, 0, -1, -1, 0, 1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],
  [22, 0, -1, -1, 17, -1, 0, 0, 12, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1],
  [6, -1, 0, -1, 10, -1, -1, -1, 24, -1, 0, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1],
  [2, -1, -1, 0, 20, -1, -1, -1, 25, 0, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1],
  [23, -1, -1, -1, 3, -1, -1, -1, 0, -1, 9, 11, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1],
  [24, -1, 23, 1, 17, -1, 3, -1, 10, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1],
  [25, -1, -1, -1, 8, -1, -1, -1, 7, 18, -1, -1, 0, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1],
  [13, 24, -1, -1, 0, -1, 8, -1, 6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1],
  [7, 20, -1, 16, 22, 10, -1, -1, 23, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1],
  [11, -1, -1, -1, 19, -1, -1, -1, 13, -1, 3, 17, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1],
  [25, -1, 8, -1, 23, 18, -1, 14, 9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0],
  [3, -1, -1, -1, 16, -1, -1, 2, 25, 5, -1, -1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0],
];

function codeFromPrototype(name: string, z: number, base: number[][]): QcLdpcCode {
  const blocks: QcBlock[] = [];
  base.forEach((cols, row) => cols.forEach((shift, col) => shift >= 0 && blocks.push({ row, col, shift })));
  return { name, z, baseRows: base.length, baseCols: base[0].length, blocks, k: (base[0].length - base.length) * z };
}

const code = codeFromPrototype('test:wifi648-r12', 27, WIFI_648_R12);
const n = codeLength(code);

/**
 * Systematic encoder by Gaussian elimination over GF(2): bring the parity columns of H (the last
 * n − k) to the identity; then parity bit of pivot row r = Σ_j H'[r][j]·s_j over the info columns.
 */
function makeEncoder(c: QcLdpcCode): (info: Uint8Array) => Uint8Array {
  const len = codeLength(c);
  const m = c.baseRows * c.z;
  const words = Math.ceil(len / 32);
  const rows = Array.from({ length: m }, () => new Uint32Array(words));
  for (const b of c.blocks) {
    for (let i = 0; i < c.z; i++) {
      const col = b.col * c.z + ((i + b.shift) % c.z);
      rows[b.row * c.z + i][col >>> 5] ^= 1 << (col & 31);
    }
  }
  const bit = (row: Uint32Array, col: number): number => (row[col >>> 5] >>> (col & 31)) & 1;
  for (let r = 0; r < m; r++) {
    const col = c.k + r;
    let pivot = r;
    while (pivot < m && !bit(rows[pivot], col)) pivot++;
    if (pivot === m) throw new Error(`parity part of H is singular at column ${col}`);
    [rows[r], rows[pivot]] = [rows[pivot], rows[r]];
    for (let other = 0; other < m; other++) {
      if (other !== r && bit(rows[other], col)) for (let w = 0; w < words; w++) rows[other][w] ^= rows[r][w];
    }
  }
  return (info) => {
    const word = new Uint8Array(len);
    word.set(info.subarray(0, c.k));
    for (let r = 0; r < m; r++) {
      let p = 0;
      for (let j = 0; j < c.k; j++) p ^= bit(rows[r], j) & info[j];
      word[c.k + r] = p;
    }
    return word;
  };
}

const encode = makeEncoder(code);

function randomCodeword(rng: Rng): Uint8Array {
  const info = new Uint8Array(code.k);
  for (let j = 0; j < code.k; j++) info[j] = rng.nextUint32() & 1;
  return encode(info);
}

/** BPSK (0 → +1) over real AWGN at Eb/N0 (dB) for the code's rate: LLR = 2y/σ². */
function bpskLlrs(word: Uint8Array, ebN0Db: number, rng: Rng): Float32Array {
  const rate = code.k / n;
  const sigma2 = 1 / (2 * rate * Math.pow(10, ebN0Db / 10));
  const sigma = Math.sqrt(sigma2);
  const llr = new Float32Array(word.length);
  for (let v = 0; v < word.length; v++) llr[v] = (2 * (1 - 2 * word[v] + sigma * rng.normal())) / sigma2;
  return llr;
}

function noiselessLlrs(word: Uint8Array, magnitude = 8): Float32Array {
  return Float32Array.from(word, (b) => (b ? -magnitude : magnitude));
}


const ALGORITHMS: Record<string, LdpcDecoderOptions> = {
  'min-sum wasm-simd': { algorithm: 'min-sum', implementation: 'wasm-simd' },
  'min-sum scalar': { algorithm: 'min-sum', implementation: 'scalar' },
  'layered sum-product': { algorithm: 'sum-product' },
  'flooding sum-product': { algorithm: 'flooding-sum-product' },
};

function decoders(extra: LdpcDecoderOptions = {}): [string, LdpcDecoder][] {
  return Object.entries(ALGORITHMS).map(([label, options]) => [label, createLdpcDecoder(code, { ...options, ...extra })]);
}

const sameBits = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

describe('test fixtures', () => {
  test('the WebAssembly kernel is built (npm run build / node bench/phy/ldpc/wasm/build.js)', () => {
    expect(wasmSimdAvailability()).toEqual({ engineSupportsSimd: true, ready: true, problem: undefined });
  });

  test('the GF(2) encoder yields codewords of the 802.11n n=648 code', () => {
    const rng = rngFromText('ldpc-decoder:encoder');
    for (let f = 0; f < 5; f++) expect(syndromeWeight(code, randomCodeword(rng))).toBe(0);
  });
});

describe('edge layout', () => {
  test('one edge per one of H, rows contiguous, parity check matches syndromeWeight', () => {
    const layout = edgeLayout(code);
    expect(layout.edges).toBe(code.blocks.length * code.z);
    expect(layout.layers).toBe(12);
    expect(Array.from(layout.layerDegree).reduce((a, b) => a + b, 0)).toBe(code.blocks.length);
    expect(Math.max(...layout.edgeVariable)).toBe(n - 1);
    const rng = rngFromText('ldpc-decoder:layout');
    for (let f = 0; f < 20; f++) {
      const word = f % 2 ? randomCodeword(rng) : Uint8Array.from({ length: n }, () => rng.nextUint32() & 1);
      expect(checksSatisfied(layout, word)).toBe(syndromeWeight(code, word) === 0);
    }
  });

  test('built once per code: same object for the same code and for an equal copy', () => {
    expect(edgeLayout(code)).toBe(edgeLayout(code));
    expect(edgeLayout({ ...code, blocks: code.blocks.map((b) => ({ ...b })) })).toBe(edgeLayout(code));
  });

  test('rejects malformed codes with a message naming the code', () => {
    expect(() => edgeLayout({ ...code, blocks: [...code.blocks, { row: 0, col: 30, shift: 0 }] })).toThrow(/test:wifi648-r12.*outside/);
    expect(() => edgeLayout({ ...code, blocks: code.blocks.map((b) => ({ ...b, shift: 27 })) })).toThrow(/shift range/);
  });
});

describe.each(Object.keys(ALGORITHMS))('%s', (label) => {
  const decoder = createLdpcDecoder(code, ALGORITHMS[label]);
  const rng = rngFromText(`ldpc-decoder:${label}`);

  test('noiseless LLRs decode in one iteration', () => {
    const word = randomCodeword(rng);
    const r = decoder.decode(noiselessLlrs(word));
    expect(r).toMatchObject({ success: true, iterations: 1 });
    expect(sameBits(r.bits, word)).toBe(true);
  });

  test('all-zero and random codewords with moderate noise (Eb/N0 3.5 dB) decode', () => {
    const words = [new Uint8Array(n), new Uint8Array(n), ...Array.from({ length: 14 }, () => randomCodeword(rng))];
    const results = decoder.decodeBatch(words.map((w) => bpskLlrs(w, 3.5, rng)));
    results.forEach((r, f) => {
      expect(r.success).toBe(true);
      expect(sameBits(r.bits, words[f])).toBe(true);
      expect(r.iterations).toBeLessThan(DEFAULT_MAX_ITERATIONS);
    });
  });

  test('heavy noise (Eb/N0 −3 dB): failure reported after the iteration limit', () => {
    const limited = createLdpcDecoder(code, { ...ALGORITHMS[label], maxIterations: 7 });
    for (const r of limited.decodeBatch([0, 1, 2].map(() => bpskLlrs(randomCodeword(rng), -3, rng)))) {
      expect(r).toMatchObject({ success: false, iterations: 7 });
      expect(syndromeWeight(code, r.bits)).toBeGreaterThan(0);
    }
  });

  test('without early termination every frame runs maxIterations; success is still the final syndrome', () => {
    const fixed = createLdpcDecoder(code, { ...ALGORITHMS[label], maxIterations: 4, earlyTermination: false });
    const word = randomCodeword(rng);
    expect(fixed.decode(noiselessLlrs(word))).toMatchObject({ success: true, iterations: 4 });
  });

  test('punctured bits (LLR 0) and known filler bits (huge or infinite LLR) are handled', () => {
    const info = new Uint8Array(code.k);
    for (let j = 0; j < code.k; j++) info[j] = j < 40 ? 0 : rng.nextUint32() & 1; // first 40 bits: filler
    const word = encode(info);
    const llr = bpskLlrs(word, 4, rng);
    for (let v = 0; v < 40; v++) llr[v] = v % 2 ? Infinity : 1e30;
    for (let v = 54; v < 81; v++) llr[v] = 0; // a punctured block column
    const r = decoder.decode(llr);
    expect(r.success).toBe(true);
    expect(sameBits(r.bits, word)).toBe(true);
  });

  test('rejects LLRs of the wrong length or NaN', () => {
    expect(() => decoder.decode(new Float32Array(n - 1))).toThrow(/expected 648 LLRs/);
    const llr = new Float32Array(n);
    llr[5] = NaN;
    expect(() => decoder.decode(llr)).toThrow(/NaN/);
  });
});

describe('decoders together', () => {
  test('names say which implementation runs', () => {
    const names = decoders().map(([, d]) => d.name);
    expect(names).toEqual([
      'min-sum/wasm-simd-i16x8(scale=0.875)',
      'min-sum/scalar-f32(scale=0.875)',
      'sum-product/layered-f32',
      'sum-product/flooding-f64',
    ]);
    expect(createLdpcDecoder(code, { minSumScale: 0.75, minSumOffset: 0.25 }).name).toBe('min-sum/wasm-simd-i16x8(scale=0.75,offset=0.25)');
  });

  test('all algorithms agree on easy frames (Eb/N0 3 dB)', () => {
    const rng = rngFromText('ldpc-decoder:agree');
    const words = Array.from({ length: 12 }, () => randomCodeword(rng));
    const llrs = words.map((w) => bpskLlrs(w, 3, rng));
    const all = decoders().map(([, d]) => d.decodeBatch(llrs));
    for (let f = 0; f < words.length; f++) {
      for (const results of all) {
        expect(results[f].success).toBe(true);
        expect(sameBits(results[f].bits, words[f])).toBe(true);
      }
    }
  });

  test('the WASM kernel decodes a batch exactly as frame by frame (lanes are independent)', () => {
    const rng = rngFromText('ldpc-decoder:lanes');
    const decoder = createLdpcDecoder(code, { implementation: 'wasm-simd', maxIterations: 12 });
    // 21 frames (not a multiple of 8), easy and hard mixed, so lanes refill at different times.
    const llrs = Array.from({ length: 21 }, (_, f) => bpskLlrs(randomCodeword(rng), [4, 1.5, 0.5][f % 3], rng));
    const batch = decoder.decodeBatch(llrs);
    const single = llrs.map((llr) => decoder.decode(llr));
    expect(batch.map((r) => [r.success, r.iterations])).toEqual(single.map((r) => [r.success, r.iterations]));
    batch.forEach((r, f) => expect(sameBits(r.bits, single[f].bits)).toBe(true));
    expect(new Set(batch.map((r) => r.iterations)).size).toBeGreaterThan(2);
  });

  test('the WASM decoder splits a batch larger than one kernel call without changing results', () => {
    // The 648 prototype lifted to Z = 2000 (n = 48 000): one kernel call takes 58 frames of it.
    const large = codeFromPrototype('test:wifi648-r12-z2000', 2000, WIFI_648_R12);
    const largeN = codeLength(large);
    const rng = rngFromText('ldpc-decoder:split');
    const decoder = createLdpcDecoder(large, { implementation: 'wasm-simd', maxIterations: 6 });
    // The all-zero codeword with f mod 4 strong errors in frame f: frames need different work.
    const llrs = Array.from({ length: 70 }, (_, f) => {
      const llr = new Float32Array(largeN).fill(6);
      for (let e = 0; e < f % 4; e++) llr[rng.int(largeN)] = -2;
      return llr;
    });
    const batch = decoder.decodeBatch(llrs);
    expect(batch).toHaveLength(70);
    batch.forEach((r, f) => {
      const single = decoder.decode(llrs[f]);
      expect([r.success, r.iterations]).toEqual([single.success, single.iterations]);
      expect(sameBits(r.bits, single.bits)).toBe(true);
    });
    expect(batch.every((r) => r.success && r.bits.every((b) => b === 0))).toBe(true);
  });

  test('WASM fixed-point min-sum matches scalar float min-sum on the same quantised inputs', () => {
    const rng = rngFromText('ldpc-decoder:fixed-vs-float');
    const wasm = createLdpcDecoder(code, { implementation: 'wasm-simd' });
    const scalar = createLdpcDecoder(code, { implementation: 'scalar' });
    const frames = 120;
    const quantised = new Int16Array(n);
    const llrs = Array.from({ length: frames }, () => {
      const llr = bpskLlrs(randomCodeword(rng), 2, rng);
      quantizeLlrs(llr, quantised);
      return Float32Array.from(quantised, (q) => q / WASM_LLR_SCALE);
    });
    const a = wasm.decodeBatch(llrs);
    const b = scalar.decodeBatch(llrs);
    let sameDecisions = 0;
    let sameIterations = 0;
    for (let f = 0; f < frames; f++) {
      if (a[f].success === b[f].success && sameBits(a[f].bits, b[f].bits)) sameDecisions++;
      if (a[f].iterations === b[f].iterations) sameIterations++;
    }
    expect(sameDecisions).toBeGreaterThanOrEqual(0.95 * frames);
    expect(sameIterations).toBeGreaterThanOrEqual(0.8 * frames);
  });

  test('block error rates at Eb/N0 1.5 dB: sum-product ≤ min-sum (+ noise), flooding ≈ layered', () => {
    const rng = rngFromText('ldpc-decoder:bler');
    const frames = 300;
    const words = Array.from({ length: frames }, () => randomCodeword(rng));
    const llrs = words.map((w) => bpskLlrs(w, 1.5, rng));
    const bler = (results: LdpcDecodeResult[]): number =>
      results.filter((r, f) => !r.success || !sameBits(r.bits, words[f])).length / frames;
    const minSum = bler(createLdpcDecoder(code, {}).decodeBatch(llrs));
    const layeredSpa = bler(createLdpcDecoder(code, { algorithm: 'sum-product' }).decodeBatch(llrs));
    const floodingSpa = bler(createLdpcDecoder(code, { algorithm: 'flooding-sum-product', maxIterations: 40 }).decodeBatch(llrs));
    // Measured: min-sum 0.127, layered 0.067, flooding 0.073. Two standard errors of a BLER near
    // 0.1 over 300 frames are ≈ 0.035.
    expect(layeredSpa).toBeLessThanOrEqual(minSum + 0.035);
    expect(Math.abs(floodingSpa - layeredSpa)).toBeLessThanOrEqual(0.05);
    expect(minSum).toBeLessThan(0.5);
    expect(minSum).toBeGreaterThan(0); // the operating point is not trivially easy
  });

  test('decodeLdpc reuses one decoder per code and options', () => {
    const word = randomCodeword(rngFromText('ldpc-decoder:one-shot'));
    const r = decodeLdpc(code, noiselessLlrs(word), { algorithm: 'sum-product' });
    expect(r.success).toBe(true);
    expect(sameBits(r.bits, word)).toBe(true);
  });

  test('bad options are rejected', () => {
    expect(() => createLdpcDecoder(code, { maxIterations: 0 })).toThrow(/maxIterations/);
    expect(() => createLdpcDecoder(code, { minSumScale: 1.5 })).toThrow(/minSumScale/);
    expect(() => createLdpcDecoder(code, { algorithm: 'bp' as never })).toThrow(/unknown algorithm/);
  });
});
