import type { QcLdpcCode } from './qc-code';

/**
 * The default normalisation factor α of the layered normalised min-sum decoder, per code family:
 * the one table of these values (decoder-options.ts applies it; an explicit `minSumScale` option
 * overrides it).
 *
 * Chosen by simulation (VALIDATION.md, "Min-sum scale per base graph"; min-sum-scale-sweep.ts):
 * α ∈ {0.625, 0.6875, 0.75, 0.8125, 0.875, 0.9375}, QPSK/AWGN, exact demapper, 20 iterations,
 * early stop, WebAssembly kernel, seed 1; per family the α with the lowest Eb/N0 at BLER 1e-2 on
 * its codes (BG2: the lowest mean over its three codes; the best α of each alone ranges from
 * 0.6875 at R 1/3 to 0.75–0.8125 at R 2/3). Thresholds (dB) for α = 0.6875 / 0.75 / 0.8125 /
 * 0.875 (frame counts, 95 % ranges and the other α in VALIDATION.md):
 *   BG2 nr:1536:4608  0.926 / 1.011 / 1.214 / 1.490
 *   BG2 nr:3072:6144  1.292 / 1.304 / 1.408 / 1.591
 *   BG2 nr:3072:4608  2.187 / 1.996 / 1.993 / 2.082   (mean of the three: 1.468 / 1.437 / 1.538 / 1.721)
 *   BG1 nr:3072:4096  2.557 / 2.564 / 2.606 / 2.702   (0.6875 and 0.75 tie within 0.01 dB)
 *   802.11n wifi:1944:1/2  2.286 / 1.694 / 1.554 / 1.619
 * The ranking holds at BLER 1e-2; further down a larger α can fall faster (802.11n at 2 dB:
 * α 0.875 BLER < 5e-5, 0.75 3.4e-3, 20 000 frames, an earlier bench-decoders.ts measurement).
 *
 * Fixed point: the WebAssembly kernel multiplies by round(α·32768) in Q15 (i16x8.q15mulr_sat_s,
 * result rounded to the nearest 1/16 LLR unit), so any α that is a multiple of 2^−15 — all of
 * these, multiples of 1/16 — is applied exactly; α = 1 becomes 32767/32768.
 */
export type LdpcCodeFamily = 'nr-bg1' | 'nr-bg2' | 'wifi';

export const MIN_SUM_SCALE_BY_FAMILY: Readonly<Record<LdpcCodeFamily, number>> = Object.freeze({
  'nr-bg1': 0.6875,
  'nr-bg2': 0.75,
  wifi: 0.8125,
});

/** α for a code of no known family (a hand-built test code): the former global default. */
export const FALLBACK_MIN_SUM_SCALE = 0.875;

/**
 * The family of a code from its canonical name (qc-code.ts): `nr:bg1:z…` and `nr:bg2:z…` (also
 * their leading subcodes `nr:bgN:zZ:rowsR`, nr-scheme.ts) and `wifi:N:R`. Undefined otherwise.
 */
export function codeFamily(code: Pick<QcLdpcCode, 'name'>): LdpcCodeFamily | undefined {
  if (code.name.startsWith('nr:bg1:')) return 'nr-bg1';
  if (code.name.startsWith('nr:bg2:')) return 'nr-bg2';
  if (code.name.startsWith('wifi:')) return 'wifi';
  return undefined;
}

/** The default min-sum α for `code`: its family's entry, else {@link FALLBACK_MIN_SUM_SCALE}. */
export function defaultMinSumScale(code: Pick<QcLdpcCode, 'name'>): number {
  const family = codeFamily(code);
  return family === undefined ? FALLBACK_MIN_SUM_SCALE : MIN_SUM_SCALE_BY_FAMILY[family];
}
