import { createHash } from 'crypto';
import { onnx } from 'onnx-proto';

/**
 * Graph surgery on a pair metric (a, b) → dist of the LPIPS shape: two copies of one feature
 * network, a channel unit-normalisation x / f(x) of every tap of each copy (a Div whose divisor
 * is computed from its numerator, on one branch only), then a distance of the normalised taps.
 * The model is cut at the taps — by default just after those normalisations (see `SplitCut`):
 *
 * - the **feature net** is the backward closure of the taps of branch `a` (input `a` only,
 *   outputs the tap tensors, in graph order);
 * - the **head** is every node after the taps (inputs the taps of `a`, then the taps of `b`;
 *   output dist), so the distance is the pair model's own arithmetic, node for node.
 *
 * Running the feature net on `b` gives `b`'s taps: the taps of the two branches are paired by a
 * structural hash (operators, attributes, weights by content), which also proves the two
 * branches compute the same function. Nothing here is specific to one backbone; a graph that
 * does not have this shape is refused with the reason (a `SplitError`).
 */

export class SplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SplitError';
  }
}

export interface PairSplitPlan {
  /** The two image inputs of the pair model, and its distance output. */
  inputs: [string, string];
  output: string;
  /** The taps of branch `a` (= the feature net's outputs) and the matching taps of branch `b`. */
  tapsA: string[];
  tapsB: string[];
  /** Node counts: feature net, head, pair model (for messages and tests). */
  counts: { features: number; head: number; score: number; pair: number };
  /** The feature net; its outputs typed float with `rank` dims when given (else unknown shape). */
  featureNet(ranks?: readonly number[]): Uint8Array;
  /** The head; the tap inputs are float tensors of the given ranks, every dimension symbolic. */
  headNet(ranks: readonly number[]): Uint8Array;
  /**
   * Branch `b` and the head in one graph: inputs the taps of `a` (typed as in `headNet`), then
   * image `b`; output dist. One run per reconstruction, b's taps never leave the runtime.
   */
  scoreNet(ranks: readonly number[]): Uint8Array;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** Tensors a node reads, including the outer-scope names its subgraphs (If, Loop, Scan) use. */
function nodeInputs(node: onnx.INodeProto): string[] {
  const names = (node.input ?? []).filter((n) => n !== '');
  for (const attr of node.attribute ?? []) {
    for (const g of [attr.g, ...(attr.graphs ?? [])]) if (g) names.push(...outerNames(g));
  }
  return names;
}

function outerNames(g: onnx.IGraphProto): string[] {
  const local = new Set<string>([...(g.input ?? []).map((v) => v.name ?? ''), ...(g.initializer ?? []).map((t) => t.name ?? '')]);
  for (const n of g.node ?? []) for (const o of n.output ?? []) local.add(o);
  const used: string[] = [];
  for (const n of g.node ?? []) for (const i of nodeInputs(n)) if (!local.has(i)) used.push(i);
  return used;
}

function sha(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha1');
  for (const p of parts) {
    h.update(p);
    h.update('\0');
  }
  return h.digest('hex');
}

function floatType(name: string, rank: number | undefined): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType: FLOAT };
  if (rank !== undefined) {
    tensorType.shape = { dim: Array.from({ length: rank }, (_, k) => ({ dimParam: `${name.replace(/[^A-Za-z0-9_]/g, '_')}_d${k}` })) };
  }
  return { name, type: { tensorType } };
}

/**
 * Where the graph is cut: after the normalisations (`normalised`, the default: a source's
 * normalisation is then done once too, and the head is only the distance proper) or before them
 * (`raw`: the taps as the backbone gives them, the normalisations in the head).
 */
export type SplitCut = 'normalised' | 'raw';

/** Reads an ONNX model and plans the split; throws SplitError when the graph is not of the LPIPS shape. */
export function planPairSplit(bytes: Uint8Array, cut: SplitCut = 'normalised'): PairSplitPlan {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new SplitError(`not a readable ONNX model (${(e as Error).message})`);
  }
  if (!model.graph) throw new SplitError('the model has no graph');
  // Decoded messages carry every repeated field (empty arrays), whatever the I-interfaces say.
  const graph = model.graph as onnx.GraphProto;
  const inits = new Map(graph.initializer.map((t) => [t.name, t] as const));
  if (graph.initializer.some((t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL)) {
    throw new SplitError('the model keeps its weights in external data files');
  }
  if (graph.sparseInitializer.length > 0) throw new SplitError('the model has sparse initializers');
  const realInputs = graph.input.filter((v) => !inits.has(v.name));
  if (realInputs.length !== 2 || graph.output.length !== 1) {
    throw new SplitError(
      `a pair metric has two image inputs and one output; this graph has inputs ${realInputs.map((v) => v.name).join(', ') || '(none)'} and outputs ${graph.output.map((v) => v.name).join(', ')}`,
    );
  }
  const [inA, inB] = realInputs.map((v) => v.name ?? '') as [string, string];
  const output = graph.output[0].name ?? '';
  const nodes = graph.node as onnx.NodeProto[];

  // Producers, which inputs each tensor depends on (bit 1: a, bit 2: b), and a structural hash.
  const producer = new Map<string, number>();
  const reach = new Map<string, number>([
    [inA, 1],
    [inB, 2],
  ]);
  const hash = new Map<string, string>([
    [inA, 'image-input'],
    [inB, 'image-input'],
  ]);
  const tensorHash = (name: string): string => {
    let h = hash.get(name);
    if (h === undefined) {
      const t = inits.get(name);
      // An initializer by content, so two branches with copied weights still match.
      h = t ? sha('init', onnx.TensorProto.encode({ ...t, name: '', docString: '' }).finish()) : sha('outer', name);
      hash.set(name, h);
    }
    return h;
  };
  nodes.forEach((node, i) => {
    const ins = nodeInputs(node);
    let r = 0;
    for (const n of ins) r |= reach.get(n) ?? 0;
    const attrs = [...node.attribute]
      .sort((p, q) => ((p.name ?? '') < (q.name ?? '') ? -1 : (p.name ?? '') > (q.name ?? '') ? 1 : 0))
      .map((a) => onnx.AttributeProto.encode(a).finish());
    const nodeHash = sha(node.domain ?? '', node.opType ?? '', ...attrs, ...node.input.map((n) => (n === '' ? 'none' : tensorHash(n))));
    node.output.forEach((o, k) => {
      if (o === '') return;
      producer.set(o, i);
      reach.set(o, r);
      hash.set(o, sha(nodeHash, String(k)));
    });
  });
  if (!producer.has(output)) throw new SplitError(`the output ${output} is not computed by the graph`);

  /** Whether `target` is among the ancestors of `from` (or `from` itself). */
  const dependsOn = (from: string, target: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length) {
      const t = stack.pop() as string;
      if (t === target) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      const p = producer.get(t);
      if (p !== undefined) stack.push(...nodeInputs(nodes[p]));
    }
    return false;
  };

  // The taps: x in x / f(x), f reading x (LPIPS's channel unit-normalisation), on one branch only.
  const tapsA: string[] = [];
  const tapsB: string[] = [];
  for (const node of nodes) {
    if (node.opType !== 'Div' || (node.domain ?? '') !== '' || node.input.length !== 2) continue;
    const [x, d] = node.input;
    const r = reach.get(x) ?? 0;
    if ((r !== 1 && r !== 2) || !dependsOn(d, x)) continue;
    const list = r === 1 ? tapsA : tapsB;
    const cutAt = cut === 'normalised' ? node.output[0] : x;
    if (!list.includes(cutAt)) list.push(cutAt);
  }
  if (tapsA.length === 0) {
    throw new SplitError(`no normalised feature taps x / f(x) of input ${inA} alone (an LPIPS graph has one per layer per image)`);
  }
  if (tapsA.length !== tapsB.length) {
    throw new SplitError(`input ${inA} has ${tapsA.length} normalised taps, input ${inB} has ${tapsB.length}; the branches differ`);
  }
  const pairedB = tapsA.map((t) => {
    const matches = tapsB.filter((u) => hash.get(u) === hash.get(t));
    if (matches.length !== 1) {
      throw new SplitError(`tap ${t} of ${inA} has ${matches.length} structurally equal taps on ${inB} (want exactly one): the two branches are not one network`);
    }
    return matches[0];
  });
  if (new Set(pairedB).size !== pairedB.length) throw new SplitError(`the taps of ${inB} do not pair one to one with those of ${inA}`);

  // The feature net: the backward closure of the taps of a.
  const closure = (roots: readonly string[], stops: ReadonlySet<string>): number[] => {
    const keep = new Set<number>();
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length) {
      const t = stack.pop() as string;
      if (seen.has(t) || stops.has(t)) continue;
      seen.add(t);
      const p = producer.get(t);
      if (p === undefined || keep.has(p)) continue;
      keep.add(p);
      stack.push(...nodeInputs(nodes[p]));
    }
    return [...keep].sort((p, q) => p - q);
  };
  const featureNodes = closure(tapsA, new Set());
  const allTaps = new Set([...tapsA, ...pairedB]);
  const headNodes = closure([output], allTaps);
  // The head may read the images only through the taps: walking back from dist, stopping at the
  // taps, must never arrive at an image input.
  for (const i of headNodes) {
    for (const n of nodeInputs(nodes[i])) {
      if (n === inA || n === inB) {
        throw new SplitError(`the distance reads input ${n} other than through the normalised taps (node ${nodes[i].name || nodes[i].opType})`);
      }
    }
  }
  // Branch b plus the head: everything dist needs once a's taps are given.
  const scoreNodes = closure([output], new Set(tapsA));
  for (const i of scoreNodes) {
    if (nodeInputs(nodes[i]).includes(inA)) throw new SplitError(`the distance reads input ${inA} other than through its taps`);
  }
  const unusedB = tapsB.filter((t) => !pairedB.includes(t));
  if (unusedB.length) throw new SplitError(`taps of ${inB} without a partner: ${unusedB.join(', ')}`);

  const inputInfo = graph.input.find((v) => v.name === inA) as onnx.IValueInfoProto;
  const build = (nodeIdx: number[], inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[], name: string): Uint8Array => {
    const picked = nodeIdx.map((i) => nodes[i]);
    const used = new Set<string>();
    for (const n of picked) for (const t of nodeInputs(n)) used.add(t);
    const g: onnx.IGraphProto = {
      name,
      node: picked,
      input: inputs,
      output: outputs,
      initializer: graph.initializer.filter((t) => used.has(t.name ?? '')),
    };
    const m: onnx.IModelProto = {
      irVersion: model.irVersion,
      opsetImport: model.opsetImport,
      producerName: 'multi-sc-bench onnx-graph split',
      producerVersion: model.producerVersion,
      domain: model.domain,
      modelVersion: model.modelVersion,
      functions: model.functions,
      graph: g,
    };
    return onnx.ModelProto.encode(m).finish();
  };
  return {
    inputs: [inA, inB],
    output,
    tapsA,
    tapsB: pairedB,
    counts: { features: featureNodes.length, head: headNodes.length, score: scoreNodes.length, pair: nodes.length },
    featureNet: (ranks) =>
      build(featureNodes, [inputInfo], tapsA.map((t, i) => floatType(t, ranks?.[i])), `${graph.name || 'pair'}-features`),
    headNet: (ranks) => {
      if (ranks.length !== tapsA.length) throw new Error(`headNet: ${ranks.length} ranks for ${tapsA.length} taps`);
      return build(
        headNodes,
        [...tapsA.map((t, i) => floatType(t, ranks[i])), ...pairedB.map((t, i) => floatType(t, ranks[i]))],
        [graph.output[0]],
        `${graph.name || 'pair'}-head`,
      );
    },
    scoreNet: (ranks) => {
      if (ranks.length !== tapsA.length) throw new Error(`scoreNet: ${ranks.length} ranks for ${tapsA.length} taps`);
      const inputB = graph.input.find((v) => v.name === inB) as onnx.IValueInfoProto;
      return build(scoreNodes, [...tapsA.map((t, i) => floatType(t, ranks[i])), inputB], [graph.output[0]], `${graph.name || 'pair'}-score`);
    },
  };
}
