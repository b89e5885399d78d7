import * as path from 'path';
import { createImageEmbedder } from '../../bench/metrics/cosine';
import { createLpips } from '../../bench/metrics/lpips';
import { createImage, type RgbImage } from '../../bench/image';

/**
 * The public metric models (CLIP ViT-B/32 image embeddings, LPIPS-AlexNet v0.1) cannot be
 * downloaded here; their loading, preprocessing and the LPIPS split run on the tiny same-I/O
 * fixtures of test/fixtures/paper-tiny (tools/fixtures/make_paper_tiny.py).
 */
const opts = { modelsDir: path.join(__dirname, '..', 'fixtures', 'paper-tiny') };

function textured(width: number, height: number, seed: number): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * seed + (i >> 5)) % 256;
  return img;
}

describe('LPIPS-alex (fixture with its I/O: img1, img2 → distance [n,1,1,1], ScalingLayer inside)', () => {
  test('splits into feature net + distance head; the split equals the pair model; LPIPS(x, x) = 0', async () => {
    const lpips = await createLpips('lpips-alex', opts);
    expect(lpips.signature).toMatch(/^lpips:net=alex\|v=0\.1\|range=-1,1\|ch=rgb\|size=full\|model=lpips-alex\|sha=[0-9a-f]{12}$/);
    const a = textured(40, 30, 7);
    const pairs: [RgbImage, RgbImage][] = [[a, textured(40, 30, 11)], [a, textured(40, 30, 13)], [textured(17, 23, 3), textured(17, 23, 5)]];
    const split = await lpips.distances(pairs);
    for (let i = 0; i < pairs.length; i++) expect(Math.abs(split[i] - (await lpips.pairDistances([pairs[i]]))[0])).toBeLessThan(1e-6);
    expect(split[0]).toBeGreaterThan(0);
    expect(await lpips.distance(a, a)).toBe(0);
  });
});

describe('CLIP ViT-B/32 image embeddings (fixture: pixel_values → image_embeds [n,512])', () => {
  test('the shorter side goes to 224 and the middle is cropped: outer columns do not reach the embedding', async () => {
    const clip = await createImageEmbedder('clip-vit-b32-image', opts);
    expect(clip.signature).toContain('size=224x224:center-crop:cubic');
    // 448×300: shorter side 300 → 224 keeps columns 75..373 of 448; green only in the outer 44.
    const framed = createImage(448, 300);
    for (let y = 0; y < 300; y++) for (let x = 0; x < 448; x++) framed.data.set(x < 44 || x >= 404 ? [0, 255, 0] : [255, 0, 0], 3 * (y * 448 + x));
    const red = createImage(224, 224);
    for (let i = 0; i < 224 * 224; i++) red.data.set([255, 0, 0], 3 * i);
    const [e1, e2] = await clip.embed([framed, red]);
    expect(e1).toHaveLength(512);
    const cos = e1.reduce((s, v, i) => s + v * e2[i], 0) / Math.hypot(...e1) / Math.hypot(...e2);
    expect(cos).toBeGreaterThan(1 - 1e-6);
  });
});
