/**
 * The decoder interface and its options: what every decoder implementation (decoder-layered.ts,
 * decoder-flooding.ts, decoder-wasm.ts) implements and receives, and what decoder.ts, the public
 * entry point, builds them from. Kept apart from decoder.ts so that the implementations do not
 * import the module that imports them (the dependency graph of decoder*.ts is acyclic:
 * decoder.ts → implementations → decoder-layout.ts / decoder-options.ts → min-sum-scale.ts).
 */
import { defaultMinSumScale } from './min-sum-scale';
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
  /**
   * Min-sum normalisation factor α in (0, 1]: messages are α·max(min − β, 0). Default: the
   * factor of the code's family (5G NR BG1, BG2, 802.11n), {@link defaultMinSumScale}.
   */
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

/** The options for decoding `code`, defaults applied (min-sum α from the code's family) and checked. */
export function resolveDecoderOptions(code: QcLdpcCode, options: LdpcDecoderOptions = {}): ResolvedDecoderOptions {
  const maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const minSumScale = options.minSumScale ?? defaultMinSumScale(code);
  const minSumOffset = options.minSumOffset ?? 0;
  if (!Number.isInteger(maxIterations) || maxIterations < 1 || maxIterations > 1000) {
    throw new Error(`LDPC decoder: maxIterations must be an integer in 1…1000, got ${maxIterations}`);
  }
  if (!(minSumScale > 0 && minSumScale <= 1)) throw new Error(`LDPC decoder: minSumScale must be in (0, 1], got ${minSumScale}`);
  if (!(minSumOffset >= 0 && Number.isFinite(minSumOffset))) throw new Error(`LDPC decoder: minSumOffset must be ≥ 0, got ${minSumOffset}`);
  return { maxIterations, earlyTermination: options.earlyTermination ?? true, minSumScale, minSumOffset };
}
