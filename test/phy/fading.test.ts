import { demapHard } from '../../bench/phy/demapper';
import { multiplyByGains, rayleighBlockFading, rayleighBlockGains } from '../../bench/phy/fading';
import { mapBits, modulationFromName } from '../../bench/phy/modulation';
import { rngFromText } from '../../bench/phy/rng';
import { noiseVariance } from '../../bench/phy/snr';
import { UserError } from '../../bench/errors';

const { sqrt, abs } = Math;

/** 32 bits per draw: under jest the generator is slow (its `Math.*` calls go through the sandbox). */
function randomBits(n: number, seed: string): Uint8Array {
  const rng = rngFromText(seed);
  const bits = new Uint8Array(n);
  for (let i = 0, word = 0; i < n; i++) {
    if (i % 32 === 0) word = rng.nextUint32();
    bits[i] = (word >>> i % 32) & 1;
  }
  return bits;
}

describe('Rayleigh block fading', () => {
  const x = mapBits(modulationFromName('16qam'), randomBits(4 * 1000, 'x')).symbols;

  test('a pure function of the generator state', () => {
    const a = rayleighBlockFading(x, 5, rngFromText('fade'), 7);
    const b = rayleighBlockFading(x, 5, rngFromText('fade'), 7);
    expect(a.y).toEqual(b.y);
    expect(a.h).toEqual(b.h);
    expect(rayleighBlockFading(x, 5, rngFromText('fade 2'), 7).h).not.toEqual(a.h);
  });

  test('one gain per block of blockLength symbols, a short last block, fresh gains between blocks', () => {
    const blockLength = 7;
    const { h } = rayleighBlockFading(x, 5, rngFromText('blocks'), blockLength);
    expect(h.length).toBe(x.length);
    const n = x.length / 2;
    expect(n % blockLength).not.toBe(0); // so the last block is a short one
    const wrong: number[] = [];
    for (let s = 0; s < n; s++) {
      const first = s - (s % blockLength);
      const sameAsBlockStart = h[2 * s] === h[2 * first] && h[2 * s + 1] === h[2 * first + 1];
      const newAtBlockStart = s === 0 || s !== first || h[2 * s] !== h[2 * s - 2];
      if (!sameAsBlockStart || !newAtBlockStart) wrong.push(s);
    }
    expect(wrong).toEqual([]);
  });

  test('h ~ CN(0, 1); the noise is the AWGN of the SNR convention; received Es = 1', () => {
    const n = 20000;
    const h = rayleighBlockGains(n, 1, rngFromText('stats'));
    let power = 0, meanRe = 0, meanIm = 0, reIm = 0;
    for (let s = 0; s < n; s++) {
      power += h[2 * s] ** 2 + h[2 * s + 1] ** 2;
      meanRe += h[2 * s];
      meanIm += h[2 * s + 1];
      reIm += h[2 * s] * h[2 * s + 1];
    }
    // Standard errors: |h|² 1/√n = 0.007, means and the I·Q product √(½/n) = 0.005.
    expect(abs(power / n - 1)).toBeLessThan(0.03);
    expect(abs(meanRe / n)).toBeLessThan(0.02);
    expect(abs(meanIm / n)).toBeLessThan(0.02);
    expect(abs(reIm / n)).toBeLessThan(0.02);

    const snrDb = 3;
    const x1 = mapBits(modulationFromName('qpsk'), randomBits(2 * n, 'x1')).symbols;
    const { y, h: g } = rayleighBlockFading(x1, snrDb, rngFromText('noise'));
    const hx = multiplyByGains(x1, g);
    let noise = 0, received = 0;
    for (let i = 0; i < y.length; i++) {
      noise += (y[i] - hx[i]) ** 2;
      received += hx[i] ** 2;
    }
    expect(abs(noise / n / noiseVariance(snrDb) - 1)).toBeLessThan(0.03);
    expect(abs(received / n - 1)).toBeLessThan(0.03);
  });

  test('a block length that is not a whole number ≥ 1 is a UserError', () => {
    for (const bad of [0, -1, 2.5, NaN]) expect(() => rayleighBlockGains(10, bad, rngFromText('x'))).toThrow(UserError);
  });

  test.each([0, 10])('BPSK BER at average Eb/N0 = %d dB is ½(1 − √(γ/(1+γ)))', (snrDb) => {
    const mod = modulationFromName('bpsk'); // 1 bit per symbol: Eb/N0 = Es/N0 = γ
    const nBits = 50000;
    const bits = randomBits(nBits, `ber ${snrDb}`);
    const { y, h } = rayleighBlockFading(mapBits(mod, bits).symbols, snrDb, rngFromText(`rayleigh ${snrDb}`));
    const decided = demapHard(mod, y, h);
    let errors = 0;
    for (let i = 0; i < nBits; i++) errors += decided[i] ^ bits[i];
    const gamma = 10 ** (snrDb / 10);
    const p = 0.5 * (1 - sqrt(gamma / (1 + gamma)));
    expect(abs(errors - nBits * p)).toBeLessThan(4 * sqrt(nBits * p * (1 - p)));
  });
});
