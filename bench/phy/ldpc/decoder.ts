/**
 * LDPC decoding of QC codes (5G NR, IEEE 802.11n): the public entry point.
 *
 * Input: channel LLRs of the mother codeword (length baseCols·Z), LLR = log P(0)/P(1), so positive
 * means 0; punctured positions arrive as 0, known filler bits as a large positive value.
 * Output per frame: hard decisions of all n bits, whether they satisfy every check, and the
 * iterations run.
 *
 * Algorithms (all layered ones process base rows in order, one layer = Z independent check rows):
 * - `min-sum` (default, fast): layered normalised min-sum, optionally with an offset. Runs as a
 *   WebAssembly SIMD kernel over 8 frames at a time (16-bit fixed point) or as scalar float32 JS.
 * - `sum-product` (accurate): layered sum-product with the exact check rule (tanh rule in the
 *   log domain), float32 storage, float64 arithmetic.
 * - `flooding-sum-product`: the textbook two-phase belief propagation with the tanh rule in
 *   float64; the simple reference that validates the others and the speed baseline.
 */
import { FloodingSumProductDecoder } from './decoder-flooding';
import { LayeredScalarDecoder, NormalisedMinSumRule, SumProductRule } from './decoder-layered';
import { WasmSimdMinSumDecoder, wasmSimdAvailability } from './decoder-wasm';
import type { QcLdpcCode } from './qc-code';

export type LdpcAlgorithm = 'min-sum' | 'sum-product' | 'flooding-sum-product';

/**
 * Where min-sum runs. `auto`: the WebAssembly SIMD kernel when the engine supports WebAssembly
 * SIMD, else scalar JS (the decoder's `name` says which). A .wasm that was never built is an
 * error under `auto` too, not a silent fallback.
 */
export type MinSumImplementation = 'auto' | 'wasm-simd' | 'scalar';

export interface LdpcDecoderOptions {
  /** Default `min-sum`. */
  algorithm?: LdpcAlgorithm;
  /** Default 20. */
  maxIterations?: number;
  /** Stop a frame as soon as its hard decisions satisfy every check (tested after each iteration). Default true. */
  earlyTermination?: boolean;
  /** Min-sum normalisation factor α in (0, 1]: messages are α·max(min − β, 0). Default {@link DEFAULT_MIN_SUM_SCALE}. */
  minSumScale?: number;
  /** Min-sum offset β ≥ 0 in LLR units. Default 0 (pure normalised min-sum). */
  minSumOffset?: number;
  /** Min-sum only. Default `auto`. */
  implementation?: MinSumImplementation;
}

export interface LdpcDecodeResult {
  /** Hard decisions (0/1) of all n = baseCols·Z bits of the mother codeword. */
  readonly bits: Uint8Array;
  /** The decisions satisfy every parity check (zero syndrome). */
  readonly success: boolean;
  /** Iterations run on this frame, 1 … maxIterations. */
  readonly iterations: number;
}

export interface LdpcDecoder {
  /** What runs, e.g. `min-sum/wasm-simd-i16x8(scale=0.75)`; record it with any result. */
  readonly name: string;
  readonly code: QcLdpcCode;
  decode(llr: Float32Array): LdpcDecodeResult;
  /**
   * Decodes several frames (e.g. all code blocks of a transport block). The SIMD decoder needs
   * this to fill its 8 lanes; the others decode one frame after another.
   */
  decodeBatch(llrs: readonly Float32Array[]): LdpcDecodeResult[];
}

/** Options with defaults applied and checked; what the implementations receive. */
export interface ResolvedDecoderOptions {
  readonly maxIterations: number;
  readonly earlyTermination: boolean;
  readonly minSumScale: number;
  readonly minSumOffset: number;
}

export const DEFAULT_MAX_ITERATIONS = 20;
/**
 * α = 0.875, measured with bench-decoders.ts on 802.11n n=1944 R=1/2, QPSK/AWGN, 20 iterations,
 * 20 000 frames per point (WASM kernel; the float decoder gives the same error rates):
 *   Eb/N0 2 dB:   α 0.75 BLER 3.4e−3, 6.3 iterations;  α 0.875 BLER < 5e−5, 5.55 iterations
 *   Eb/N0 1.5 dB: α 0.75 BLER 0.065;                   α 0.875 BLER 0.036
 * (α 0.8125 sits between at 2 dB and is best at 1.5 dB, 0.020; α 0.6875 fails often: 0.45.)
 * It is also the factor of the AFF3CT anchor in DESIGN.md.
 */
export const DEFAULT_MIN_SUM_SCALE = 0.875;

export function resolveDecoderOptions(options: LdpcDecoderOptions = {}): ResolvedDecoderOptions {
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const minSumScale = options.minSumScale ?? DEFAULT_MIN_SUM_SCALE;
  const minSumOffset = options.minSumOffset ?? 0;
  if (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > 1000) {
    throw new Error(`LDPC decoder: maxIterations must be an integer in 1…1000, got ${maxIterations}`);
  }
  if (!(minSumScale > 0 && minSumScale <= 1)) throw new Error(`LDPC decoder: minSumScale must be in (0, 1], got ${minSumScale}`);
  if (!(minSumOffset >= 0 && Number.isFinite(minSumOffset))) throw new Error(`LDPC decoder: minSumOffset must be ≥ 0, got ${minSumOffset}`);
  return { maxIterations, earlyTermination: options.earlyTermination ?? true, minSumScale, minSumOffset };
}

export function createLdpcDecoder(code: QcLdpcCode, options: LdpcDecoderOptions = {}): LdpcDecoder {
  const resolved = resolveDecoderOptions(options);
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
