import { awgnChannel } from '../../bench/phy/awgn';
import { meanSymbolEnergy, normalizePower } from '../../bench/phy/complex';
import { Rng, rngFor, rngFromText } from '../../bench/phy/rng';
import { ebN0FromEsN0, noiseVariance } from '../../bench/phy/snr';

const key = { dataset: 'kodak24', image: 'kodim01', scheme: 'analog', snrDb: 3, seed: 0, stream: 'awgn' };

describe('Rng (xoshiro128**)', () => {
  test('matches the reference xoshiro128** output for state (1, 2, 3, 4)', () => {
    // Reference: Vigna's xoshiro128starstar.c compiled with gcc, s = {1, 2, 3, 4}.
    const r = new Rng(new Uint32Array([1, 2, 3, 4]));
    const out = Array.from({ length: 6 }, () => r.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  test('same key, same stream; any key field changes it', () => {
    const a = rngFor(key);
    const b = rngFor(key);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    for (const change of [{ image: 'kodim02' }, { scheme: 'x' }, { snrDb: 3.5 }, { seed: 1 }, { stream: 'other' }, { dataset: 'voc2012' }]) {
      const c = rngFor({ ...key, ...change });
      expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
    }
  });

  test('uniform in [0,1) with the right mean; normal has mean 0 and variance 1', () => {
    const r = rngFromText('stats');
    const n = 200000;
    let su = 0, sn = 0, sn2 = 0, min = 1, max = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(su / n).toBeCloseTo(0.5, 2);
    expect(sn / n).toBeCloseTo(0, 2);
    expect(sn2 / n).toBeCloseTo(1, 1);
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(0.015);
  });
});

describe('SNR convention and AWGN', () => {
  test('N0 = 10^(-SNR/10); Eb/N0 from Es/N0', () => {
    expect(noiseVariance(0)).toBe(1);
    expect(noiseVariance(10)).toBeCloseTo(0.1, 15);
    expect(ebN0FromEsN0(3, 2, 0.5)).toBeCloseTo(3, 12); // QPSK rate 1/2: 1 bit per symbol
    expect(ebN0FromEsN0(10, 4, 1)).toBeCloseTo(10 - 10 * Math.log10(4), 12);
  });

  test('power normalisation gives unit symbol energy', () => {
    const x = new Float32Array([3, 4, 0, 0, 1, -1]);
    const g = normalizePower(x);
    expect(meanSymbolEnergy(x)).toBeCloseTo(1, 6);
    expect(g).toBeCloseTo(1 / Math.sqrt((25 + 0 + 2) / 3), 6);
  });

  test.each([-3, 0, 10])('noise at %d dB has variance N0/2 per component, independent I/Q', (snr) => {
    const n = 100000;
    const x = new Float32Array(2 * n);
    const y = awgnChannel(x, snr, rngFor({ ...key, snrDb: snr }));
    let si = 0, sq = 0, siq = 0;
    for (let i = 0; i < n; i++) {
      si += y[2 * i] ** 2;
      sq += y[2 * i + 1] ** 2;
      siq += y[2 * i] * y[2 * i + 1];
    }
    const half = noiseVariance(snr) / 2;
    expect(si / n / half).toBeCloseTo(1, 1);
    expect(sq / n / half).toBeCloseTo(1, 1);
    expect(Math.abs(siq / n) / half).toBeLessThan(0.02);
    // Measured SNR = Es/N0 with Es = 1.
    const measured = -10 * Math.log10((si + sq) / n);
    expect(Math.abs(measured - snr)).toBeLessThan(0.05);
  });

  test('the channel is a pure function of the key', () => {
    const x = new Float32Array(64).fill(0.5);
    expect(awgnChannel(x, 5, rngFor(key))).toEqual(awgnChannel(x, 5, rngFor(key)));
  });
});
