/**
 * LDPC decoding of QC codes (5G NR, IEEE 802.11n): the public entry point.
 *
 * Input: channel LLRs of the mother codeword (length baseCols·Z), LLR = log P(0)/P(1), so positive
 * means 0; punctured positions arrive as 0, known filler bits as a large positive value.
 * Output per frame: hard decisions of all n bits, whether they satisfy every check, and the
 * iterations run.
 *
 * Algorithms (all layered ones process base rows in order, one layer = Z independent check rows):
 * - `min-sum` (default, fast): layered normalised min-sum, optionally with an offset, its default
 *   α per code family (min-sum-scale.ts). Runs as a WebAssembly SIMD kernel over 8 frames at a
 *   time (16-bit fixed point) or as scalar float32 JS.
 * - `sum-product` (accurate): layered sum-product with the exact check rule (tanh rule in the
 *   log domain), float32 storage, float64 arithmetic.
 * - `flooding-sum-product`: the textbook two-phase belief propagation with the tanh rule in
 *   float64; the simple reference that validates the others and the speed baseline.
 */
import { FloodingSumProductDecoder } from './decoder-flooding';
import { LayeredScalarDecoder, NormalisedMinSumRule, SumProductRule } from './decoder-layered';
import {
  resolveDecoderOptions,
  type LdpcDecodeResult,
  type LdpcDecoder,
  type LdpcDecoderOptions,
  type MinSumImplementation,
  type ResolvedDecoderOptions,
} from './decoder-options';
import { WasmSimdMinSumDecoder, wasmSimdAvailability } from './decoder-wasm';
import type { QcLdpcCode } from './qc-code';

// The interface and options live in decoder-options.ts (the implementations import them from
// there, not from here, so that no decoder module imports its importer); re-exported for callers.
export * from './decoder-options';
export { codeFamily, defaultMinSumScale, FALLBACK_MIN_SUM_SCALE, MIN_SUM_SCALE_BY_FAMILY, type LdpcCodeFamily } from './min-sum-scale';

export function createLdpcDecoder(code: QcLdpcCode, options: LdpcDecoderOptions = {}): LdpcDecoder {
  const resolved = resolveDecoderOptions(code, options);
  const algorithm = options.algorithm ?? 'min-sum';
  switch (algorithm) {
    case 'min-sum':
      return createMinSumDecoder(code, resolved, options.implementation ?? 'auto');
    case 'sum-product':
      return new LayeredScalarDecoder(code, (layout) => new SumProductRule(layout.maxDegree), resolved, 'sum-product/layered-f32');
    case 'flooding-sum-product':
      return new FloodingSumProductDecoder(code, resolved);
    default:
      throw new Error(`LDPC decoder: unknown algorithm '${String(algorithm)}' (min-sum, sum-product, flooding-sum-product)`);
  }
}

function createMinSumDecoder(code: QcLdpcCode, options: ResolvedDecoderOptions, implementation: MinSumImplementation): LdpcDecoder {
  const params = options.minSumOffset > 0 ? `scale=${options.minSumScale},offset=${options.minSumOffset}` : `scale=${options.minSumScale}`;
  const useWasm = implementation === 'wasm-simd' || (implementation === 'auto' && wasmSimdAvailability().engineSupportsSimd);
  if (useWasm) return new WasmSimdMinSumDecoder(code, options, `min-sum/wasm-simd-i16x8(${params})`);
  if (implementation !== 'scalar' && implementation !== 'auto') {
    throw new Error(`LDPC decoder: unknown min-sum implementation '${String(implementation)}' (auto, wasm-simd, scalar)`);
  }
  return new LayeredScalarDecoder(
    code,
    () => new NormalisedMinSumRule(options.minSumScale, options.minSumOffset),
    options,
    `min-sum/scalar-f32(${params})`,
  );
}

const decodersByCode = new WeakMap<QcLdpcCode, Map<string, LdpcDecoder>>();

/** One-shot decode; the decoder (and its buffers) for this code and these options is kept for the next call. */
export function decodeLdpc(code: QcLdpcCode, llr: Float32Array, options: LdpcDecoderOptions = {}): LdpcDecodeResult {
  let decoders = decodersByCode.get(code);
  if (!decoders) decodersByCode.set(code, (decoders = new Map()));
  const key = JSON.stringify([options.algorithm, options.maxIterations, options.earlyTermination, options.minSumScale, options.minSumOffset, options.implementation]);
  let decoder = decoders.get(key);
  if (!decoder) decoders.set(key, (decoder = createLdpcDecoder(code, options)));
  return decoder.decode(llr);
}
