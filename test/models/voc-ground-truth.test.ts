import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { isUserError } from '../../bench/errors';
import { createImage } from '../../bench/image';
import { createVocGroundTruthSegmenter, largestClassMask, readVocLabels, VOC_VOID_LABEL, vocPalette } from '../../bench/models/voc-ground-truth';
import { multiScFactory, singleTextFactory, vlmCscFactory } from '../../bench/multi-sc/semantic-scheme';
import { tempDir } from '../cli/helpers';
import { describeWith, VOC_DIR, vocRequirement } from '../requirements';

const palette = vocPalette();
const colour = (label: number) => [...palette.subarray(3 * label, 3 * label + 3)];

/** Writes labels as an RGB PNG in the VOC colours (lossless, so every colour comes back exactly). */
async function writeMask(file: string, width: number, height: number, labels: Uint8Array): Promise<void> {
  const rgb = Buffer.alloc(width * height * 3);
  labels.forEach((l, i) => rgb.set(colour(l), 3 * i));
  await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toFile(file);
}

let work: string;
beforeAll(() => {
  work = tempDir('voc-gt');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('the VOC palette and class masks', () => {
  test('palette colours of the VOC devkit: background, aeroplane, person, tv/monitor, void', () => {
    expect(colour(0)).toEqual([0, 0, 0]);
    expect(colour(1)).toEqual([128, 0, 0]);
    expect(colour(15)).toEqual([192, 128, 128]);
    expect(colour(20)).toEqual([0, 64, 128]);
    expect(colour(VOC_VOID_LABEL)).toEqual([224, 224, 192]);
  });

  test('a mask written in VOC colours reads back label for label', async () => {
    const labels = Uint8Array.from({ length: 7 * 5 }, (_, i) => [0, 1, 15, 20, VOC_VOID_LABEL][i % 5]);
    const file = path.join(work, 'labels.png');
    await writeMask(file, 7, 5, labels);
    const back = await readVocLabels(file);
    expect([back.width, back.height]).toEqual([7, 5]);
    expect([...back.labels]).toEqual([...labels]);
  });

  test('a colour outside the palette is a UserError naming the pixel', async () => {
    const file = path.join(work, 'not-a-mask.png');
    await sharp(Buffer.from([0, 0, 0, 1, 2, 3]), { raw: { width: 2, height: 1, channels: 3 } }).png().toFile(file);
    const e = await readVocLabels(file).catch((x: unknown) => x);
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).toMatch(/not a VOC class mask: pixel \(1, 0\)/);
  });

  test('main object = the non-background class with the most pixels; void and background never win; ties go to the lower label', () => {
    const labels = new Uint8Array(200);
    labels.fill(VOC_VOID_LABEL, 0, 60); // more void than any class
    labels.fill(9, 60, 80); // 20 px chair
    labels.fill(15, 80, 110); // 30 px person
    const mask = largestClassMask(labels);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(30);
    expect(mask[80]).toBe(1);
    expect(mask[60]).toBe(0);
    expect(largestClassMask(Uint8Array.from([3, 3, 7, 7, 0]))).toEqual(Uint8Array.from([1, 1, 0, 0, 0]));
    expect(largestClassMask(Uint8Array.from([0, 0, VOC_VOID_LABEL])).every((v) => v === 0)).toBe(true);
  });
});

describe('--segmenter voc-gt', () => {
  test('segments from the mask file: box and slice of the largest class', async () => {
    const [w, h] = [12, 8];
    const labels = new Uint8Array(w * h);
    for (let y = 2; y < 6; y++) for (let x = 3; x < 9; x++) labels[y * w + x] = 12; // a 6×4 dog
    labels[0] = 5; // one bottle pixel
    const maskPath = path.join(work, 'img.png');
    await writeMask(maskPath, w, h, labels);
    const image = createImage(w, h, Uint8Array.from({ length: w * h * 3 }, (_, i) => i & 0xff));
    const seg = await createVocGroundTruthSegmenter().segment(image, { dataset: 'voc2012', id: 'img', path: 'img.jpg', maskPath });
    expect(seg.box).toEqual({ x: 3, y: 2, width: 6, height: 4 });
    expect(seg.area.pixels).toBe(24);
    expect([...seg.slice!.data.subarray(0, 3)]).toEqual([...image.data.subarray(3 * (2 * w + 3), 3 * (2 * w + 3) + 3)]);
  });

  test('a missing mask or one of another size is one UserError naming the image', async () => {
    const seg = createVocGroundTruthSegmenter();
    const image = createImage(12, 8);
    const missing = await seg.segment(image, { dataset: 'voc2012', id: '2011_003353', path: 'x.jpg' }).catch((x: unknown) => x);
    expect(isUserError(missing)).toBe(true);
    expect((missing as Error).message).toMatch(/image 2011_003353 of voc2012 has no ground-truth mask/);
    const other = await seg.segment(createImage(10, 8), { dataset: 'voc2012', id: 'img', path: 'x.jpg', maskPath: path.join(work, 'img.png') }).catch((x: unknown) => x);
    expect(isUserError(other)).toBe(true);
    expect((other as Error).message).toMatch(/is 12x8, its image 10x8/);
  });

  test('refused at once on a dataset without masks; VLM-CSC (no slice) ignores it; no model is fetched for it', () => {
    for (const f of [multiScFactory, singleTextFactory]) {
      expect(() => f.create({ segmenter: 'voc-gt' }, { dataset: 'kodak24' })).toThrow(/voc-gt reads VOC2012's ground-truth masks; dataset kodak24 has none/);
      expect(f.create({ segmenter: 'voc-gt' }, { dataset: 'voc2012' }).config.segmenter).toBe('voc-gt');
      expect(f.requiredModels!({ segmenter: 'voc-gt' })).not.toContain('voc-gt');
    }
    expect(vlmCscFactory.create({ segmenter: 'voc-gt' }, { dataset: 'kodak24' }).config.segmenter).toBe('none');
  });
});

describeWith(vocRequirement())('voc-gt on the VOC2012 sample', () => {
  test('the first 10 val masks decode to VOC labels only (0–20, 255) and give a main object', async () => {
    const ids = fs.readFileSync(path.join(VOC_DIR, 'ImageSets', 'Segmentation', 'val.txt'), 'utf8').trim().split('\n').slice(0, 10);
    for (const id of ids) {
      const { labels } = await readVocLabels(path.join(VOC_DIR, 'SegmentationClass', `${id}.png`));
      expect([...new Set(labels)].every((l) => l <= 20 || l === VOC_VOID_LABEL)).toBe(true);
      expect(largestClassMask(labels).some((v) => v === 1)).toBe(true);
    }
  });
});
