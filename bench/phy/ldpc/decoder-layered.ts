import { edgeLayout, iterateWithStopTest, readChannelLlrs, type LdpcEdgeLayout } from './decoder-layout';
import type { LdpcDecodeResult, LdpcDecoder, ResolvedDecoderOptions } from './decoder-options';
import type { QcLdpcCode } from './qc-code';

// Module-level aliases: a hot loop that looks up `Math.*` on the global object is slow in some
// hosts (jest's module sandbox among them).
const { tanh, atanh } = Math;

/**
 * The check-node rule of a layered decoder: from the variable-to-check messages of one check row
 * (`toCheck[0..degree)`), the check-to-variable messages (`toVariable[0..degree)`), each computed
 * from all the row's other inputs.
 */
export interface CheckNodeRule {
  update(toCheck: Float64Array, toVariable: Float64Array, degree: number): void;
}

/**
 * Normalised (and offset) min-sum: the message to edge j is α·max(m − β, 0) with the sign
 * parity of the other inputs, m the smallest other |input|.
 */
export class NormalisedMinSumRule implements CheckNodeRule {
  constructor(
    private readonly scale: number,
    private readonly offset: number,
  ) {}

  update(toCheck: Float64Array, toVariable: Float64Array, degree: number): void {
    let min1 = Infinity;
    let min2 = Infinity;
    let min1At = -1;
    let negativeParity = 0;
    for (let j = 0; j < degree; j++) {
      const t = toCheck[j];
      const magnitude = t < 0 ? -t : t;
      if (t < 0) negativeParity ^= 1;
      if (magnitude < min1) {
        min2 = min1;
        min1 = magnitude;
        min1At = j;
      } else if (magnitude < min2) {
        min2 = magnitude;
      }
    }
    const fromMin1 = this.scale * (min1 > this.offset ? min1 - this.offset : 0);
    const fromMin2 = this.scale * (min2 > this.offset ? min2 - this.offset : 0);
    for (let j = 0; j < degree; j++) {
      const magnitude = j === min1At ? fromMin2 : fromMin1;
      toVariable[j] = (toCheck[j] < 0 ? 1 : 0) ^ negativeParity ? -magnitude : magnitude;
    }
  }
}

/**
 * |tanh(c/2)| is capped just below 1 so that 2·atanh stays finite: check messages saturate at
 * 2·atanh(1 − 1e−12) ≈ 28.3, an error probability of 5e−13.
 */
export const TANH_LIMIT = 1 - 1e-12;

/**
 * Exact sum-product (belief propagation) check rule, the tanh rule
 *   tanh(c_j / 2) = Π_{k≠j} tanh(t_k / 2),
 * with the products over the others from prefix and suffix products (no division, so an input
 * of 0, e.g. a punctured bit, is exact). Two transcendental calls per edge.
 */
export class SumProductRule implements CheckNodeRule {
  private readonly tanhHalf: Float64Array;

  constructor(maxDegree: number) {
    this.tanhHalf = new Float64Array(maxDegree);
  }

  update(toCheck: Float64Array, toVariable: Float64Array, degree: number): void {
    const tanhHalf = this.tanhHalf;
    let prefix = 1;
    for (let j = 0; j < degree; j++) {
      const th = tanh(toCheck[j] / 2);
      tanhHalf[j] = th;
      toVariable[j] = prefix; // Π_{k<j}
      prefix *= th;
    }
    let suffix = 1;
    for (let j = degree - 1; j >= 0; j--) {
      let others = toVariable[j] * suffix; // Π_{k<j} · Π_{k>j}
      suffix *= tanhHalf[j];
      if (others > TANH_LIMIT) others = TANH_LIMIT;
      else if (others < -TANH_LIMIT) others = -TANH_LIMIT;
      toVariable[j] = 2 * atanh(others);
    }
  }
}

/**
 * Layered (row-serial) decoding in scalar JS: for each layer and each of its Z check rows,
 * t = posterior − old message, new messages from the check rule, posterior = t + new message.
 * Posteriors and messages are float32; all buffers are allocated once per decoder.
 */
export class LayeredScalarDecoder implements LdpcDecoder {
  private readonly layout: LdpcEdgeLayout;
  private readonly rule: CheckNodeRule;
  private readonly posterior: Float32Array;
  private readonly checkToVariable: Float32Array;
  private readonly toCheck: Float64Array;
  private readonly toVariable: Float64Array;

  constructor(
    readonly code: QcLdpcCode,
    makeRule: (layout: LdpcEdgeLayout) => CheckNodeRule,
    private readonly options: ResolvedDecoderOptions,
    readonly name: string,
  ) {
    this.layout = edgeLayout(code);
    this.rule = makeRule(this.layout);
    this.posterior = new Float32Array(this.layout.n);
    this.checkToVariable = new Float32Array(this.layout.edges);
    this.toCheck = new Float64Array(this.layout.maxDegree);
    this.toVariable = new Float64Array(this.layout.maxDegree);
  }

  decode(llr: Float32Array): LdpcDecodeResult {
    readChannelLlrs(this.name, llr, this.posterior);
    this.checkToVariable.fill(0);
    return iterateWithStopTest(this.layout, this.options, this.posterior, () => this.iterate());
  }

  /** One layered iteration: every check row of every layer, in edge-layout order. */
  private iterate(): void {
    const { layout, rule, posterior, checkToVariable, toCheck, toVariable } = this;
    const { edgeVariable, layerDegree, z, layers } = layout;
    let e = 0;
    for (let layer = 0; layer < layers; layer++) {
      const degree = layerDegree[layer];
      for (let row = 0; row < z; row++, e += degree) {
        for (let j = 0; j < degree; j++) toCheck[j] = posterior[edgeVariable[e + j]] - checkToVariable[e + j];
        rule.update(toCheck, toVariable, degree);
        for (let j = 0; j < degree; j++) {
          checkToVariable[e + j] = toVariable[j];
          posterior[edgeVariable[e + j]] = toCheck[j] + toVariable[j];
        }
      }
    }
  }

  decodeBatch(llrs: readonly Float32Array[]): LdpcDecodeResult[] {
    return llrs.map((llr) => this.decode(llr));
  }
}
