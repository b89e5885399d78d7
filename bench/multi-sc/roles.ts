import type { RgbImage } from '../image';
import { createDetector, type Detector } from '../models/detector';
import { createFcnSegmenter } from '../models/fcn-segmenter';
import { createSdGenerator, SD_DEFAULTS, type SdSettings } from '../diffusion/sd-ip-adapter';
import { PAPER_SEGMENTER, type PaperDtype } from '../models/paper-profile';
import { createSegmenter, type Segmenter } from '../models/segmenter';
import type { SessionOptions } from '../models/session';
import { createVocGroundTruthSegmenter, VOC_GT_SEGMENTER } from '../models/voc-ground-truth';
import { timed, timedSync } from '../phase-timer';
import type { Rng } from '../phy/rng';
import { createBartCorrector } from './bart-corrector';
import { NO_CORRECTION, sharedSymSpellCorrector } from './corrector';
import { CAPTION_VOCABULARY, parseCaption, type GridSize } from './lite/caption-grammar';
import { composite, renderImageFromBlocks } from './lite/layout-renderer';
import { captionImage, cropImage, gridRects, type Box } from './lite/template-captioner';
import { createNanoLlavaCaptioner } from './nanollava-captioner';

/**
 * The four roles of the semantic schemes (semantic-scheme.ts), one pipeline whatever fills them:
 *
 *   role        lite profile                          paper profile (the letter)
 *   segmenter   IS-Net (or voc-gt, fcn-resnet50-11)   FCN-ResNet50
 *   captioner   YOLOX-Nano + template captioner       nanoLLaVA, one query per block
 *   corrector   SymSpell (or none)                    BART
 *   generator   layout renderer + slice pasted (λ)    SD 1.5 + IP-Adapter (slice as image prompt, λ)
 *
 * Each role is made on first use and kept for the scheme's life (models load once per worker).
 */
export interface BlockCaptioner {
  /** One caption per block of `blocks` (row-major); `mask` marks the main object over the image. */
  caption(image: RgbImage, blocks: GridSize, mask: Uint8Array | null): Promise<string[]>;
}

export interface Corrector {
  correct(text: string): Promise<string>;
}

/** The main-object slice as the receiver got it: its pixels, its mask (box-sized) and where it goes. */
export interface ReceivedSlice {
  image: RgbImage;
  mask: Uint8Array;
  box: Box;
}

export interface ImageGenerator {
  /**
   * The receiver's image from the corrected block texts and, when it arrived, the slice with
   * weight λ; `rng` is the cell's stream for any random draw (the diffusion's initial latents).
   */
  generate(texts: readonly string[], blocks: GridSize, width: number, height: number, slice: ReceivedSlice | null, ipWeight: number, rng: Rng): Promise<RgbImage>;
}

export interface SemanticRoles {
  segmenter(): Promise<Segmenter>;
  captioner(): Promise<BlockCaptioner>;
  corrector(): Promise<Corrector>;
  generator(): Promise<ImageGenerator>;
}

/** A role made once, on first use; a failed make is not kept (the next call tries again). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => {
    made ??= make();
    made.catch(() => (made = null));
    return made;
  };
}

/** The segmenter a `--segmenter` id names: voc-gt (oracle), the letter's FCN, or a salient-object model. */
export function segmenterFor(id: string, session: SessionOptions): Promise<Segmenter> {
  if (id === VOC_GT_SEGMENTER) return Promise.resolve(createVocGroundTruthSegmenter());
  if (id === PAPER_SEGMENTER) return createFcnSegmenter(PAPER_SEGMENTER, session);
  return createSegmenter(id, session);
}

export interface LiteRoleConfig {
  segmenter: string;
  detector: string;
  cellGrid: GridSize;
  corrector: 'symspell' | 'none';
}

export function liteRoles(cfg: LiteRoleConfig, session: SessionOptions): SemanticRoles {
  const detector = once<Detector>(() => createDetector(cfg.detector, session));
  return {
    segmenter: once(() => segmenterFor(cfg.segmenter, session)),
    captioner: once(async () => ({
      async caption(image, blocks, mask) {
        const d = await detector();
        const detections = await timed('detection', () => d.detect(image));
        return timedSync('captioning', () => captionImage(image, { blocks, grid: cfg.cellGrid, detections, mask }).map((c) => c.text));
      },
    })),
    corrector: once(async () => {
      const c = cfg.corrector === 'none' ? NO_CORRECTION : await sharedSymSpellCorrector(CAPTION_VOCABULARY);
      return { correct: async (text: string) => timedSync('correction', () => c.correct(text)) };
    }),
    generator: once(async () => ({
      async generate(texts, blocks, width, height, slice, ipWeight) {
        const rendered = timedSync('rendering', () => renderImageFromBlocks(texts.map((t) => parseCaption(t, cfg.cellGrid)), blocks, width, height));
        if (!slice) return rendered;
        return timedSync('rendering', () => composite(rendered, slice.image, slice.mask, slice.box, ipWeight));
      },
    })),
  };
}

/**
 * The letter's models in the same roles. The generator's prompt is the corrected block texts
 * joined in block order (the fused text); its image prompt the received slice.
 */
export function paperRoles(dtype: PaperDtype, session: SessionOptions, sd: SdSettings = SD_DEFAULTS): SemanticRoles {
  const captioner = once(() => createNanoLlavaCaptioner(dtype, session));
  return {
    segmenter: once(() => createFcnSegmenter(PAPER_SEGMENTER, session)),
    captioner: once(async () => ({
      async caption(image, blocks) {
        const vlm = await captioner();
        const texts: string[] = [];
        for (const rect of gridRects(image.width, image.height, blocks)) texts.push(await timed('captioning', () => vlm.caption(cropImage(image, rect))));
        return texts;
      },
    })),
    corrector: once(async () => {
      const bart = await createBartCorrector(session);
      return { correct: (text: string) => timed('correction', () => bart.correct(text)) };
    }),
    generator: once(async () => {
      const sdGenerator = await createSdGenerator(session, sd);
      return {
        generate: (texts, _blocks, width, height, slice, ipWeight, rng) =>
          sdGenerator.generate(texts.join(' '), slice ? { image: slice.image, mask: slice.mask } : null, ipWeight, width, height, rng),
      };
    }),
  };
}
