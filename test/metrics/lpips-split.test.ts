import * as fs from 'fs';
import * as path from 'path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { UserError } from '../../bench/errors';
import { createImage, loadImage, type RgbImage } from '../../bench/image';
import { createLpips } from '../../bench/metrics/lpips';
import { ImageScorer } from '../../bench/metrics/score';
import { imagesToTensor } from '../../bench/models/image-input';
import { planPairSplit, SplitError } from '../../bench/models/onnx-graph';
import { modelEntry, registerModel } from '../../bench/models/registry';
import { takePhaseTimes } from '../../bench/phase-timer';
import { rngFromText } from '../../bench/phy/rng';
import { describeWith, fileRequirement, KODAK_DIR, kodakRequirement, SHARED_MODELS } from '../requirements';

/**
 * LPIPS through the feature net / score net split cut out of the pair ONNX (bench/models/onnx-graph.ts)
 * against the unsplit pair model: equal within 1e-6 (in practice bit-equal), the source's
 * features computed once, and graphs without the LPIPS shape refused by name.
 */
const LPIPS_FILE = path.join(SHARED_MODELS, 'lpips-squeeze-caffe', 'lpips_squeeze_caffe.onnx');
const EMBED_FILE = path.join(SHARED_MODELS, 'squeezenet11-caffe-embed', 'squeezenet11_caffe_embed.onnx');
const lpipsModel = fileRequirement('the lpips-squeeze-caffe model', LPIPS_FILE, 'set MULTISC_MODELS_DIR to the offline models folder');
const embedModel = fileRequirement('the squeezenet11-caffe-embed model', EMBED_FILE, 'set MULTISC_MODELS_DIR to the offline models folder');
const opts = { modelsDir: SHARED_MODELS };
const fixtures = path.join(__dirname, '..', 'fixtures', 'metrics');
const pixels = (name: string) => loadImage(path.join(fixtures, name));

function noiseImage(width: number, height: number, seed: string): RgbImage {
  const r = rngFromText(seed);
  const out = createImage(width, height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.floor(r.uniform() * 256);
  return out;
}

function withNoise(img: RgbImage, sigma: number, seed: string): RgbImage {
  const r = rngFromText(seed);
  const out = createImage(img.width, img.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.max(0, Math.min(255, Math.round(img.data[i] + sigma * r.normal())));
  return out;
}

/** Sessions as the harness opens them (1 thread, all optimisations). */
const sessionOptions: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
};

describeWith(lpipsModel)('LPIPS split (lpips-squeeze-caffe): feature net + score net vs the pair model', () => {
  test('split equals the pair model within 1e-6 on Kodak crops and noise', async () => {
    const lpips = await createLpips('lpips-squeeze-caffe', opts);
    const crop1 = await pixels('kodim01_crop.png');
    const crop23 = await pixels('kodim23_crop.png');
    const pairs: [RgbImage, RgbImage][] = [
      [crop1, await pixels('kodim01_blur.png')],
      [crop1, await pixels('kodim01_noise8.png')],
      [crop1, await pixels('kodim01_noise24.png')],
      [crop23, await pixels('kodim23_mix.png')],
      [noiseImage(256, 192, 'n1'), noiseImage(256, 192, 'n2')],
      [crop1, noiseImage(256, 192, 'n3')],
      [noiseImage(97, 61, 'odd1'), noiseImage(97, 61, 'odd2')],
    ];
    let maxAbs = 0;
    for (const [a, b] of pairs) {
      const [want] = await lpips.pairDistances([[a, b]]);
      const got = await lpips.distanceTo(await lpips.features(a), b);
      expect(Number.isFinite(got)).toBe(true);
      maxAbs = Math.max(maxAbs, Math.abs(got - want));
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-6);
      expect(await lpips.distance(a, b)).toBe(got);
    }
    expect(maxAbs).toBeLessThanOrEqual(1e-6);
  });

  test('LPIPS(x, x) = 0 exactly through the split; sizes must agree', async () => {
    const lpips = await createLpips('lpips-squeeze-caffe', opts);
    for (const x of [await pixels('kodim01_crop.png'), noiseImage(64, 48, 'self')]) {
      expect(await lpips.distanceTo(await lpips.features(x), x)).toBe(0);
    }
    const f = await lpips.features(await pixels('kodim01_crop.png'));
    await expect(lpips.distanceTo(f, await pixels('kodim23_crop.png'))).rejects.toThrow(UserError);
  });

  test('the scorer runs the feature net once per source, the score net once per reconstruction', async () => {
    const scorer = await ImageScorer.create({ metrics: ['lpips', 'psnr'], metricModels: 'offline', session: opts });
    const source = await pixels('kodim01_crop.png');
    const recons = [await pixels('kodim01_blur.png'), await pixels('kodim01_noise8.png'), await pixels('kodim01_noise24.png')];
    const lpips = await createLpips('lpips-squeeze-caffe', opts);
    const want = await Promise.all(recons.map(async (r) => (await lpips.pairDistances([[source, r]]))[0]));
    // ort.InferenceSession is typed as a factory; at run time it is the class whose `run` every session uses.
    const sessionClass = ort.InferenceSession as unknown as { prototype: ort.InferenceSession };
    const run = jest.spyOn(sessionClass.prototype, 'run');
    takePhaseTimes();
    try {
      const scored = await scorer.prepareSource(source);
      const got: number[] = [];
      for (const r of recons) got.push((await scorer.score(scored, r)).lpips as number);
      // Feature-net runs feed the first image input alone; score-net runs feed the taps and b.
      const feeds: string[][] = run.mock.calls.map((c) => Object.keys(c[0] as Record<string, unknown>));
      expect(feeds.filter((k) => k.length === 1 && k[0] === 'a')).toHaveLength(1);
      expect(feeds.filter((k) => k.length > 2 && k.includes('b') && !k.includes('a'))).toHaveLength(recons.length);
      expect(feeds).toHaveLength(1 + recons.length);
      got.forEach((g, i) => expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-6));
      const phases = takePhaseTimes();
      expect(phases['lpips-source'].calls).toBe(1);
      expect(phases.lpips.calls).toBe(recons.length);
      expect(phases.psnr.calls).toBe(recons.length);
    } finally {
      run.mockRestore();
    }
  });

  test('the graph surgery: taps pair up across branches; head and raw cut also equal the pair model', async () => {
    const bytes = fs.readFileSync(LPIPS_FILE);
    const spec = modelEntry('lpips-squeeze-caffe').imageInput!;
    const a = await imagesToTensor([await pixels('kodim01_crop.png')], spec);
    const b = await imagesToTensor([await pixels('kodim01_noise24.png')], spec);
    const pair = await ort.InferenceSession.create(bytes, sessionOptions);
    const want = ((await pair.run({ a, b })).dist.data as Float32Array)[0];
    for (const cut of ['normalised', 'raw'] as const) {
      const plan = planPairSplit(bytes, cut);
      expect(plan.inputs).toEqual(['a', 'b']);
      expect(plan.tapsA).toHaveLength(7);
      expect(plan.tapsB).toHaveLength(7);
      expect(new Set([...plan.tapsA, ...plan.tapsB]).size).toBe(14);
      expect(plan.counts.features).toBeLessThan(plan.counts.pair);
      const ranks = plan.tapsA.map(() => 4);
      const features = await ort.InferenceSession.create(plan.featureNet(ranks), sessionOptions);
      expect(features.inputNames).toEqual(['a']);
      expect(features.outputNames).toEqual(plan.tapsA);
      const head = await ort.InferenceSession.create(plan.headNet(ranks), sessionOptions);
      const score = await ort.InferenceSession.create(plan.scoreNet(ranks), sessionOptions);
      expect(head.inputNames).toEqual([...plan.tapsA, ...plan.tapsB]);
      expect(score.inputNames).toEqual([...plan.tapsA, 'b']);
      const fa = await features.run({ a });
      const fb = await features.run({ a: b });
      const headFeeds: Record<string, ort.Tensor> = {};
      const scoreFeeds: Record<string, ort.Tensor> = { b };
      plan.tapsA.forEach((t, i) => {
        headFeeds[t] = fa[t];
        headFeeds[plan.tapsB[i]] = fb[t];
        scoreFeeds[t] = fa[t];
      });
      const viaHead = ((await head.run(headFeeds)).dist.data as Float32Array)[0];
      const viaScore = ((await score.run(scoreFeeds)).dist.data as Float32Array)[0];
      expect(Math.abs(viaHead - want)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(viaScore - want)).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('LPIPS split: graphs without the LPIPS shape are refused', () => {
  test('a two-input distance without normalised taps', () => {
    const vi = (name: string): onnx.IValueInfoProto => ({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: 3 }, { dimParam: 'h' }, { dimParam: 'w' }] } } },
    });
    const model = onnx.ModelProto.encode({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'l1',
        node: [
          { opType: 'Sub', input: ['a', 'b'], output: ['d'] },
          { opType: 'Abs', input: ['d'], output: ['e'] },
          { opType: 'ReduceMean', input: ['e'], output: ['dist'], attribute: [{ name: 'keepdims', type: 2, i: 0 }] },
        ],
        input: [vi('a'), vi('b')],
        output: [{ name: 'dist', type: { tensorType: { elemType: 1 } } }],
      },
    }).finish();
    expect(() => planPairSplit(model)).toThrow(SplitError);
    expect(() => planPairSplit(model)).toThrow(/no normalised feature taps x \/ f\(x\) of input a/);
    expect(() => planPairSplit(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(SplitError);
  });
});

describeWith(embedModel)('LPIPS split: a non-LPIPS ONNX (squeezenet11-caffe-embed) is refused', () => {
  test('planPairSplit names the reason; createLpips a UserError naming the model', async () => {
    expect(() => planPairSplit(fs.readFileSync(EMBED_FILE))).toThrow(/a pair metric has two image inputs and one output; this graph has inputs image/);
    // The embedding network registered as if it were a perceptual metric.
    const embed = modelEntry('squeezenet11-caffe-embed');
    registerModel({ ...embed, id: 'not-lpips-test', role: 'perceptual-metric', metricSignature: 'lpips:net=none', imageInput: { ...embed.imageInput!, size: 'full' } });
    const err = await createLpips('not-lpips-test', opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^model not-lpips-test: .*squeezenet11_caffe_embed\.onnx cannot be split into a feature net and an LPIPS distance head: a pair metric has two image inputs/);
  });
});

describeWith(lpipsModel, kodakRequirement())('LPIPS split on full-size Kodak', () => {
  test('kodim01 vs kodim02 and vs a noisy kodim01: split = pair within 1e-6', async () => {
    const lpips = await createLpips('lpips-squeeze-caffe', opts);
    const k1 = await loadImage(path.join(KODAK_DIR, 'kodim01.png'));
    const k2 = await loadImage(path.join(KODAK_DIR, 'kodim02.png'));
    const f1 = await lpips.features(k1);
    for (const b of [k2, withNoise(k1, 20, 'k1')]) {
      const [want] = await lpips.pairDistances([[k1, b]]);
      expect(Math.abs((await lpips.distanceTo(f1, b)) - want)).toBeLessThanOrEqual(1e-6);
    }
  });
});
