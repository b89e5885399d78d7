import { UserError } from '../errors';
import type { RgbImage } from '../image';
import type { SessionOptions } from '../models/session';
import { BLEU_SIGNATURE, bleuScore } from './bleu';
import { cosineSimilarity, createImageEmbedder, type ImageEmbedder } from './cosine';
import { timed, timedSync } from '../phase-timer';
import { createLpips, type PerceptualFeatures, type PerceptualMetric } from './lpips';
import { MS_SSIM_SIGNATURE, msSsimFrom, ssimSource, type SsimSource } from './ms-ssim';
import { PSNR_SIGNATURE, psnr } from './psnr';

/**
 * What a row is scored with. The model-based metrics (cosine, LPIPS) use the models of one
 * metric-model set for a whole results folder: `public` (the published networks) or `offline`
 * (the stand-ins of shared/models), never a mix.
 */
export const METRIC_NAMES = ['cosine', 'lpips', 'bleu', 'psnr', 'ms_ssim'] as const;
export type ScoreName = (typeof METRIC_NAMES)[number];

export const METRIC_MODEL_SETS = {
  offline: { lpips: 'lpips-squeeze-caffe', cosine: 'squeezenet11-caffe-embed' },
  public: { lpips: 'lpips-alex', cosine: 'clip-vit-b32-image' },
} as const;
export type MetricModelSet = keyof typeof METRIC_MODEL_SETS;

/** --metric-models, else MULTISC_METRIC_MODELS, else `public`. */
export function metricModelSetFrom(flag: string | undefined): MetricModelSet {
  const value = flag ?? (process.env.MULTISC_METRIC_MODELS?.trim() || 'public');
  if (value !== 'public' && value !== 'offline') {
    throw new UserError(`metric models "${value}" (--metric-models or MULTISC_METRIC_MODELS): use public or offline`);
  }
  return value;
}

export function parseMetricList(text: string): ScoreName[] {
  const names = text.split(',').map((t) => t.trim()).filter(Boolean);
  for (const n of names) {
    if (!(METRIC_NAMES as readonly string[]).includes(n)) {
      throw new UserError(`--metrics: unknown metric "${n}"; choose from ${METRIC_NAMES.join(', ')}`);
    }
  }
  if (names.length === 0) throw new UserError('--metrics is empty: name at least one metric');
  return names as ScoreName[];
}

export interface ScorerConfig {
  metrics: readonly ScoreName[];
  metricModels: MetricModelSet;
  session: SessionOptions;
}

export type Scores = Record<ScoreName, number | null>;

/** The source side of the comparison, computed once per image. */
export interface ScoredSource {
  image: RgbImage;
  embedding: Float32Array | null;
  /** The source's LPIPS features (the feature net's taps), when LPIPS is scored. */
  lpipsFeatures: PerceptualFeatures | null;
  msSsim: SsimSource | null;
}

export class ImageScorer {
  private constructor(
    private readonly cfg: ScorerConfig,
    private readonly lpips: PerceptualMetric | null,
    private readonly embedder: ImageEmbedder | null,
  ) {}

  /** The model ids a configuration needs (to fetch them before a sweep starts). */
  static requiredModels(cfg: ScorerConfig): string[] {
    const models = METRIC_MODEL_SETS[cfg.metricModels];
    return [cfg.metrics.includes('lpips') ? models.lpips : null, cfg.metrics.includes('cosine') ? models.cosine : null].filter(
      (x): x is (typeof models)[keyof typeof models] => x !== null,
    );
  }

  static async create(cfg: ScorerConfig): Promise<ImageScorer> {
    const models = METRIC_MODEL_SETS[cfg.metricModels];
    const lpips = cfg.metrics.includes('lpips') ? await createLpips(models.lpips, cfg.session) : null;
    const embedder = cfg.metrics.includes('cosine') ? await createImageEmbedder(models.cosine, cfg.session) : null;
    return new ImageScorer(cfg, lpips, embedder);
  }

  /** The signature of each selected metric (stored in run.json; a resumed run must match). */
  signatures(): Record<string, string> {
    const s: Record<string, string> = {};
    for (const m of this.cfg.metrics) {
      if (m === 'psnr') s.psnr = PSNR_SIGNATURE;
      else if (m === 'ms_ssim') s.ms_ssim = MS_SSIM_SIGNATURE;
      else if (m === 'lpips') s.lpips = (this.lpips as PerceptualMetric).signature;
      else if (m === 'cosine') s.cosine = (this.embedder as ImageEmbedder).signature;
      else s.bleu = BLEU_SIGNATURE;
    }
    return s;
  }

  /** The model ids behind the scores. */
  modelIds(): string[] {
    return [this.lpips?.modelId, this.embedder?.modelId].filter((x): x is string => Boolean(x));
  }

  /** Phases (bench/phase-timer.ts): `cosine-source`, `lpips-source`, `ms-ssim-source`. */
  async prepareSource(image: RgbImage): Promise<ScoredSource> {
    const { embedder, lpips } = this;
    return {
      image,
      msSsim: this.cfg.metrics.includes('ms_ssim') ? timedSync('ms-ssim-source', () => ssimSource(image)) : null,
      embedding: embedder ? await timed('cosine-source', async () => (await embedder.embed([image]))[0]) : null,
      lpipsFeatures: lpips ? await timed('lpips-source', () => lpips.features(image)) : null,
    };
  }

  /**
   * Scores a reconstruction; `texts` (text schemes) adds BLEU of the sent against the corrected
   * text, sentence BLEU-4 with sacreBLEU's defaults, on 0..1.
   */
  async score(src: ScoredSource, reconstruction: RgbImage, texts?: { sent: string; corrected: string }): Promise<Scores> {
    // One phase per metric (bench/phase-timer.ts), one after the other: phases never nest.
    const want = (m: ScoreName) => this.cfg.metrics.includes(m);
    const { embedder, lpips } = this;
    const scores: Scores = { psnr: null, ms_ssim: null, lpips: null, cosine: null, bleu: null };
    if (want('psnr')) scores.psnr = timedSync('psnr', () => psnr(src.image, reconstruction));
    const msSsimSource = src.msSsim;
    if (msSsimSource) scores.ms_ssim = timedSync('ms-ssim', () => msSsimFrom(msSsimSource, reconstruction));
    if (lpips) {
      const features = src.lpipsFeatures;
      scores.lpips = await timed('lpips', () => (features ? lpips.distanceTo(features, reconstruction) : lpips.distance(src.image, reconstruction)));
    }
    if (embedder && src.embedding) {
      const embedding = src.embedding;
      scores.cosine = await timed('cosine', async () => cosineSimilarity(embedding, (await embedder.embed([reconstruction]))[0]));
    }
    if (want('bleu') && texts) scores.bleu = timedSync('bleu', () => bleuScore(texts.sent, texts.corrected, 'sacrebleu-sentence'));
    return scores;
  }
}
