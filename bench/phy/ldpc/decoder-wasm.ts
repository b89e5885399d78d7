import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { edgeLayout, type LdpcEdgeLayout } from './decoder-layout';
import type { LdpcDecodeResult, LdpcDecoder, ResolvedDecoderOptions } from './decoder-options';
import type { QcLdpcCode } from './qc-code';

const { round } = Math; // hoisted: see decoder-layered.ts

/**
 * The part of the WebAssembly JS API used here. Node has it built in, but the project's `lib`
 * (ES2022, no DOM) and @types/node 20 do not declare it.
 */
interface WasmModule {
  readonly __brand: 'WebAssembly.Module';
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
}
const webAssembly = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * Fixed-point format of the SIMD kernel: an LLR x becomes round(16·x) (4 fractional bits),
 * clamped to ±8191 (|x| ≤ 512). Min-sum is invariant to a common scale of its inputs, so only the
 * rounding (error ≤ 1/32) and the clamp matter, neither measurably at the LLRs a channel produces
 * (|x| ≲ 50). The clamp leaves headroom for posteriors to grow four-fold before the kernel's
 * saturating 16-bit arithmetic (±32767) pins them; known filler bits clamp to +8191.
 */
export const WASM_LLR_SCALE = 16;
export const WASM_CHANNEL_LIMIT = 8191;

/** Quantises LLRs to the kernel's fixed-point format (see {@link WASM_LLR_SCALE}). NaN is an error. */
export function quantizeLlrs(llr: Float32Array, out: Int16Array): void {
  if (out.length < llr.length) throw new Error(`quantizeLlrs: output holds ${out.length} values, input has ${llr.length}`);
  for (let v = 0; v < llr.length; v++) {
    const q = round(llr[v] * WASM_LLR_SCALE);
    if (q >= -WASM_CHANNEL_LIMIT && q <= WASM_CHANNEL_LIMIT) out[v] = q;
    else if (q > 0) out[v] = WASM_CHANNEL_LIMIT;
    else if (q < 0) out[v] = -WASM_CHANNEL_LIMIT;
    else throw new Error(`quantizeLlrs: LLR ${v} is NaN`);
  }
}

const KERNEL_FILE = 'min-sum-i16x8.wasm';
const BUILD_HINT = 'build it with `node bench/phy/ldpc/wasm/build.js` (part of `npm run build`)';
/** Frames decoded in parallel: 8 lanes of i16 in a v128. */
const LANES = 8;
const WASM_PAGE = 65536;
/**
 * Bytes of input/output area per kernel call (3 bytes per bit: i16 LLR in, byte out). Larger
 * batches are decoded in consecutive calls, so a code's kernel memory stays bounded; each call
 * ends with a drain (lanes idle as the last frames finish), negligible at hundreds of frames.
 */
const IO_BYTES_PER_CALL = 8 << 20;

/**
 * The kernel is compiled into dist/ next to this module's JS; when this module runs as TS source
 * (jest), the same dist/ file is found from the repository root.
 */
function kernelCandidates(): string[] {
  return [join(__dirname, 'wasm', KERNEL_FILE), join(__dirname, '..', '..', '..', 'dist', 'bench', 'phy', 'ldpc', 'wasm', KERNEL_FILE)];
}

/**
 * The smallest module using a SIMD instruction (i8x16.splat; i8x16.popcnt): validates exactly when
 * the engine supports WebAssembly SIMD.
 */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

export interface WasmSimdAvailability {
  readonly engineSupportsSimd: boolean;
  /** The kernel is compiled and usable. */
  readonly ready: boolean;
  /** Why it is not, with how to fix it. */
  readonly problem?: string;
}

interface LoadedKernel extends WasmSimdAvailability {
  /** A new kernel instance with its own memory; present when `ready`. */
  readonly instantiate?: () => KernelExports;
}

// Loaded synchronously when this module is first imported: a few kB, compiled in milliseconds.
const loadedKernel: LoadedKernel = loadKernel();

function loadKernel(): LoadedKernel {
  if (!webAssembly || !webAssembly.validate(SIMD_PROBE)) {
    return { engineSupportsSimd: false, ready: false, problem: `this JavaScript engine (Node ${process.version}) does not support WebAssembly SIMD` };
  }
  const candidates = kernelCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    return { engineSupportsSimd: true, ready: false, problem: `LDPC min-sum WebAssembly kernel not found (looked for ${candidates.join(', ')}): ${BUILD_HINT}` };
  }
  try {
    const module = new webAssembly.Module(readFileSync(path));
    return { engineSupportsSimd: true, ready: true, instantiate: () => new webAssembly.Instance(module, {}).exports as KernelExports };
  } catch (e) {
    return { engineSupportsSimd: true, ready: false, problem: `LDPC min-sum WebAssembly kernel ${path} does not compile (${(e as Error).message}): re${BUILD_HINT}` };
  }
}

export function wasmSimdAvailability(): WasmSimdAvailability {
  const { engineSupportsSimd, ready, problem } = loadedKernel;
  return { engineSupportsSimd, ready, problem };
}

interface KernelExports {
  readonly memory: WasmMemory;
  firstFreeByte(): number;
  configure(
    z: number, layers: number, edges: number, n: number,
    edgeVariableOffsetAt: number, layerDegreeAt: number, laneStateAt: number,
    posteriorAt: number, checkToVariableAt: number, variableToCheckAt: number,
  ): void;
  decodeFrames(
    frameCount: number, llrIn: number, bitsOut: number, iterationsOut: number, successOut: number,
    maxIterations: number, earlyTermination: number, scaleQ15: number, offset: number,
  ): void;
}

const align16 = (x: number): number => (x + 15) & ~15;

/**
 * One kernel instance per code: its linear memory holds the code's edge layout, the decoder state
 * and an input/output area that grows with the largest batch seen. Shared by every decoder of the
 * code (calls are synchronous, so they never interleave).
 */
class KernelInstance {
  private readonly exports: KernelExports;
  /** Start of the per-call area: i16 LLRs, then bits, then iterations, then success flags. */
  private readonly ioBase: number;

  constructor(
    private readonly layout: LdpcEdgeLayout,
    instantiate: () => KernelExports,
  ) {
    this.exports = instantiate();
    const { n, edges, layers, maxDegree } = layout;
    const edgeVariableOffsetAt = align16(this.exports.firstFreeByte());
    const layerDegreeAt = align16(edgeVariableOffsetAt + 4 * edges);
    const laneStateAt = align16(layerDegreeAt + 4 * layers);
    const posteriorAt = align16(laneStateAt + 8 * LANES);
    const checkToVariableAt = posteriorAt + 16 * n;
    const variableToCheckAt = checkToVariableAt + 16 * edges;
    this.ioBase = variableToCheckAt + 16 * maxDegree;
    this.ensureMemory(this.ioBase);
    const { buffer } = this.exports.memory;
    const edgeVariableOffset = new Int32Array(buffer, edgeVariableOffsetAt, edges);
    for (let e = 0; e < edges; e++) edgeVariableOffset[e] = 16 * layout.edgeVariable[e];
    new Int32Array(buffer, layerDegreeAt, layers).set(layout.layerDegree);
    this.exports.configure(layout.z, layers, edges, n, edgeVariableOffsetAt, layerDegreeAt, laneStateAt, posteriorAt, checkToVariableAt, variableToCheckAt);
  }

  private ensureMemory(bytes: number): void {
    const { memory } = this.exports;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / WASM_PAGE));
  }

  decode(llrs: readonly Float32Array[], options: ResolvedDecoderOptions, name: string): LdpcDecodeResult[] {
    const framesPerCall = Math.max(LANES, Math.floor(IO_BYTES_PER_CALL / (3 * this.layout.n)));
    if (llrs.length <= framesPerCall) return this.decodeCall(llrs, options, name);
    const results: LdpcDecodeResult[] = [];
    for (let f = 0; f < llrs.length; f += framesPerCall) results.push(...this.decodeCall(llrs.slice(f, f + framesPerCall), options, name));
    return results;
  }

  private decodeCall(llrs: readonly Float32Array[], options: ResolvedDecoderOptions, name: string): LdpcDecodeResult[] {
    const { n } = this.layout;
    const frames = llrs.length;
    if (frames === 0) return [];
    const llrAt = this.ioBase;
    const bitsAt = llrAt + 2 * n * frames;
    const iterationsAt = align16(bitsAt + n * frames);
    const successAt = iterationsAt + 4 * frames;
    this.ensureMemory(successAt + frames);
    // Views are made after any growth: growing detaches the old buffer.
    const { buffer } = this.exports.memory;
    const llrIn = new Int16Array(buffer, llrAt, n * frames);
    for (let f = 0; f < frames; f++) {
      if (llrs[f].length !== n) throw new Error(`${name}: expected ${n} LLRs (the mother codeword, baseCols·Z), got ${llrs[f].length} in frame ${f}`);
      quantizeLlrs(llrs[f], llrIn.subarray(f * n, (f + 1) * n));
    }
    const scaleQ15 = Math.min(32767, Math.round(options.minSumScale * 32768));
    const offset = Math.min(32767, Math.round(options.minSumOffset * WASM_LLR_SCALE));
    this.exports.decodeFrames(frames, llrAt, bitsAt, iterationsAt, successAt, options.maxIterations, options.earlyTermination ? 1 : 0, scaleQ15, offset);
    const bits = new Uint8Array(buffer, bitsAt, n * frames);
    const iterations = new Int32Array(buffer, iterationsAt, frames);
    const success = new Uint8Array(buffer, successAt, frames);
    const results: LdpcDecodeResult[] = [];
    for (let f = 0; f < frames; f++) {
      results.push({ bits: bits.slice(f * n, (f + 1) * n), success: success[f] === 1, iterations: iterations[f] });
    }
    return results;
  }
}

const kernelByLayout = new WeakMap<LdpcEdgeLayout, KernelInstance>();

/**
 * Layered normalised/offset min-sum in the WebAssembly SIMD kernel (wasm/min-sum-i16x8.as.ts):
 * 8 frames per SIMD lane group, 16-bit fixed point. Throughput comes from batches: a single
 * `decode` occupies one lane of eight.
 */
export class WasmSimdMinSumDecoder implements LdpcDecoder {
  private readonly instance: KernelInstance;

  constructor(
    readonly code: QcLdpcCode,
    private readonly options: ResolvedDecoderOptions,
    readonly name: string,
  ) {
    const { instantiate } = loadedKernel;
    if (!instantiate) throw new Error(loadedKernel.problem);
    const layout = edgeLayout(code);
    let instance = kernelByLayout.get(layout);
    if (!instance) kernelByLayout.set(layout, (instance = new KernelInstance(layout, instantiate)));
    this.instance = instance;
  }

  decode(llr: Float32Array): LdpcDecodeResult {
    return this.instance.decode([llr], this.options, this.name)[0];
  }

  decodeBatch(llrs: readonly Float32Array[]): LdpcDecodeResult[] {
    return this.instance.decode(llrs, this.options, this.name);
  }
}
