import { createHash } from 'crypto';
import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import type { RgbImage } from '../image';
import { imagesToTensor, inputSignature } from '../models/image-input';
import { planPairSplit, SplitError } from '../models/onnx-graph';
import { timed } from '../phase-timer';
import { modelSession, ortSessionOptions, type ModelSession, type SessionOptions } from '../models/session';

/**
 * LPIPS (Zhang et al. 2018): d(x, y) = Σ_l mean_hw ‖w_l ⊙ (ŷ_l^x − ŷ_l^y)‖², with ŷ_l the
 * channel-unit-normalised activations of tap l and w_l the learned linear weights. The network
 * is an ONNX model with the contract (a, b) → dist; how pixels become its inputs is declared in
 * the model's registry entry. Images are compared at full resolution and must have equal sizes.
 *
 * The pair model is split on load (bench/models/onnx-graph.ts), in memory, from the pinned file:
 * a feature net (image → the normalised taps of branch a) and a score net (those taps + image
 * b → dist: branch b and the distance head, the pair model's own nodes and kernels). A source's
 * taps are computed once (`features`), and each reconstruction costs one run of the score net
 * (`distanceTo`), whose taps never leave the runtime. The split is checked against the pair model
 * on a small deterministic input when it is built; a model whose graph cannot be split, or whose
 * split disagrees, is refused with a UserError naming it (there is no silent fallback to the pair
 * model).
 */
export interface PerceptualMetric {
  readonly modelId: string;
  readonly signature: string;
  /** The source side, computed once: pass it to `distanceTo` for each reconstruction. */
  features(image: RgbImage): Promise<PerceptualFeatures>;
  /** d(source, image) from the source's features (the source is the pair model's first input). */
  distanceTo(source: PerceptualFeatures, image: RgbImage): Promise<number>;
  /** d(a, b) through the split (features of a, then `distanceTo`). */
  distance(a: RgbImage, b: RgbImage): Promise<number>;
  /** One distance per pair, through the split. */
  distances(pairs: readonly [RgbImage, RgbImage][]): Promise<number[]>;
  /**
   * The unsplit pair model, all pairs in one batch (all of equal size): the reference the split
   * is checked against; kept for tests and the speed comparison of `npm run bench:metrics`.
   */
  pairDistances(pairs: readonly [RgbImage, RgbImage][]): Promise<number[]>;
}

/** A source image's LPIPS features (opaque; valid for the metric that made them). */
export interface PerceptualFeatures {
  readonly modelId: string;
  readonly width: number;
  readonly height: number;
}

class TapFeatures implements PerceptualFeatures {
  constructor(
    readonly modelId: string,
    readonly width: number,
    readonly height: number,
    /** The feature net's outputs, in tap order. */
    readonly taps: readonly ort.Tensor[],
  ) {}
}

/** The two sessions cut out of one pair model. */
interface SplitSessions {
  /** image → a's taps (the source side). */
  features: ort.InferenceSession;
  /** a's taps + image b → dist (branch b and the head). */
  score: ort.InferenceSession;
  inputA: string;
  inputB: string;
  taps: readonly string[];
  output: string;
}

/** The load-time check's tolerance on |split − pair| (the pair model's value is the reference). */
export const SPLIT_TOLERANCE = 1e-6;

const splits = new Map<string, Promise<SplitSessions>>();

/** A deterministic 64×48 probe pair in [−1, 1]: smooth structure plus hashed noise; b a perturbed a. */
function probePair(input: string, other: string): Record<string, ort.Tensor> {
  const w = 64;
  const h = 48;
  const a = new Float32Array(3 * w * h);
  const b = new Float32Array(3 * w * h);
  let s = 0x9e3779b9;
  const rand = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x85ebca6b) + 0x6b43a9b5) >>> 0;
    return s / 2 ** 32;
  };
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (c * h + y) * w + x;
        const v = 0.6 * Math.sin(0.21 * x + 0.9 * c) * Math.cos(0.17 * y - 0.4 * c) + 0.3 * (rand() * 2 - 1);
        a[i] = Math.max(-1, Math.min(1, v));
        b[i] = Math.max(-1, Math.min(1, v + 0.25 * (rand() * 2 - 1)));
      }
    }
  }
  return { [input]: new ort.Tensor('float32', a, [1, 3, h, w]), [other]: new ort.Tensor('float32', b, [1, 3, h, w]) };
}

async function openSplit(ms: ModelSession, opts: SessionOptions): Promise<SplitSessions> {
  const { entry, file, session } = ms;
  const bytes = fs.readFileSync(file.path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== file.sha256) {
    throw new UserError(`model ${entry.id}: ${file.path} changed since it was verified (sha256 ${sha}, expected ${file.sha256}); fetch it again`);
  }
  const refuse = (why: string) =>
    new UserError(
      `model ${entry.id}: ${file.path} cannot be split into a feature net and an LPIPS distance head: ${why}. ` +
        `The harness scores LPIPS only through that split; a perceptual-metric model must be an LPIPS-shaped pair graph (two copies of one backbone, taps normalised as x / f(x), a distance of the taps)`,
    );
  let plan;
  try {
    plan = planPairSplit(bytes);
  } catch (e) {
    if (e instanceof SplitError) throw refuse(e.message);
    throw e;
  }
  const [inA, inB] = entry.inputs.map((t) => t.name);
  if (plan.inputs[0] !== inA || plan.inputs[1] !== inB || plan.output !== entry.outputs[0].name) {
    throw refuse(`the graph's inputs ${plan.inputs.join(', ')} → ${plan.output} are not the registry's ${inA}, ${inB} → ${entry.outputs[0].name}`);
  }
  const create = async (what: string, model: Uint8Array) => {
    try {
      return await ort.InferenceSession.create(model, ortSessionOptions(opts));
    } catch (e) {
      throw refuse(`onnxruntime cannot load the ${what}: ${(e as Error).message.split('\n')[0]}`);
    }
  };
  const probe = probePair(inA, inB);
  // The taps' ranks (for the typed inputs of the score net) from a first run of the feature net.
  const untyped = await create('feature net', plan.featureNet());
  const probeTaps = await untyped.run({ [inA]: probe[inA] });
  const ranks = plan.tapsA.map((t) => probeTaps[t].dims.length);
  await untyped.release();
  const split: SplitSessions = {
    features: await create('feature net', plan.featureNet(ranks)),
    score: await create('score net', plan.scoreNet(ranks)),
    inputA: inA,
    inputB: inB,
    taps: plan.tapsA,
    output: plan.output,
  };
  const want = (await session.run(probe))[plan.output].data as Float32Array;
  const fa = await split.features.run({ [inA]: probe[inA] });
  const got = await runScore(split, plan.tapsA.map((t) => fa[t]), probe[inB]);
  const error = Math.abs(got - want[0]);
  if (!(error <= SPLIT_TOLERANCE)) {
    throw refuse(`on the 64x48 check input the split gives ${got}, the pair model ${want[0]} (|Δ| ${error} > ${SPLIT_TOLERANCE})`);
  }
  return split;
}

async function runScore(split: SplitSessions, taps: readonly ort.Tensor[], image: ort.Tensor): Promise<number> {
  const feeds: Record<string, ort.Tensor> = { [split.inputB]: image };
  split.taps.forEach((t, i) => (feeds[t] = taps[i]));
  return ((await split.score.run(feeds))[split.output].data as Float32Array)[0];
}

/** The split of a model, built once per process (per model, threads and device) and reused. */
function splitSessions(ms: ModelSession, opts: SessionOptions): Promise<SplitSessions> {
  const key = JSON.stringify([ms.entry.id, ms.file.sha256, opts.threads ?? 1, opts.device ?? 'cpu']);
  let s = splits.get(key);
  if (!s) {
    s = timed('model-load', () => openSplit(ms, opts));
    splits.set(key, s);
    s.catch(() => splits.delete(key));
  }
  return s;
}

function sameSize(a: { width: number; height: number }, b: { width: number; height: number }): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new UserError(`LPIPS needs images of equal size, got ${a.width}x${a.height} and ${b.width}x${b.height} (no silent resize)`);
  }
}

export async function createLpips(modelId: string, opts: SessionOptions = {}): Promise<PerceptualMetric> {
  const ms = await modelSession(modelId, opts);
  const { entry, file, session } = ms;
  const spec = entry.imageInput;
  if (entry.role !== 'perceptual-metric' || !spec || !entry.metricSignature) {
    throw new UserError(`model ${modelId} is a ${entry.role}, not a perceptual metric`);
  }
  const split = await splitSessions(ms, opts);
  const [inA, inB] = entry.inputs.map((t) => t.name);
  const out = entry.outputs[0].name;
  const signature = `${entry.metricSignature}|${inputSignature(spec)}|model=${modelId}|sha=${file.sha256.slice(0, 12)}`;

  const features = async (image: RgbImage): Promise<PerceptualFeatures> => {
    const result = await split.features.run({ [split.inputA]: await imagesToTensor([image], spec) });
    return new TapFeatures(modelId, image.width, image.height, split.taps.map((t) => result[t]));
  };
  const distanceTo = async (source: PerceptualFeatures, image: RgbImage): Promise<number> => {
    if (!(source instanceof TapFeatures) || source.modelId !== modelId) {
      throw new Error(`LPIPS features of ${source.modelId} passed to the ${modelId} metric`);
    }
    sameSize(source, image);
    return runScore(split, source.taps, await imagesToTensor([image], spec));
  };
  const distance = async (a: RgbImage, b: RgbImage): Promise<number> => {
    sameSize(a, b);
    return distanceTo(await features(a), b);
  };
  return {
    modelId,
    signature,
    features,
    distanceTo,
    distance,
    async distances(pairs) {
      const out: number[] = [];
      for (const [a, b] of pairs) out.push(await distance(a, b));
      return out;
    },
    async pairDistances(pairs) {
      for (const [a, b] of pairs) sameSize(a, b);
      const feeds: Record<string, ort.Tensor> = {
        [inA]: await imagesToTensor(pairs.map((p) => p[0]), spec),
        [inB]: await imagesToTensor(pairs.map((p) => p[1]), spec),
      };
      const result = await session.run(feeds);
      return Array.from(result[out].data as Float32Array);
    },
  };
}
