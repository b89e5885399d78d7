import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../../bench/errors';
import { createImage, loadImage } from '../../bench/image';
import { modelEntry } from '../../bench/models/registry';
import { createSegmenter, DEFAULT_SEGMENTER, keepMainComponents, segmentationFromMask, thresholdResized } from '../../bench/models/segmenter';
import { cachedModelPath } from '../../bench/models/store';
import { describeWith, fileRequirement, KODAK_DIR as KODAK, kodakRequirement } from '../requirements';

/** A mask drawn as text: '#' = 1. */
function maskOf(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  return { mask: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)), width, height: rows.length };
}
const draw = (mask: Uint8Array, width: number) => Array.from({ length: mask.length / width }, (_, y) => Array.from(mask.subarray(y * width, (y + 1) * width), (v) => (v ? '#' : '.')).join(''));

describe('mask post-processing', () => {
  test('thresholdResized samples bilinearly at pixel centres (edges clamped)', () => {
    const map = Float32Array.from([0, 1, 0, 1]); // 2×2: left column 0, right column 1
    // Upsampled to 4 wide, the columns sit at map x = 0 (clamped), 0.25, 0.75, 1 (clamped).
    expect(draw(thresholdResized(map, 2, 2, 4, 1, 0.5), 4)).toEqual(['..##']);
    expect(draw(thresholdResized(map, 2, 2, 4, 1, 0.2), 4)).toEqual(['.###']);
    expect(Array.from(thresholdResized(map, 2, 2, 2, 2, 0.5))).toEqual([0, 1, 0, 1]);
  });

  test('keeps every 8-connected component of at least a quarter of the largest, drops specks', () => {
    const { mask, width, height } = maskOf([
      '#####.....##',
      '#####......#',
      '#####.......',
      '.....#......', // joined to the block through its corner
      '........###.',
      '##......###.',
    ]);
    // Components: 16 px (block + corner pixel), 6 px, 3 px, 2 px; a quarter of the largest is 4.
    expect(draw(keepMainComponents(mask, width, height, 0.25, 1), width)).toEqual([
      '#####.......',
      '#####.......',
      '#####.......',
      '.....#......',
      '........###.',
      '........###.',
    ]);
    expect(keepMainComponents(mask, width, height, 0.1, 1)).toEqual(mask);
    expect(draw(keepMainComponents(mask, width, height, 0.25, 7), width)[4]).toBe('............');
    expect(keepMainComponents(mask, width, height, 0.25, 17).every((v) => v === 0)).toBe(true);
  });

  test('segmentationFromMask: area, box, and the slice with the background blacked out', () => {
    const image = createImage(4, 3, Uint8Array.from({ length: 36 }, (_, i) => 10 + i));
    const { mask } = maskOf(['....', '.##.', '..#.']);
    const seg = segmentationFromMask(image, mask);
    expect(seg.area).toEqual({ pixels: 3, fraction: 3 / 12 });
    expect(seg.box).toEqual({ x: 1, y: 1, width: 2, height: 2 });
    expect(Array.from(seg.sliceMask ?? [])).toEqual([1, 1, 0, 1]);
    const px = (x: number, y: number) => Array.from(image.data.subarray(3 * (y * 4 + x), 3 * (y * 4 + x) + 3));
    expect(Array.from(seg.slice?.data ?? [])).toEqual([...px(1, 1), ...px(2, 1), 0, 0, 0, ...px(2, 2)]);
  });

  test('an empty mask is "no main object": box, slice and slice mask are null', () => {
    const seg = segmentationFromMask(createImage(3, 2), new Uint8Array(6));
    expect(seg).toMatchObject({ area: { pixels: 0, fraction: 0 }, box: null, slice: null, sliceMask: null });
  });
});

test('bad options and non-segmenter models are refused before any model is loaded', async () => {
  const refusal = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isUserError(e) ? e.message : String(e)));
  expect(await refusal(createSegmenter(DEFAULT_SEGMENTER, { threshold: 1.5 }))).toBe('segmentation threshold 1.5 is outside [0, 1); use e.g. 0.5');
  expect(await refusal(createSegmenter('yolox-nano-coco'))).toMatch(/^model yolox-nano-coco is a detector, not a segmenter/);
});

/**
 * Acceptance: IS-Net on Kodak reproduces test/fixtures/models/kodak-segmentation.json (written by
 * make_kodak_fixtures.ts). Needs the model in the cache (`npm run models -- fetch isnet-general`)
 * and Kodak24 (MULTISC_DATA_DIR, else /work/shared/datasets).
 */
const MODEL_FILE = cachedModelPath(modelEntry(DEFAULT_SEGMENTER), {});

describeWith(
  kodakRequirement(),
  fileRequirement(`the ${DEFAULT_SEGMENTER} model in the cache`, MODEL_FILE, `run "npm run models -- fetch ${DEFAULT_SEGMENTER}"`),
)(`${DEFAULT_SEGMENTER} on Kodak24`, () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'models', 'kodak-segmentation.json'), 'utf8')) as {
    images: Record<string, { areaPixels: number; box: { x: number; y: number; width: number; height: number } | null }>;
  };

  // Two parrots (two components kept), a lighthouse, and a river with no main object.
  test.each(['kodim23', 'kodim19', 'kodim13'])('%s matches the fixture (area within 1 %%, box within 3 px)', async (id) => {
    const segmenter = await createSegmenter(DEFAULT_SEGMENTER, { threads: 2, cache: false });
    const seg = await segmenter.segment(await loadImage(path.join(KODAK, `${id}.png`)));
    const want = fixture.images[id];
    expect(Math.abs(seg.area.pixels - want.areaPixels)).toBeLessThanOrEqual(0.01 * want.areaPixels);
    if (want.box === null) return expect(seg.box).toBeNull();
    expect(seg.box).not.toBeNull();
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs((seg.box?.[k] ?? NaN) - want.box[k])).toBeLessThanOrEqual(3);
  });
});
