import { parseLdpcSpec } from '../../bench/phy/ldpc/codes';
import {
  codeFamily,
  createLdpcDecoder,
  defaultMinSumScale,
  FALLBACK_MIN_SUM_SCALE,
  MIN_SUM_SCALE_BY_FAMILY,
  resolveDecoderOptions,
} from '../../bench/phy/ldpc/decoder';
import { createLink, simulatePoint } from '../../bench/phy/ldpc/simulate';
import { modulationFromName } from '../../bench/phy/modulation';

/**
 * The per-code-family default of the min-sum normalisation factor α (min-sum-scale.ts) and a
 * small simulation that it pays off on 5G NR base graph 2 (VALIDATION.md, "Min-sum scale per
 * base graph").
 */
const effective = (spec: string) => parseLdpcSpec(spec).effective;

describe('min-sum α per code family', () => {
  test('the BPG-LDPC rates and 802.11n map to their families', () => {
    // 38.212 §7.2.2: K = 1536 at R 1/3 and K = 3072 at R 1/2, 2/3 select BG2; K = 3072 at R 3/4 BG1.
    expect(['nr:1536:4608', 'nr:3072:6144', 'nr:3072:4608'].map((s) => codeFamily(effective(s)))).toEqual(['nr-bg2', 'nr-bg2', 'nr-bg2']);
    expect(codeFamily(effective('nr:3072:4096'))).toBe('nr-bg1');
    expect(codeFamily(effective('nr:4000:8000'))).toBe('nr-bg1');
    expect(codeFamily(effective('wifi:1944:1/2'))).toBe('wifi');
    expect(codeFamily(effective('wifi:648:5/6'))).toBe('wifi');
    expect(codeFamily({ name: 'test:wifi648-r12' })).toBeUndefined();
  });

  test('the default α is the family entry; an explicit minSumScale overrides it', () => {
    const bg1 = effective('nr:3072:4096');
    const bg2 = effective('nr:3072:6144');
    const wifi = effective('wifi:1944:1/2');
    expect(MIN_SUM_SCALE_BY_FAMILY).toEqual({ 'nr-bg1': 0.6875, 'nr-bg2': 0.75, wifi: 0.8125 });
    expect(defaultMinSumScale(bg1)).toBe(MIN_SUM_SCALE_BY_FAMILY['nr-bg1']);
    expect(defaultMinSumScale(bg2)).toBe(MIN_SUM_SCALE_BY_FAMILY['nr-bg2']);
    expect(defaultMinSumScale(wifi)).toBe(MIN_SUM_SCALE_BY_FAMILY.wifi);
    expect(defaultMinSumScale({ name: 'custom' })).toBe(FALLBACK_MIN_SUM_SCALE);
    expect(resolveDecoderOptions(bg2).minSumScale).toBe(MIN_SUM_SCALE_BY_FAMILY['nr-bg2']);
    expect(resolveDecoderOptions(bg2, { minSumScale: 0.9 }).minSumScale).toBe(0.9);
    expect(createLdpcDecoder(bg2, { implementation: 'scalar' }).name).toBe(`min-sum/scalar-f32(scale=${MIN_SUM_SCALE_BY_FAMILY['nr-bg2']})`);
    expect(createLdpcDecoder(bg1, { implementation: 'wasm-simd' }).name).toBe(`min-sum/wasm-simd-i16x8(scale=${MIN_SUM_SCALE_BY_FAMILY['nr-bg1']})`);
    expect(createLdpcDecoder(bg2, { minSumScale: 0.875, implementation: 'wasm-simd' }).name).toBe('min-sum/wasm-simd-i16x8(scale=0.875)');
  });

  test('every table value is exact in the WebAssembly kernel\'s Q15 format', () => {
    for (const alpha of [...Object.values(MIN_SUM_SCALE_BY_FAMILY), FALLBACK_MIN_SUM_SCALE]) {
      expect(alpha).toBeGreaterThan(0);
      expect(alpha).toBeLessThan(1);
      expect(Number.isInteger(alpha * 32768)).toBe(true);
    }
  });

  test('BG2 (nr:3072:6144, QPSK/AWGN, 1.35 dB, 256 frames): the default α has fewer block errors than 0.875', () => {
    const scheme = parseLdpcSpec('nr:3072:6144');
    const link = createLink({ scheme, modulation: modulationFromName('qpsk'), channel: 'awgn', demap: 'exact', seed: 11 });
    const limits = { maxFrames: 256, maxErrors: 256, batch: 32 };
    const errors = (minSumScale?: number): number =>
      simulatePoint(link, createLdpcDecoder(scheme.effective, { minSumScale, implementation: 'wasm-simd' }), 1.35, limits).blockErrors;
    const old = errors(0.875);
    const chosen = errors(undefined);
    // Measured (seed 11): α 0.875 71 block errors, 0.8125 3, 0.75 1, 0.6875 3.
    expect(old).toBeGreaterThanOrEqual(40);
    expect(chosen).toBeLessThanOrEqual(old / 4);
  });
});
