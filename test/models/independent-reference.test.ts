import * as fs from 'fs';
import * as path from 'path';
import { loadImage, type RgbImage } from '../../bench/image';
import { COCO_LABELS } from '../../bench/models/coco-labels';
import { createDetector, decodeYolox, DEFAULT_DETECTOR, nmsPerClass, toDetection, type Detection } from '../../bench/models/detector';
import { modelEntry } from '../../bench/models/registry';
import { createSegmenter, DEFAULT_SEGMENTER } from '../../bench/models/segmenter';
import { cachedModelPath } from '../../bench/models/store';
import { describeWith, fileRequirement, KODAK_DIR, kodakRequirement, SHARED_MODELS } from '../requirements';

/**
 * Our YOLOX decode + NMS and IS-Net mask post-processing against an independent numpy/scipy
 * implementation written from YOLOX's and DIS's definitions
 * (test/fixtures/models/make_independent_reference.py) on the raw tensors of our ONNX sessions
 * (dump_raw_outputs.ts). Unlike kodak-detections.json / kodak-segmentation.json, the reference
 * was not computed by the code under test.
 *
 * 1. Detector post-processing alone, exact: the reference keeps the rows of the raw head that can
 *    reach a score ≥ 0.1 (float32 values), so decodeYolox → nmsPerClass → toDetection runs here on
 *    the very numbers the reference decoded. Needs no model: runs everywhere.
 * 2. End to end (Kodak24 + both models): createDetector / createSegmenter on the images, against
 *    the reference with a tolerance for another CPU's ONNX Runtime rounding.
 * Each part has a negative control: a perturbed parameter must fail the same comparison.
 */

interface RefDetection {
  classId: number;
  label: string;
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface RefImage {
  width: number;
  height: number;
  detections: RefDetection[];
  mask: { pixels: number; box: RefDetection['box'] | null; sha256: string; rle: number[] };
  /** [anchor, [x, y, w, h, objectness], [[classId, classScore], ...]] */
  rawDetectorRows: [number, number[], [number, number][]][];
}
const REF = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'models', 'independent-reference.json'), 'utf8')) as {
  detector: { input: [number, number]; scoreThreshold: number; iouThreshold: number };
  segmenter: { threshold: number };
  images: Record<string, RefImage>;
};
const IDS = Object.keys(REF.images);
/**
 * IS-Net costs seconds per image: the end-to-end mask check skips kodim05, whose mask touches
 * every border (its box is the whole image, so it tells little about the box).
 */
const SEGMENT_IDS = IDS.filter((id) => id !== 'kodim05');
const [INPUT_H, INPUT_W] = REF.detector.input;
const ANCHORS = 3549;
const VALUES = 5 + COCO_LABELS.length;

/** Exact path: differences are only the rounding of exp() in V8 vs glibc. */
const EXACT = 1e-9;
/** End to end: ONNX Runtime on another CPU may round the network's arithmetic differently. */
const SCORE_TOL = 1e-5;
const BOX_TOL = 0.5; // px
/** A mask may differ from the reference in at most this fraction of its union with it (IoU ≥ 0.9995). */
const MASK_MIN_IOU = 0.9995;

/** The problems found comparing our detections with the reference's; [] when they agree. */
function compareDetections(got: readonly Detection[], want: readonly RefDetection[], scoreTol: number, boxTol: number): string[] {
  if (got.length !== want.length) return [`${got.length} detections, the reference has ${want.length}`];
  const problems: string[] = [];
  got.forEach((g, i) => {
    const w = want[i];
    if (g.classId !== w.classId || g.label !== w.label) problems.push(`#${i}: ${g.label} (${g.classId}), reference ${w.label} (${w.classId})`);
    if (!(Math.abs(g.score - w.score) <= scoreTol)) problems.push(`#${i}: score ${g.score}, reference ${w.score}`);
    for (const k of ['x', 'y', 'width', 'height'] as const) {
      if (!(Math.abs(g.box[k] - w.box[k]) <= boxTol)) problems.push(`#${i}: box.${k} ${g.box[k]}, reference ${w.box[k]}`);
    }
  });
  return problems;
}

function maxDifferences(got: readonly Detection[], want: readonly RefDetection[]): { score: number; box: number } {
  let score = 0;
  let box = 0;
  got.forEach((g, i) => {
    score = Math.max(score, Math.abs(g.score - want[i].score));
    for (const k of ['x', 'y', 'width', 'height'] as const) box = Math.max(box, Math.abs(g.box[k] - want[i].box[k]));
  });
  return { score, box };
}

/** The raw head rebuilt from the reference's rows: zeros elsewhere, which no threshold ≥ 0.1 can see. */
function rawHead(ref: RefImage): Float32Array {
  const raw = new Float32Array(ANCHORS * VALUES);
  for (const [anchor, head, classes] of ref.rawDetectorRows) {
    raw.set(head.map(Math.fround), anchor * VALUES);
    for (const [c, v] of classes) raw[anchor * VALUES + 5 + c] = Math.fround(v);
  }
  return raw;
}

function postprocess(ref: RefImage, scoreThreshold: number, iouThreshold: number): Detection[] {
  const image: RgbImage = { width: ref.width, height: ref.height, data: new Uint8Array(0) }; // only the size is read
  const ratio = Math.min(INPUT_W / ref.width, INPUT_H / ref.height); // YOLOX's letterbox ratio
  const candidates = decodeYolox(rawHead(ref), ANCHORS, INPUT_W, INPUT_H, scoreThreshold);
  return nmsPerClass(candidates, iouThreshold).map((c) => toDetection(c, ratio, image));
}

describe('YOLOX decode + class-aware NMS on the raw head vs the independent reference', () => {
  test.each(IDS)('%s: same detections, classes, scores and boxes (exact up to exp() rounding)', (id) => {
    const ref = REF.images[id];
    const got = postprocess(ref, REF.detector.scoreThreshold, REF.detector.iouThreshold);
    expect(compareDetections(got, ref.detections, EXACT, EXACT)).toEqual([]);
  });

  test('the reference exercises the code: several detections, classes, and NMS that matters', () => {
    const all = IDS.flatMap((id) => REF.images[id].detections);
    expect(all.length).toBeGreaterThanOrEqual(15);
    expect(new Set(all.map((d) => d.label)).size).toBeGreaterThanOrEqual(4);
    // NMS has work to do: many more candidates than survivors.
    const candidates = IDS.reduce((n, id) => n + decodeYolox(rawHead(REF.images[id]), ANCHORS, INPUT_W, INPUT_H, 0.3).length, 0);
    expect(candidates).toBeGreaterThan(3 * all.length);
  });

  test('negative control: NMS at IoU 0.6 instead of 0.45 does not match the reference', () => {
    const mismatched = IDS.filter((id) => compareDetections(postprocess(REF.images[id], 0.3, 0.6), REF.images[id].detections, EXACT, EXACT).length > 0);
    expect(mismatched).toEqual(expect.arrayContaining(['kodim14', 'kodim05']));
  });

  test('negative control: a score threshold of 0.35 does not match the reference', () => {
    const mismatched = IDS.filter((id) => compareDetections(postprocess(REF.images[id], 0.35, 0.45), REF.images[id].detections, EXACT, EXACT).length > 0);
    expect(mismatched.length).toBeGreaterThanOrEqual(2);
  });
});

/** The reference's run lengths (row-major, starting with a 0-run) back to a mask. */
function decodeRle(rle: readonly number[], length: number): Uint8Array {
  const mask = new Uint8Array(length);
  let at = 0;
  rle.forEach((n, i) => {
    if (i % 2 === 1) mask.fill(1, at, at + n);
    at += n;
  });
  if (at !== length) throw new Error(`run lengths cover ${at} pixels, the image has ${length}`);
  return mask;
}

function maskIou(a: Uint8Array, b: Uint8Array): { iou: number; differing: number } {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return { iou: union === 0 ? 1 : inter / union, differing: union - inter };
}

const YOLOX_FILE = path.join(SHARED_MODELS, 'yolox-nano-coco', 'yolox_nano.onnx');
const ISNET_FILE = cachedModelPath(modelEntry(DEFAULT_SEGMENTER), {});

describeWith(
  kodakRequirement(),
  fileRequirement('the YOLOX-Nano model', YOLOX_FILE, 'set MULTISC_MODELS_DIR to the offline models folder'),
  fileRequirement('the IS-Net model', ISNET_FILE, `run "npm run models -- fetch ${DEFAULT_SEGMENTER}" (or set MULTISC_CACHE_DIR)`),
)('detector and segmenter end to end on Kodak vs the independent reference', () => {
  const images = new Map<string, RgbImage>();
  beforeAll(async () => {
    for (const id of IDS) images.set(id, await loadImage(path.join(KODAK_DIR, `${id}.png`)));
  });

  test(`createDetector: same detections and classes, scores ± ${SCORE_TOL}, boxes ± ${BOX_TOL} px`, async () => {
    const detector = await createDetector(DEFAULT_DETECTOR, { modelsDir: SHARED_MODELS, threads: 2, cache: false });
    for (const id of IDS) {
      const got = await detector.detect(images.get(id) as RgbImage);
      const want = REF.images[id].detections;
      expect({ id, problems: compareDetections(got, want, SCORE_TOL, BOX_TOL) }).toEqual({ id, problems: [] });
      console.log(`${id}: ${got.length} detections, max |Δscore| ${maxDifferences(got, want).score.toExponential(1)}, max |Δbox| ${maxDifferences(got, want).box.toExponential(1)} px`);
    }
  });

  const segmentation = (threshold?: number) => createSegmenter(DEFAULT_SEGMENTER, { threads: 2, cache: false, ...(threshold === undefined ? {} : { threshold }) });

  test(`createSegmenter: mask IoU ≥ ${MASK_MIN_IOU} and the same box`, async () => {
    const segmenter = await segmentation();
    for (const id of SEGMENT_IDS) {
      const ref = REF.images[id];
      const seg = await segmenter.segment(images.get(id) as RgbImage);
      const { iou, differing } = maskIou(seg.mask, decodeRle(ref.mask.rle, ref.width * ref.height));
      console.log(`${id}: mask ${seg.area.pixels} px (reference ${ref.mask.pixels}), ${differing} pixels differ, IoU ${iou}`);
      expect({ id, iouOk: iou >= MASK_MIN_IOU, box: seg.box }).toEqual({ id, iouOk: true, box: ref.mask.box });
    }
  }, 180_000);

  test(`negative control: a threshold of 0.4 instead of ${REF.segmenter.threshold} fails the mask comparison`, async () => {
    const ref = REF.images.kodim19;
    const seg = await (await segmentation(0.4)).segment(images.get('kodim19') as RgbImage);
    const { iou } = maskIou(seg.mask, decodeRle(ref.mask.rle, ref.width * ref.height));
    expect(iou).toBeLessThan(MASK_MIN_IOU);
  });
});
