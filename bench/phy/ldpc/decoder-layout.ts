import type { LdpcDecodeResult, ResolvedDecoderOptions } from './decoder-options';
import { codeLength, type QcLdpcCode } from './qc-code';

/**
 * The Tanner graph of a QC-LDPC code flattened for layered decoding, shared by every decoder
 * implementation (scalar JS and the WebAssembly kernel use the same edge order).
 *
 * Edges are numbered layer by layer (one layer = one base row = Z check rows), inside a layer row
 * by row (i = 0 … Z−1), inside a row block by block in the order the code lists them. So the d
 * edges of check row (layer ℓ, row i) are contiguous, and a layer is Z·d contiguous edges. Edge e
 * of block (row ℓ, col c, shift s) in row i connects to variable c·Z + (i + s) mod Z.
 */
export interface LdpcEdgeLayout {
  /** Mother codeword length n = baseCols · Z. */
  readonly n: number;
  readonly z: number;
  /** Number of layers (base rows); check rows = layers · Z. */
  readonly layers: number;
  /** Total number of edges (ones in H). */
  readonly edges: number;
  /** Variable (code bit) index of each edge, in the order described above. */
  readonly edgeVariable: Int32Array;
  /** Row degree of each layer: the number of blocks in its base row. */
  readonly layerDegree: Int32Array;
  readonly maxDegree: number;
}

const layoutByCode = new WeakMap<QcLdpcCode, LdpcEdgeLayout>();
// Codes are plain data; a constructor that builds a fresh object per call must not rebuild the
// layout per frame, so equal structures share one layout too.
const layoutByStructure = new Map<string, LdpcEdgeLayout>();

/** The edge layout of `code`, built once per code (memoised by identity and by structure). */
export function edgeLayout(code: QcLdpcCode): LdpcEdgeLayout {
  const cached = layoutByCode.get(code);
  if (cached) return cached;
  const key = structureKey(code);
  let layout = layoutByStructure.get(key);
  if (!layout) {
    layout = buildLayout(code);
    layoutByStructure.set(key, layout);
  }
  layoutByCode.set(code, layout);
  return layout;
}

function structureKey(code: QcLdpcCode): string {
  const parts = [code.z, code.baseRows, code.baseCols];
  for (const b of code.blocks) parts.push(b.row, b.col, b.shift);
  return parts.join(',');
}

function buildLayout(code: QcLdpcCode): LdpcEdgeLayout {
  const { z, baseRows, baseCols } = code;
  if (!Number.isInteger(z) || z < 1) throw new Error(`LDPC code ${code.name}: lifting size Z must be a positive integer, got ${z}`);
  const blocksOfRow: { col: number; shift: number }[][] = Array.from({ length: baseRows }, () => []);
  const seen = new Set<number>();
  for (const b of code.blocks) {
    if (!(b.row >= 0 && b.row < baseRows && b.col >= 0 && b.col < baseCols && Number.isInteger(b.shift) && b.shift >= 0 && b.shift < z)) {
      throw new Error(`LDPC code ${code.name}: block (row ${b.row}, col ${b.col}, shift ${b.shift}) is outside the ${baseRows}×${baseCols} base matrix or shift range [0, ${z})`);
    }
    const cell = b.row * baseCols + b.col;
    if (seen.has(cell)) throw new Error(`LDPC code ${code.name}: two blocks at (row ${b.row}, col ${b.col})`);
    seen.add(cell);
    blocksOfRow[b.row].push({ col: b.col, shift: b.shift });
  }
  const layerDegree = new Int32Array(baseRows);
  let edges = 0;
  let maxDegree = 0;
  for (let r = 0; r < baseRows; r++) {
    const d = blocksOfRow[r].length;
    // A check of degree 1 pins its bit to 0 and a degree-0 check is void; neither occurs in the NR
    // or 802.11n codes, and min-sum's "minimum of the others" has no value for them.
    if (d < 2) throw new Error(`LDPC code ${code.name}: base row ${r} has ${d} block(s); every check needs degree ≥ 2`);
    layerDegree[r] = d;
    edges += d * z;
    if (d > maxDegree) maxDegree = d;
  }
  const edgeVariable = new Int32Array(edges);
  let e = 0;
  for (let r = 0; r < baseRows; r++) {
    for (let i = 0; i < z; i++) {
      for (const { col, shift } of blocksOfRow[r]) edgeVariable[e++] = col * z + ((i + shift) % z);
    }
  }
  return { n: codeLength(code), z, layers: baseRows, edges, edgeVariable, layerDegree, maxDegree };
}

/** Hard decision of one LLR (LLR = log P(0)/P(1)): 1 when negative; a zero LLR decides 0. */
export function hardDecisions(llr: ArrayLike<number>, bits: Uint8Array): void {
  for (let v = 0; v < bits.length; v++) bits[v] = llr[v] < 0 ? 1 : 0;
}

/** True when every check row of the layout is satisfied by `bits` (zero syndrome). */
export function checksSatisfied(layout: LdpcEdgeLayout, bits: Uint8Array): boolean {
  const { edgeVariable, layerDegree, z } = layout;
  let e = 0;
  for (let layer = 0; layer < layout.layers; layer++) {
    const d = layerDegree[layer];
    for (let i = 0; i < z; i++) {
      let parity = 0;
      for (let j = 0; j < d; j++) parity ^= bits[edgeVariable[e + j]];
      if (parity !== 0) return false;
      e += d;
    }
  }
  return true;
}

/**
 * The iteration loop of the scalar decoders (layered and flooding) with its stop test: runs
 * `iterate` (one decoder iteration, updating `posterior`) up to maxIterations times; after each
 * iteration when earlyTermination (else only after the last) the hard decisions of `posterior`
 * are checked against every check, and a satisfied check set ends the frame early.
 */
export function iterateWithStopTest(
  layout: LdpcEdgeLayout,
  options: Pick<ResolvedDecoderOptions, 'maxIterations' | 'earlyTermination'>,
  posterior: ArrayLike<number>,
  iterate: () => void,
): LdpcDecodeResult {
  const { maxIterations, earlyTermination } = options;
  const bits = new Uint8Array(layout.n);
  let success = false;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterate();
    iterations++;
    if (earlyTermination || iterations === maxIterations) {
      hardDecisions(posterior, bits);
      success = checksSatisfied(layout, bits);
      if (success && earlyTermination) break;
    }
  }
  return { bits, success, iterations };
}

/**
 * Largest channel LLR magnitude the float decoders take in. Known filler bits may arrive as huge
 * or infinite LLRs; capped here, they stay certain (e^−10⁴) without turning message arithmetic
 * into ∞ − ∞.
 */
export const CHANNEL_LLR_LIMIT = 1e4;

/** Copies channel LLRs into `out`, checking the length and capping magnitudes; NaN is an error. */
export function readChannelLlrs(decoderName: string, llr: Float32Array, out: Float32Array | Float64Array): void {
  if (llr.length !== out.length) {
    throw new Error(`${decoderName}: expected ${out.length} LLRs (the mother codeword, baseCols·Z), got ${llr.length}`);
  }
  for (let v = 0; v < llr.length; v++) {
    const x = llr[v];
    if (x >= -CHANNEL_LLR_LIMIT && x <= CHANNEL_LLR_LIMIT) out[v] = x;
    else if (x > 0) out[v] = CHANNEL_LLR_LIMIT;
    else if (x < 0) out[v] = -CHANNEL_LLR_LIMIT;
    else throw new Error(`${decoderName}: LLR ${v} is NaN`);
  }
}
