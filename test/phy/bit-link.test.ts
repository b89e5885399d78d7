import { bitsToBytes, bytesToBits, transmitBits } from '../../bench/phy/bit-link';
import { parseLdpcSpec } from '../../bench/phy/ldpc/codes';
import { modulationFromName } from '../../bench/phy/modulation';
import { rngFromText } from '../../bench/phy/rng';

const randomBits = (n: number, seed: string) => {
  const r = rngFromText(seed);
  return Uint8Array.from({ length: n }, () => r.nextUint32() & 1);
};
const errors = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + (v !== b[i] ? 1 : 0), 0);

describe('bit link', () => {
  test('bytes ↔ bits, MSB first', () => {
    expect(Array.from(bytesToBits(new Uint8Array([0xa5, 0x01])))).toEqual([1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    const bytes = new Uint8Array([0, 255, 17, 200]);
    expect(bitsToBytes(bytesToBits(bytes))).toEqual(bytes);
  });

  test('uncoded BPSK: lossless at 40 dB, errors at -5 dB; symbols = bits', () => {
    const bits = randomBits(5000, 'u');
    const mod = modulationFromName('bpsk');
    const hi = transmitBits(bits, 40, rngFromText('a'), { modulation: mod, code: null });
    expect(hi.bits).toEqual(bits);
    expect(hi.channelSymbols).toBe(5000);
    const lo = transmitBits(bits, -5, rngFromText('b'), { modulation: mod, code: null });
    // BPSK BER at Es/N0 = -5 dB is Q(sqrt(2·0.316)) ≈ 0.213.
    expect(errors(lo.bits, bits) / 5000).toBeGreaterThan(0.18);
    expect(errors(lo.bits, bits) / 5000).toBeLessThan(0.25);
  });

  test('LDPC-coded QPSK: every block decodes at a good SNR, padding and counts right', () => {
    const code = parseLdpcSpec('nr:1536:4608');
    const bits = randomBits(4000, 'c'); // 3 blocks, the last one padded
    const r = transmitBits(bits, 3, rngFromText('d'), { modulation: modulationFromName('qpsk'), code });
    expect(r.blocks).toBe(3);
    expect(r.failedBlocks).toBe(0);
    expect(r.bits).toEqual(bits);
    expect(r.channelBits).toBe(3 * 4608);
    expect(r.channelSymbols).toBe((3 * 4608) / 2);
    const bad = transmitBits(bits, -8, rngFromText('e'), { modulation: modulationFromName('qpsk'), code });
    expect(bad.failedBlocks).toBe(3);
  });

  test('Rayleigh fading with known gains', () => {
    const bits = randomBits(2000, 'f');
    const r = transmitBits(bits, 40, rngFromText('g'), { modulation: modulationFromName('qpsk'), code: null, channel: { kind: 'rayleigh', blockLength: 10 } });
    expect(errors(r.bits, bits)).toBeLessThan(10);
  });
});
