import { isUserError } from '../../bench/errors';
import { KNOWN_ZERO_LLR, parseLdpcSpec, type LdpcScheme } from '../../bench/phy/ldpc/codes';
import { nrCodeBlock } from '../../bench/phy/ldpc/nr-code-block';
import { nrBitDeinterleave, nrBitInterleave, nrRateMatchPositions, nrRateRecover } from '../../bench/phy/ldpc/nr-rate-matching';
import { nrScheme } from '../../bench/phy/ldpc/nr-scheme';
import { codeLength, syndromeWeight } from '../../bench/phy/ldpc/qc-code';
import { rngFromText } from '../../bench/phy/rng';

function randomBits(n: number, seed: string): Uint8Array {
  const r = rngFromText(seed);
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = r.nextUint32() & 1;
  return bits;
}

/** Noiseless BPSK LLRs with the layer's sign convention: bit 0 → +4, bit 1 → −4. */
function llrsOf(bits: Uint8Array): Float32Array {
  return Float32Array.from(bits, (b) => (b ? -4 : 4));
}

function userErrorOf(spec: string): string {
  try {
    parseLdpcSpec(spec);
  } catch (e) {
    if (isUserError(e)) return e.message;
    throw e;
  }
  throw new Error(`${spec} was accepted`);
}

describe('parseLdpcSpec', () => {
  test.each([
    ['nr:3072:6144', 3072, 6144, 'nr:bg2:z320', 'nr:bg2:z320:rows12'],
    ['nr:3072:4608', 3072, 4608, 'nr:bg2:z320', 'nr:bg2:z320:rows7'],
    ['nr:1536:4608', 1536, 4608, 'nr:bg2:z160', 'nr:bg2:z160:rows22'],
    ['nr:8448:10560', 8448, 10560, 'nr:bg1:z384', 'nr:bg1:z384:rows8'],
    ['wifi:1944:1/2', 972, 1944, 'wifi:1944:1/2', 'wifi:1944:1/2'],
    ['wifi:648:2/3', 432, 648, 'wifi:648:2/3', 'wifi:648:2/3'],
  ])('%s: k, e, rate, mother and effective code', (spec, k, e, mother, effective) => {
    const s = parseLdpcSpec(spec);
    expect(s.name).toBe(spec);
    expect([s.k, s.e]).toEqual([k, e]);
    expect(s.rate).toBeCloseTo(k / e, 12);
    expect(s.mother.name).toBe(mother);
    expect(s.effective.name).toBe(effective);
    expect(parseLdpcSpec(` ${spec} `)).toBe(s); // cached, whitespace-tolerant
  });

  test.each([
    ['nr:5000:100', /N = 100 sent bits is fewer than K = 5000.*use N ≥ 5264/],
    ['nr:abc', /expected nr:K:N/],
    ['nr:abc:100', /'abc' is not a positive whole number/],
    ['nr:0:100', /'0' is not a positive whole number/],
    ['nr:3000:3100', /rate K\/N = 0.9677 is above 0.95.*use N ≥ 3158/],
    ['nr:100:1000', /below what base graph 2 gives for K = 100.*use N ≤ 820/],
    ['nr:5000:16000', /below what base graph 1 gives for K = 5000/],
    ['nr:9000:12000', /K = 9000 exceeds 8448.*use K ≤ 8448/],
    ['nr:4000:20000', /selects base graph 2.*largest code block is 3840/],
    ['wifi:1000:1/2', /no block length 1000; use one of 648, 1296, 1944/],
    ['wifi:1944:7/8', /no rate 7\/8; use one of 1\/2, 2\/3, 3\/4, 5\/6/],
    ['wifi:1944', /expected wifi:N:R/],
    ['polar:128:256', /unknown LDPC code family 'polar'; use nr:K:N .* or wifi:N:R/],
  ])('%s is one clear UserError line', (spec, message) => {
    const text = userErrorOf(spec);
    expect(text).toMatch(message);
    expect(text).toContain(`'${spec}'`);
    expect(text).not.toContain('\n');
  });
});

describe('LdpcScheme round trip (encode → LLRs → mother LLRs → information bits)', () => {
  const specs = ['nr:3072:6144', 'nr:3072:4608', 'nr:1536:4608', 'nr:8448:10560', 'nr:100:300', 'nr:5000:6000', 'wifi:1944:1/2', 'wifi:648:5/6'];

  test.each(specs)('%s', (spec) => {
    const s: LdpcScheme = parseLdpcSpec(spec);
    const info = randomBits(s.k, spec);
    const sent = s.encode(info);
    expect(sent).toHaveLength(s.e);

    const mother = s.encodeMother(info);
    expect(syndromeWeight(s.mother, mother)).toBe(0);
    expect(syndromeWeight(s.effective, mother.subarray(0, codeLength(s.effective)))).toBe(0);
    expect(Buffer.compare(s.infoBits(mother), info)).toBe(0);

    const llr = s.recoverLlrs(llrsOf(sent));
    expect(llr).toHaveLength(codeLength(s.mother));
    // Every mother bit with a non-zero LLR agrees with the mother codeword (hard decision).
    let known = 0;
    let wrong = 0;
    for (let i = 0; i < llr.length; i++) {
      if (llr[i] === 0) continue;
      known++;
      if ((llr[i] > 0 ? 0 : 1) !== mother[i]) wrong++;
    }
    expect(wrong).toBe(0);
    expect(known).toBeGreaterThanOrEqual(s.e);

    const out = new Uint8Array(s.e);
    expect(s.encodeInto(info, out)).toBe(out);
    expect(Buffer.compare(out, sent)).toBe(0);
    expect(() => s.encode(new Uint8Array(s.k + 1))).toThrow(RangeError);
  });

  test('wifi: e = n and recoverLlrs is the identity', () => {
    const s = parseLdpcSpec('wifi:1296:3/4');
    const info = randomBits(s.k, 'wifi identity');
    expect(Buffer.compare(s.encode(info), s.encodeMother(info))).toBe(0);
    const llr = Float32Array.from({ length: s.e }, (_, i) => i - 600.5);
    expect(s.recoverLlrs(llr)).toEqual(llr);
  });

  test('nr: punctured 2Z bits get LLR 0, fillers KNOWN_ZERO_LLR, the circular buffer starts at column 2Z', () => {
    const s = nrScheme(3072, 6144);
    const { z, infoBits, systematicBits } = s.block;
    const llr = s.recoverLlrs(new Float32Array(s.e).fill(1));
    expect(Array.from(llr.subarray(0, 2 * z)).every((x) => x === 0)).toBe(true);
    expect(Array.from(llr.subarray(2 * z, infoBits)).every((x) => x === 1)).toBe(true);
    expect(Array.from(llr.subarray(infoBits, systematicBits)).every((x) => x === KNOWN_ZERO_LLR)).toBe(true);
    // E = 6144 bits: info 3072 − 640 punctured = 2432 systematic bits, then 3712 parity bits.
    expect(Array.from(llr.subarray(systematicBits, systematicBits + 3712)).every((x) => x === 1)).toBe(true);
    expect(Array.from(llr.subarray(systematicBits + 3712)).every((x) => x === 0)).toBe(true);
    // The sent stream is the mother codeword from 2Z on, fillers skipped.
    const info = randomBits(3072, 'stream');
    const mother = s.encodeMother(info);
    const expected = [...mother.subarray(2 * z, infoBits), ...mother.subarray(systematicBits, systematicBits + 3712)];
    expect(Array.from(s.encode(info))).toEqual(expected);
  });

  test('nr rate matching wraps around the circular buffer (repetition) and recovery sums the copies', () => {
    const block = nrCodeBlock(2, 100); // Z = 18: N_cb = 900 with 80 fillers → 820 distinct bits
    const positions = nrRateMatchPositions(block, 1000);
    expect(positions[0]).toBe(36);
    expect(positions[820]).toBe(36);
    expect(new Set(positions).size).toBe(820);
    const llr = nrRateRecover(new Float32Array(1000).fill(1), block, positions);
    expect(llr[36]).toBe(2);
    expect(llr[36 + 180]).toBe(2);
    expect(llr[block.motherLength - 1]).toBe(1);
    expect(llr[100]).toBe(KNOWN_ZERO_LLR);
  });

  test('nr bit interleaver (38.212 §5.4.2.2) and its inverse', () => {
    const e = Uint8Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(nrBitInterleave(e, 4))).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
    const llr = Float32Array.from({ length: 6144 }, (_, i) => i);
    expect(nrBitDeinterleave(nrBitInterleave(llr, 6), 6)).toEqual(llr);
    expect(() => nrBitInterleave(e, 5)).toThrow(/not a multiple/);
  });
});
