import * as path from 'path';
import { createImage } from '../../bench/image';
import { argmaxClasses, createFcnSegmenter, fcnInputSize, resizeLabelsNearest } from '../../bench/models/fcn-segmenter';
import { largestClassMask } from '../../bench/models/voc-ground-truth';

/** The paper profile's segmenter: FCN class logits → arg-max labels → the largest non-background class. */
const PAPER_TINY = path.join(__dirname, '..', 'fixtures', 'paper-tiny');

describe('FCN main-object rule on synthetic logits', () => {
  test('arg-max per pixel over 21 classes; ties go to the lower class', () => {
    const w = 3;
    const h = 1;
    const logits = new Float32Array(21 * w * h).fill(-1);
    logits[0 * 3 + 0] = 2; // pixel 0: background
    logits[15 * 3 + 1] = 5; // pixel 1: person
    logits[7 * 3 + 2] = 1; // pixel 2: car and boat tie at 1
    logits[9 * 3 + 2] = 1;
    expect([...argmaxClasses(logits, 21, w, h)]).toEqual([0, 15, 7]);
  });

  test('the main object is the largest non-background class, however large the background', () => {
    // 10×10 labels: background 70, class 12 (dog) 18, class 8 (cat) 12.
    const labels = new Uint8Array(100);
    for (let i = 70; i < 88; i++) labels[i] = 12;
    for (let i = 88; i < 100; i++) labels[i] = 8;
    const mask = largestClassMask(labels);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(18);
    expect(mask[70]).toBe(1);
    expect(mask[95]).toBe(0);
    expect(largestClassMask(new Uint8Array(16)).every((v) => v === 0)).toBe(true);
  });

  test('labels come back to the image size by nearest neighbour; the input keeps the aspect at shorter side 520', () => {
    expect([...resizeLabelsNearest(Uint8Array.from([1, 2, 3, 4]), 2, 2, 4, 2)]).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(fcnInputSize(500, 375)).toEqual({ width: 693, height: 520 });
    expect(fcnInputSize(320, 480)).toEqual({ width: 520, height: 780 });
  });
});

describe('FCN segmenter on the tiny same-I/O fixture (test/fixtures/paper-tiny)', () => {
  test('a red region (the fixture calls it person) beats a smaller green one (car); blue is background', async () => {
    const width = 120;
    const height = 90;
    const img = createImage(width, height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const red = x >= 10 && x < 70 && y >= 20 && y < 60;
        const green = x >= 90 && x < 110 && y >= 10 && y < 30;
        img.data.set(red ? [255, 0, 0] : green ? [0, 255, 0] : [0, 0, 255], 3 * (y * width + x));
      }
    const seg = await createFcnSegmenter('fcn-resnet50-11', { modelsDir: PAPER_TINY });
    expect(seg.signature).toMatch(/^segmenter:fcn-resnet50-11\|sha=[0-9a-f]{12}\|short=520:linear\|labels=argmax:nearest\|main=largest-class$/);
    const s = await seg.segment(img);
    expect(s.box).toEqual({ x: 10, y: 20, width: 60, height: 40 });
    expect(s.area.pixels).toBe(60 * 40);
  });
});
