import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../bench/errors';
import { createImage, loadImage, type RgbImage } from '../../bench/image';
import { cosineSimilarity, createImageEmbedder } from '../../bench/metrics/cosine';
import { createLpips } from '../../bench/metrics/lpips';
import { imagesToTensor } from '../../bench/models/image-input';
import { modelSession } from '../../bench/models/session';
import { rngFromText } from '../../bench/phy/rng';
import { describeWith, fileRequirement, SHARED_MODELS } from '../requirements';

/**
 * The offline metric networks against the PyTorch modules that built them
 * (test/fixtures/model-metrics/make_reference.py), and the metrics' defining properties.
 * Needs the model files of shared/models (MULTISC_MODELS_DIR, else /work/shared/models).
 */
const modelRequirement = (id: string, file: string) =>
  fileRequirement(`the ${id} model`, path.join(SHARED_MODELS, id, file), 'set MULTISC_MODELS_DIR to the offline models folder');
/** The models are read from that folder whether or not MULTISC_MODELS_DIR is set. */
const opts = { modelsDir: SHARED_MODELS };

const fixtures = path.join(__dirname, '..', 'fixtures');
const reference = JSON.parse(fs.readFileSync(path.join(fixtures, 'model-metrics', 'reference.json'), 'utf8')) as {
  pairs: { a: string; b: string; lpips: number; lpips_self: number }[];
  embeddings: Record<string, number[]>;
};
const pixels = (name: string) => loadImage(path.join(fixtures, 'metrics', name));

function withNoise(img: RgbImage, sigma: number, seed: string): RgbImage {
  const r = rngFromText(seed);
  const out = createImage(img.width, img.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.max(0, Math.min(255, Math.round(img.data[i] + sigma * r.normal())));
  return out;
}

describeWith(modelRequirement('lpips-squeeze-caffe', 'lpips_squeeze_caffe.onnx'))('LPIPS (lpips-squeeze-caffe, ONNX)', () => {
  test('equals the PyTorch module that built it within 1e-5 on the fixture pairs', async () => {
    const lpips = await createLpips('lpips-squeeze-caffe', opts);
    for (const p of reference.pairs) {
      const got = await lpips.distance(await pixels(p.a), await pixels(p.b));
      expect(Math.abs(got - p.lpips)).toBeLessThan(1e-5);
    }
  });

  test('d(x, x) = 0 exactly; symmetric; grows with noise', async () => {
    const lpips = await createLpips('lpips-squeeze-caffe', opts);
    const x = await pixels('kodim01_crop.png');
    const y = await pixels('kodim01_blur.png');
    expect(await lpips.distance(x, x)).toBe(0);
    expect(Math.abs((await lpips.distance(x, y)) - (await lpips.distance(y, x)))).toBeLessThan(1e-7);
    const ds: number[] = [];
    for (const sigma of [2.5, 6, 13, 25, 50]) ds.push(await lpips.distance(x, withNoise(x, sigma, `noise${sigma}`)));
    for (let i = 1; i < ds.length; i++) expect(ds[i]).toBeGreaterThan(ds[i - 1]);
    expect(lpips.signature).toMatch(/^lpips:net=squeeze-caffe\(approx\)\|v=0\.1\|range=-1,1\|ch=rgb\|size=full\|model=lpips-squeeze-caffe\|sha=980f8cf549ab$/);
  });

  test('images of different sizes are an error, not a silent resize', async () => {
    const lpips = await createLpips('lpips-squeeze-caffe', opts);
    await expect(lpips.distance(await pixels('kodim01_crop.png'), await pixels('kodim23_crop.png'))).rejects.toThrow(UserError);
  });
});

describeWith(modelRequirement('squeezenet11-caffe-embed', 'squeezenet11_caffe_embed.onnx'))('cosine similarity (squeezenet11-caffe-embed, ONNX)', () => {
  test('the ONNX embedding equals the PyTorch module within 1e-5', async () => {
    const { session, entry } = await modelSession('squeezenet11-caffe-embed', opts);
    for (const [name, want] of Object.entries(reference.embeddings)) {
      // At the image's own size, as the reference was computed (the harness feeds 224²).
      const input = await imagesToTensor([await pixels(name)], { ...entry.imageInput!, size: 'full' });
      const got = (await session.run({ image: input })).embedding.data as Float32Array;
      const err = Math.max(...want.map((v, i) => Math.abs(v - got[i])));
      expect(err).toBeLessThan(1e-5);
    }
  });

  test('1 for identical images; a blurred copy is closer than an unrelated photo', async () => {
    const embedder = await createImageEmbedder('squeezenet11-caffe-embed', opts);
    const [x, blur, other] = await embedder.embed([await pixels('kodim01_crop.png'), await pixels('kodim01_blur.png'), await pixels('kodim23_crop.png')]);
    expect(cosineSimilarity(x, x)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(x, blur)).toBeGreaterThan(cosineSimilarity(x, other) + 0.1);
  });
});
