import * as fs from 'fs';
import * as path from 'path';
import { cliEnv, runCli, tempDir } from './helpers';
import { cliRequirement, describeWith, fileRequirement, SHARED_MODELS, testWith } from '../requirements';

/** `npm run metric -- …` end to end: values equal the independent references, errors are one line. */
const d = describeWith(cliRequirement());
const fixtures = path.join(__dirname, '..', 'fixtures');
const px = (name: string) => path.join(fixtures, 'metrics', name);
const withModels = testWith(
  fileRequirement('the lpips-squeeze-caffe model', path.join(SHARED_MODELS, 'lpips-squeeze-caffe', 'lpips_squeeze_caffe.onnx'), 'set MULTISC_MODELS_DIR to the offline models folder'),
);

d('metric CLI', () => {
  const work = tempDir('metric');
  const env = { ...cliEnv(path.join(work, 'cache')), MULTISC_METRIC_MODELS: 'offline', MULTISC_MODELS_DIR: SHARED_MODELS };
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('psnr and ms-ssim equal the skimage / numpy references', () => {
    const ref = JSON.parse(fs.readFileSync(path.join(fixtures, 'metrics', 'reference.json'), 'utf8')).pairs[0];
    const p = runCli(['metric', 'psnr', px(ref.reference), px(ref.distorted), '--signature'], env);
    expect(p.status).toBe(0);
    const [value, signature] = p.stdout.trim().split('\n');
    expect(Math.abs(Number(value) - ref.psnr)).toBeLessThan(1e-6);
    expect(signature).toBe('psnr:range=255|channels=rgb|mse=mean');
    const m = runCli(['metric', 'ms-ssim', px(ref.reference), px(ref.distorted)], env);
    expect(Math.abs(Number(m.stdout.trim()) - ref.ms_ssim)).toBeLessThan(1e-6);
  });

  withModels('lpips equals the PyTorch reference; a size mismatch is one line', () => {
    const ref = JSON.parse(fs.readFileSync(path.join(fixtures, 'model-metrics', 'reference.json'), 'utf8')).pairs[1];
    const r = runCli(['metric', 'lpips', px(ref.a), px(ref.b)], env);
    expect(r.status).toBe(0);
    expect(Math.abs(Number(r.stdout.trim()) - ref.lpips)).toBeLessThan(2e-6);
    const bad = runCli(['metric', 'lpips', px('kodim01_crop.png'), px('kodim23_crop.png')], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('error: LPIPS needs images of equal size, got 256x192 and 249x185 (no silent resize)');
  });

  test('a missing model: one line naming it, the places searched and the fix', () => {
    const r = runCli(['metric', 'lpips', px('kodim01_crop.png'), px('kodim01_blur.png'), '--models-dir', work], env);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: model lpips-squeeze-caffe not found; looked in .*--models-dir/);
  });

  test('an unreadable image: one line naming it', () => {
    const r = runCli(['metric', 'psnr', px('kodim01_crop.png'), path.join(work, 'missing.png')], env);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot decode image .*missing\.png/);
  });

  test('bleu on text files equals sacreBLEU 2.6.0', () => {
    // sacreBLEU README example, first reference stream; values from sacrebleu 2.6.0 corpus_bleu /
    // sentence_bleu (Python) on the same lines.
    const ref = path.join(work, 'ref.txt');
    const hyp = path.join(work, 'hyp.txt');
    fs.writeFileSync(ref, 'The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n');
    fs.writeFileSync(hyp, "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n");
    const corpus = runCli(['metric', 'bleu', '--ref', ref, '--hyp', hyp, '--signature'], env);
    expect(corpus.status).toBe(0);
    const [score, signature] = corpus.stdout.trim().split('\n');
    expect(Number(score)).toBeCloseTo(45.0675, 4);
    expect(signature).toContain('nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0');
    const sentence = runCli(['metric', 'bleu', '--ref', ref, '--hyp', hyp, '--variant', 'sacrebleu-sentence'], env);
    expect(sentence.stdout.trim().split('\n').slice(0, 3).map(Number)).toEqual([100, 14.794016, 15.6197]);
    fs.writeFileSync(hyp, 'one line only\n');
    const bad = runCli(['metric', 'bleu', '--ref', ref, '--hyp', hyp], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('error: --ref has 3 lines, --hyp has 1: they must pair line by line');
  });
});
