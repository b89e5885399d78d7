import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../../bench/errors';
import { loadImage } from '../../bench/image';
import type { Box } from '../../bench/models/box';
import { COCO_LABELS } from '../../bench/models/coco-labels';
import { createDetector, decodeYolox, nmsPerClass, type Candidate, type Detection } from '../../bench/models/detector';
import { describeWith, fileRequirement, KODAK_DIR as KODAK, kodakRequirement, SHARED_MODELS as MODELS_DIR } from '../requirements';

describe('YOLOX head decoding and NMS', () => {
  test('an anchor of the stride-16 grid decodes to its cell, exp-scaled size and objectness × class score', () => {
    const values = 5 + COCO_LABELS.length;
    const raw = new Float32Array(3549 * values);
    const anchor = 52 * 52 + 2 * 26 + 3; // after the 52×52 stride-8 grid: row 2, column 3 of the 26×26 one
    raw.set([0.5, 0.25, Math.log(2), 0, 0.9], anchor * values);
    raw[anchor * values + 5 + COCO_LABELS.indexOf('bird')] = 0.8;
    raw[anchor * values + 5 + COCO_LABELS.indexOf('cat')] = 0.2; // 0.9 × 0.2 is under the threshold
    const found = decodeYolox(raw, 3549, 416, 416, 0.3);
    expect(found).toHaveLength(1);
    // centre ((0.5 + 3)·16, (0.25 + 2)·16) = (56, 36), size (2·16, 1·16)
    expect(found[0].classId).toBe(COCO_LABELS.indexOf('bird'));
    expect(found[0].score).toBeCloseTo(0.72, 6);
    [40, 28, 72, 44].forEach((v, i) => expect([found[0].x1, found[0].y1, found[0].x2, found[0].y2][i]).toBeCloseTo(v, 5)); // log(2) is float32
  });

  test('NMS drops the weaker of two overlapping boxes of one class, never across classes', () => {
    const box = (classId: number, score: number, dx: number): Candidate => ({ classId, score, x1: dx, y1: 0, x2: 10 + dx, y2: 10 });
    const kept = nmsPerClass([box(0, 0.5, 1), box(0, 0.9, 0), box(1, 0.4, 0), box(0, 0.6, 6)], 0.45);
    // IoU of shifts 0 and 1 is 9/11 (suppressed); of 0 and 6 it is 4/16 (kept).
    expect(kept.map((c) => [c.classId, c.score])).toEqual([[0, 0.9], [0, 0.6], [1, 0.4]]);
  });
});

test('bad thresholds and non-detector models are refused before any model is loaded', async () => {
  const refusal = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isUserError(e) ? e.message : String(e)));
  expect(await refusal(createDetector(undefined, { iouThreshold: 0 }))).toBe('detector iouThreshold 0 is outside (0, 1]; use e.g. 0.45');
  expect(await refusal(createDetector('isnet-general'))).toMatch(/^model isnet-general is a segmenter, not a letterboxed detector/);
});

/**
 * Acceptance: YOLOX-Nano on Kodak24 finds the obvious objects and reproduces
 * test/fixtures/models/kodak-detections.json (written by make_kodak_fixtures.ts). Needs the model
 * file of the offline models folder (MULTISC_MODELS_DIR, else /work/shared/models) and Kodak24.
 */
describeWith(
  fileRequirement('the yolox-nano-coco model', path.join(MODELS_DIR, 'yolox-nano-coco', 'yolox_nano.onnx'), 'set MULTISC_MODELS_DIR to the offline models folder'),
  kodakRequirement(),
)('yolox-nano-coco on Kodak24', () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'models', 'kodak-detections.json'), 'utf8')) as {
    images: Record<string, { label: string; score: number; box: Box }[]>;
  };
  const detections = new Map<string, Detection[]>();
  beforeAll(async () => {
    const detector = await createDetector('yolox-nano-coco', { modelsDir: MODELS_DIR, threads: 2 });
    for (const id of Object.keys(fixture.images)) detections.set(id, await detector.detect(await loadImage(path.join(KODAK, `${id}.png`))));
  });
  const labels = (id: string) => (detections.get(id) ?? []).map((d) => d.label);
  const count = (id: string, label: string) => labels(id).filter((l) => l === label).length;

  test('the obvious objects: parrots, boats, people, motorbikes, the plane', () => {
    expect(count('kodim23', 'bird')).toBeGreaterThanOrEqual(1);
    for (const id of ['kodim06', 'kodim11', 'kodim14']) expect(labels(id)).toContain('boat');
    expect(count('kodim14', 'person')).toBeGreaterThanOrEqual(5); // the raft crew
    expect(count('kodim12', 'person')).toBe(2);
    expect(count('kodim05', 'motorcycle')).toBeGreaterThanOrEqual(3);
    expect(labels('kodim20')).toEqual(['airplane']);
    expect(labels('kodim13')).toEqual([]); // a river
  });

  test('boxes are in image pixels, inside the image, best score first', () => {
    const parrot = (detections.get('kodim23') ?? [])[0];
    // The red macaw fills the right half of the 768×512 image.
    expect(parrot.box.x).toBeGreaterThan(350);
    expect(parrot.box.x + parrot.box.width).toBeLessThanOrEqual(768);
    for (const found of detections.values()) {
      expect(found.map((d) => d.score)).toEqual([...found.map((d) => d.score)].sort((a, b) => b - a));
      for (const d of found) expect(Math.min(d.box.x, d.box.y, d.box.width, d.box.height)).toBeGreaterThanOrEqual(0);
    }
  });

  test('every image matches the fixture (same label, score ± 0.03, box ± 3 px)', () => {
    // Another CPU's rounding may move a score across the 0.3 threshold: each side's detections must
    // be found in the other only when clear of it, with a margin wider than the score tolerance.
    type Found = { label: string; score: number; box: Box };
    const near = (a: Found, b: Found) =>
      a.label === b.label && Math.abs(a.score - b.score) <= 0.03 && (['x', 'y', 'width', 'height'] as const).every((k) => Math.abs(a.box[k] - b.box[k]) <= 3);
    const unmatched = (xs: Found[], ys: Found[], minScore: number) => xs.filter((x) => x.score >= minScore && !ys.some((y) => near(x, y)));
    for (const [id, want] of Object.entries(fixture.images)) {
      const got = detections.get(id) ?? [];
      expect({ id, missing: unmatched(want, got, 0.34), extra: unmatched(got, want, 0.37) }).toEqual({ id, missing: [], extra: [] });
    }
  });
});
