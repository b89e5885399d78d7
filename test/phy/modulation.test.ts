import { awgnChannel } from '../../bench/phy/awgn';
import { demapHard, demapLlrs, type LlrMethod } from '../../bench/phy/demapper';
import { rayleighBlockGains, multiplyByGains } from '../../bench/phy/fading';
import { MODULATION_NAMES, mapBits, modulationFromName, type Modulation, type ModulationName } from '../../bench/phy/modulation';
import { rngFromText, type Rng } from '../../bench/phy/rng';
import { esN0FromEbN0, noiseVariance } from '../../bench/phy/snr';
import { UserError } from '../../bench/errors';

const { sqrt, exp, log, abs, max } = Math;
const sgn = (b: number) => 1 - 2 * b;

/** TS 38.211 §5.1 written out as in the standard (BPSK: our real-axis choice), from the bits b0…. */
const STANDARD: Record<ModulationName, (b: number[]) => [number, number]> = {
  bpsk: (b) => [sgn(b[0]), 0],
  qpsk: (b) => [sgn(b[0]) / sqrt(2), sgn(b[1]) / sqrt(2)],
  '16qam': (b) => [sgn(b[0]) * (2 - sgn(b[2])) / sqrt(10), sgn(b[1]) * (2 - sgn(b[3])) / sqrt(10)],
  '64qam': (b) => [
    sgn(b[0]) * (4 - sgn(b[2]) * (2 - sgn(b[4]))) / sqrt(42),
    sgn(b[1]) * (4 - sgn(b[3]) * (2 - sgn(b[5]))) / sqrt(42),
  ],
  '256qam': (b) => [
    sgn(b[0]) * (8 - sgn(b[2]) * (4 - sgn(b[4]) * (2 - sgn(b[6])))) / sqrt(170),
    sgn(b[1]) * (8 - sgn(b[3]) * (4 - sgn(b[5]) * (2 - sgn(b[7])))) / sqrt(170),
  ],
};

function labelBits(label: number, m: number): number[] {
  return Array.from({ length: m }, (_, i) => (label >> (m - 1 - i)) & 1);
}

/** The constellation from the standard's formulas, float64, indexed by label (b0 most significant). */
function standardPoints(name: ModulationName): Array<[number, number]> {
  const m = modulationFromName(name).bitsPerSymbol;
  return Array.from({ length: 1 << m }, (_, label) => STANDARD[name](labelBits(label, m)));
}

/** 32 bits per draw: under jest the generator is slow (its `Math.*` calls go through the sandbox). */
function randomBits(n: number, rng: Rng): Uint8Array {
  const bits = new Uint8Array(n);
  for (let i = 0, word = 0; i < n; i++) {
    if (i % 32 === 0) word = rng.nextUint32();
    bits[i] = (word >>> i % 32) & 1;
  }
  return bits;
}

function popcount(v: number): number {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

const ALL = MODULATION_NAMES.map((name) => [name] as const);

describe('constellations', () => {
  test('names, aliases and bits per symbol; unknown names are a UserError listing the valid ones', () => {
    expect(MODULATION_NAMES.map((n) => modulationFromName(n).bitsPerSymbol)).toEqual([1, 2, 4, 6, 8]);
    expect(modulationFromName('16-QAM').name).toBe('16qam');
    expect(modulationFromName('256-qam').name).toBe('256qam');
    expect(modulationFromName('QPSK').name).toBe('qpsk');
    expect(() => modulationFromName('8psk')).toThrow(UserError);
    expect(() => modulationFromName('8psk')).toThrow(/bpsk, qpsk, 16qam, 64qam, 256qam/);
  });

  test.each(ALL)('%s: every point as in TS 38.211 §5.1', (name) => {
    const { points } = modulationFromName(name);
    standardPoints(name).forEach(([re, im], label) => {
      expect(points[2 * label]).toBeCloseTo(re, 6);
      expect(points[2 * label + 1]).toBeCloseTo(im, 6);
    });
  });

  test('spot values from the standard', () => {
    const point = (name: string, bits: string) => {
      const { points } = modulationFromName(name);
      const label = parseInt(bits, 2);
      return [points[2 * label], points[2 * label + 1]];
    };
    const close = (got: number[], want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
    close(point('bpsk', '0'), [1, 0]);
    close(point('bpsk', '1'), [-1, 0]);
    close(point('qpsk', '01'), [1 / sqrt(2), -1 / sqrt(2)]);
    close(point('16qam', '0000'), [1 / sqrt(10), 1 / sqrt(10)]);
    close(point('16qam', '1111'), [-3 / sqrt(10), -3 / sqrt(10)]);
    close(point('16qam', '0010'), [3 / sqrt(10), 1 / sqrt(10)]);
    close(point('64qam', '000000'), [3 / sqrt(42), 3 / sqrt(42)]);
    close(point('64qam', '101010'), [-7 / sqrt(42), 3 / sqrt(42)]);
    close(point('256qam', '00000000'), [5 / sqrt(170), 5 / sqrt(170)]);
    close(point('256qam', '10101010'), [-15 / sqrt(170), 5 / sqrt(170)]);
  });

  test.each(ALL)('%s: Gray, nearest neighbours differ in exactly one bit', (name) => {
    const pts = standardPoints(name);
    const dist2 = (a: number, b: number) => (pts[a][0] - pts[b][0]) ** 2 + (pts[a][1] - pts[b][1]) ** 2;
    let dmin = Infinity;
    for (let a = 0; a < pts.length; a++) for (let b = a + 1; b < pts.length; b++) dmin = Math.min(dmin, dist2(a, b));
    let pairs = 0;
    for (let a = 0; a < pts.length; a++) {
      for (let b = a + 1; b < pts.length; b++) {
        if (dist2(a, b) > dmin * (1 + 1e-9)) continue;
        pairs++;
        expect(popcount(a ^ b)).toBe(1);
      }
    }
    // All grid neighbours were found: a side-M square has 2·M·(M−1) of them; BPSK one.
    const side = Math.round(sqrt(pts.length));
    expect(pairs).toBe(name === 'bpsk' ? 1 : 2 * side * (side - 1));
  });

  test.each(ALL)('%s: unit average energy over the equiprobable constellation', (name) => {
    const mod = modulationFromName(name);
    const meanSquare = (v: Float64Array) => v.reduce((a, s) => a + s * s, 0) / v.length;
    expect(meanSquare(mod.inPhase.levels) + meanSquare(mod.quadrature.levels)).toBeCloseTo(1, 14);
    let e = 0;
    for (let i = 0; i < mod.points.length; i++) e += mod.points[i] ** 2;
    expect(e / (1 << mod.bitsPerSymbol)).toBeCloseTo(1, 6);
  });
});

describe('mapper and hard demapper', () => {
  test('a short last group is padded with zeros and reported', () => {
    const mod = modulationFromName('16qam');
    const { symbols, paddingBits } = mapBits(mod, new Uint8Array([1, 1, 1, 1, 1]));
    expect(paddingBits).toBe(3);
    expect(Array.from(demapHard(mod, symbols))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(mapBits(mod, new Uint8Array(8)).paddingBits).toBe(0);
    expect(() => mapBits(mod, new Uint8Array([2]))).toThrow(/expected 0 or 1/);
  });

  test.each(ALL)('%s: map then hard-demap returns the bits, noiseless, with and without a known gain', (name) => {
    const mod = modulationFromName(name);
    const rng = rngFromText(`roundtrip ${name}`);
    const bits = randomBits(mod.bitsPerSymbol * 500, rng);
    const { symbols } = mapBits(mod, bits);
    expect(demapHard(mod, symbols)).toEqual(bits);
    const h = rayleighBlockGains(500, 1, rng);
    expect(demapHard(mod, multiplyByGains(symbols, h), h)).toEqual(bits);
  });
});

/** LLRs by direct sums over all 2^m points of the 2D constellation, float64. */
function bruteForceLlrs(name: ModulationName, y: Float32Array, h: Float32Array | undefined, n0: number, method: LlrMethod): Float64Array {
  const pts = standardPoints(name);
  const m = Math.log2(pts.length);
  const n = y.length / 2;
  const out = new Float64Array(n * m);
  const metric = new Float64Array(pts.length);
  for (let s = 0; s < n; s++) {
    const [hr, hi] = h ? [h[2 * s], h[2 * s + 1]] : [1, 0];
    pts.forEach(([pr, pi], label) => {
      const dr = y[2 * s] - (hr * pr - hi * pi);
      const di = y[2 * s + 1] - (hr * pi + hi * pr);
      metric[label] = -(dr * dr + di * di) / n0;
    });
    for (let i = 0; i < m; i++) {
      const side = (bit: number) => Array.from(metric).filter((_, label) => ((label >> (m - 1 - i)) & 1) === bit);
      const combine = (v: number[]) => {
        const top = max(...v);
        return method === 'maxlog' ? top : top + log(v.reduce((a, x) => a + exp(x - top), 0));
      };
      out[s * m + i] = combine(side(0)) - combine(side(1));
    }
  }
  return out;
}

/** Random transmitted symbols through y = h·x + n (h = 1 without fading). */
function received(mod: Modulation, n: number, n0: number, fading: boolean, rng: Rng) {
  const { symbols } = mapBits(mod, randomBits(n * mod.bitsPerSymbol, rng));
  const h = fading ? rayleighBlockGains(n, 1, rng) : undefined;
  const snrDb = -10 * Math.log10(n0);
  return { y: awgnChannel(h ? multiplyByGains(symbols, h) : symbols, snrDb, rng), h };
}

describe('soft demapper', () => {
  // N0 from very noisy to 40 dB, where the exact demapper's underflow guard is exercised.
  const cases = MODULATION_NAMES.flatMap((name) =>
    [false, true].flatMap((fading) => [1, 0.1, 1e-4].map((n0) => [name, fading ? 'fading' : 'awgn', n0] as const)),
  );

  test.each(cases)('%s %s N0=%p: exact and max-log LLRs equal the brute-force 2D sums', (name, channel, n0) => {
    const mod = modulationFromName(name);
    const rng = rngFromText(`llr ${name} ${channel} ${n0}`);
    const { y, h } = received(mod, 60, n0, channel === 'fading', rng);
    for (const method of ['exact', 'maxlog'] as const) {
      const got = demapLlrs(mod, y, n0, method, h);
      const want = bruteForceLlrs(name, y, h, n0, method);
      const off = Array.from(want).filter((w, i) => !(abs(got[i] - w) <= 1e-4 * max(1, abs(w))));
      expect(off).toEqual([]);
    }
  });

  test('a zero gain carries no information: LLRs 0', () => {
    const mod = modulationFromName('64qam');
    const llr = demapLlrs(mod, new Float32Array([0.3, -0.2]), 0.1, 'exact', new Float32Array([0, 0]));
    expect(Array.from(llr)).toEqual(new Array(6).fill(0));
  });

  test.each(ALL)('%s: max-log against exact, the relations that hold', (name) => {
    const mod = modulationFromName(name);
    const rng = rngFromText(`maxlog ${name}`);
    const { y, h } = received(mod, 1000, 0.3, true, rng);
    const exact = demapLlrs(mod, y, 0.3, 'exact', h);
    const maxlog = demapLlrs(mod, y, 0.3, 'maxlog', h);
    const m = mod.bitsPerSymbol;
    const bitsPerAxis = mod.inPhase.bitPositions.length;
    const violations: string[] = [];
    for (let i = 0; i < exact.length; i++) {
      const [e, ml] = [exact[i], maxlog[i]];
      // Each side's log-sum-exp exceeds its max by between 0 and log(levels per side per axis),
      // so the two agree for one bit per axis (BPSK, QPSK).
      if (abs(e - ml) > (bitsPerAxis - 1) * Math.LN2 + 1e-5) violations.push(`bound at ${i}: ${e} vs ${ml}`);
      // Sign bits (b0 on I, b1 on Q): the mirrored side is farther than the near side at every
      // rank, so max-log keeps the sign and never overstates. Not so for the inner bits.
      if (i % m < 2 && (Math.sign(ml) !== Math.sign(e) || abs(ml) > abs(e))) violations.push(`sign bit ${i}: ${e} vs ${ml}`);
    }
    expect(violations).toEqual([]);
  });

  test('inner bits: max-log overstates some LLRs and understates others (16-QAM b2)', () => {
    const mod = modulationFromName('16qam');
    const s = 1 / sqrt(10); // levels ±s, ±3s; b2 = 0 on ±s, 1 on ±3s; boundary at ±2s
    const at = (re: number) => {
      const y = new Float32Array([re, s]);
      return [demapLlrs(mod, y, 0.5, 'exact')[2], demapLlrs(mod, y, 0.5, 'maxlog')[2]];
    };
    const [exactIn, maxlogIn] = at(1.5 * s);
    expect(abs(maxlogIn)).toBeLessThan(abs(exactIn));
    const [exactOut, maxlogOut] = at(3 * s);
    expect(abs(maxlogOut)).toBeGreaterThan(abs(exactOut));
  });
});

/** Q(x) = ½ erfc(x/√2); erfc by the Numerical Recipes Chebyshev fit, relative error < 1.2e-7. */
function qFunction(x: number): number {
  const z = x / sqrt(2);
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
      t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return erfc / 2;
}

describe('uncoded BER proves the SNR convention end to end', () => {
  test.each([0, 6])('QPSK over AWGN at Eb/N0 = %d dB: Q(√(2·Eb/N0))', (ebN0Db) => {
    const mod = modulationFromName('qpsk');
    const rng = rngFromText(`ber qpsk ${ebN0Db}`);
    const nBits = 200000;
    const bits = randomBits(nBits, rng);
    const y = awgnChannel(mapBits(mod, bits).symbols, esN0FromEbN0(ebN0Db, mod.bitsPerSymbol), rng);
    const decided = demapHard(mod, y);
    let errors = 0;
    for (let i = 0; i < nBits; i++) errors += decided[i] ^ bits[i];
    const p = qFunction(sqrt(2 * 10 ** (ebN0Db / 10)));
    // Binomial: 4 standard deviations.
    expect(abs(errors - nBits * p)).toBeLessThan(4 * sqrt(nBits * p * (1 - p)));
    // Sanity of the reference itself: Q(√2) = 0.078650…
    if (ebN0Db === 0) expect(p).toBeCloseTo(0.0786496, 6);
  });

  test('LLR signs give the same decisions as the hard demapper', () => {
    const mod = modulationFromName('64qam');
    const rng = rngFromText('signs');
    const y = awgnChannel(mapBits(mod, randomBits(6000, rng)).symbols, 12, rng);
    const hard = demapHard(mod, y);
    const llr = demapLlrs(mod, y, noiseVariance(12), 'maxlog');
    expect(Uint8Array.from(llr, (l) => (l < 0 ? 1 : 0))).toEqual(hard);
  });
});
