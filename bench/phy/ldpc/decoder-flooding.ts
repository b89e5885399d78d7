import { TANH_LIMIT } from './decoder-layered';
import { edgeLayout, iterateWithStopTest, readChannelLlrs, type LdpcEdgeLayout } from './decoder-layout';
import type { LdpcDecodeResult, LdpcDecoder, ResolvedDecoderOptions } from './decoder-options';
import type { QcLdpcCode } from './qc-code';

const { tanh, atanh } = Math; // hoisted: see decoder-layered.ts


/**
 * Flooding sum-product, written to be obviously correct rather than fast: every iteration updates
 * all check nodes from the previous variable-to-check messages, then all variable nodes.
 *   check:    tanh(c_j / 2) = Π_{k≠j} tanh(t_k / 2)
 *   variable: posterior_v = channel_v + Σ c over v's edges;  t_e = posterior_v − c_e
 * All float64, the product over the others formed directly for each edge. It shares only the
 * edge list and the message ceiling with the layered decoders, so agreement between them is
 * evidence, not a tautology.
 */
export class FloodingSumProductDecoder implements LdpcDecoder {
  readonly name = 'sum-product/flooding-f64';
  private readonly layout: LdpcEdgeLayout;
  private readonly channel: Float64Array;
  private readonly posterior: Float64Array;
  private readonly toCheck: Float64Array;
  private readonly toVariable: Float64Array;
  private readonly tanhHalf: Float64Array;

  constructor(
    readonly code: QcLdpcCode,
    private readonly options: ResolvedDecoderOptions,
  ) {
    this.layout = edgeLayout(code);
    this.channel = new Float64Array(this.layout.n);
    this.posterior = new Float64Array(this.layout.n);
    this.toCheck = new Float64Array(this.layout.edges);
    this.toVariable = new Float64Array(this.layout.edges);
    this.tanhHalf = new Float64Array(this.layout.maxDegree);
  }

  decode(llr: Float32Array): LdpcDecodeResult {
    const { layout, channel, toCheck } = this;
    const { edgeVariable, edges } = layout;
    readChannelLlrs(this.name, llr, channel);
    for (let e = 0; e < edges; e++) toCheck[e] = channel[edgeVariable[e]];
    return iterateWithStopTest(layout, this.options, this.posterior, () => this.iterate());
  }

  /** One flooding iteration: all check nodes, then all variable nodes (posteriors included). */
  private iterate(): void {
    const { layout, channel, posterior, toCheck, toVariable, tanhHalf } = this;
    const { edgeVariable, layerDegree, z, layers, edges } = layout;
    let e = 0;
    for (let layer = 0; layer < layers; layer++) {
      const degree = layerDegree[layer];
      for (let row = 0; row < z; row++, e += degree) {
        for (let j = 0; j < degree; j++) tanhHalf[j] = tanh(toCheck[e + j] / 2);
        for (let j = 0; j < degree; j++) {
          let product = 1;
          for (let k = 0; k < degree; k++) if (k !== j) product *= tanhHalf[k];
          if (product > TANH_LIMIT) product = TANH_LIMIT;
          else if (product < -TANH_LIMIT) product = -TANH_LIMIT;
          toVariable[e + j] = 2 * atanh(product);
        }
      }
    }
    posterior.set(channel);
    for (let e = 0; e < edges; e++) posterior[edgeVariable[e]] += toVariable[e];
    for (let e = 0; e < edges; e++) toCheck[e] = posterior[edgeVariable[e]] - toVariable[e];
  }

  decodeBatch(llrs: readonly Float32Array[]): LdpcDecodeResult[] {
    return llrs.map((llr) => this.decode(llr));
  }
}
