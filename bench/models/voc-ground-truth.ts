import * as fs from 'fs';
import sharp from 'sharp';
import { UserError } from '../errors';
import type { RgbImage } from '../image';
import type { ImageSource } from '../schemes/scheme';
import { segmentationFromMask, type Segmentation, type Segmenter } from './segmenter';

/**
 * `--segmenter voc-gt`: an oracle segmenter. It reads the image's ground-truth VOC class mask
 * (`SegmentationClass/<id>.png`) instead of running a model, so it measures the schemes with a
 * perfect main-object cut; the letter's FCN is trained on VOC and comes close to this on VOC.
 *
 * Main object = every pixel of the non-background class with the most pixels (`largestClassMask`):
 * the rule the paper profile's FCN output goes through too. Void pixels (255, object outlines and
 * ambiguous regions) belong to no class.
 */
export const VOC_GT_SEGMENTER = 'voc-gt';

export const VOC_GT_SIGNATURE = 'segmenter:voc-gt|mask=SegmentationClass|main=largest-class|void=excluded';

export const VOC_VOID_LABEL = 255;

/** The PASCAL VOC palette: colour of label i from its bits, 3 at a time into R, G, B, high bit first. */
export function vocPalette(): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    for (let j = 0, c = i; j < 8; j++, c >>= 3) {
      r |= (c & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
    }
    palette.set([r, g, b], 3 * i);
  }
  return palette;
}

const COLOUR_TO_LABEL: ReadonlyMap<number, number> = (() => {
  const p = vocPalette();
  const m = new Map<number, number>();
  for (let i = 0; i < 256; i++) m.set((p[3 * i] << 16) | (p[3 * i + 1] << 8) | p[3 * i + 2], i);
  return m;
})();

/** The class label of every pixel of a VOC palette PNG (decoded to colour, mapped back through the palette). */
export async function readVocLabels(file: string): Promise<{ width: number; height: number; labels: Uint8Array }> {
  let raw: { data: Buffer; info: sharp.OutputInfo };
  try {
    raw = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new UserError(`cannot read the VOC mask ${file}: ${(e as Error).message} (replace the file from the VOC2012 archive)`);
  }
  const { width, height, channels } = raw.info;
  const labels = new Uint8Array(width * height);
  for (let i = 0; i < labels.length; i++) {
    const o = i * channels;
    const label = COLOUR_TO_LABEL.get((raw.data[o] << 16) | (raw.data[o + 1] << 8) | raw.data[o + 2]);
    if (label === undefined) {
      throw new UserError(`${file} is not a VOC class mask: pixel (${i % width}, ${Math.floor(i / width)}) has a colour outside the VOC palette`);
    }
    labels[i] = label;
  }
  return { width, height, labels };
}

/** 1 where the label is the non-background, non-void class covering the most pixels (ties: the lower label); all 0 when there is none. */
export function largestClassMask(labels: Uint8Array): Uint8Array {
  const counts = new Float64Array(256);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  let best = -1;
  for (let c = 1; c < VOC_VOID_LABEL; c++) if (counts[c] > 0 && (best < 0 || counts[c] > counts[best])) best = c;
  const mask = new Uint8Array(labels.length);
  if (best < 0) return mask;
  for (let i = 0; i < labels.length; i++) mask[i] = labels[i] === best ? 1 : 0;
  return mask;
}

export function createVocGroundTruthSegmenter(): Segmenter {
  return {
    modelId: VOC_GT_SEGMENTER,
    signature: VOC_GT_SIGNATURE,
    async segment(image: RgbImage, source?: ImageSource): Promise<Segmentation> {
      if (!source) throw new Error('--segmenter voc-gt needs the image source (dataset id and mask path)');
      if (!source.maskPath || !fs.existsSync(source.maskPath)) {
        throw new UserError(
          `--segmenter voc-gt: image ${source.id} of ${source.dataset} has no ground-truth mask` +
            `${source.maskPath ? ` at ${source.maskPath}` : ''}; use a VOC2012 segmentation split, or --segmenter isnet-general`,
        );
      }
      const { width, height, labels } = await readVocLabels(source.maskPath);
      if (width !== image.width || height !== image.height) {
        throw new UserError(`--segmenter voc-gt: the mask ${source.maskPath} is ${width}x${height}, its image ${image.width}x${image.height}; replace the mask`);
      }
      return segmentationFromMask(image, largestClassMask(labels));
    },
  };
}
