import * as fs from 'fs';
import { UserError } from '../errors';
import { loadImage } from '../image';
import type { SessionOptions } from '../models/session';
import { bleuReferenceSignature, bleuSignature, parseBleuVariant, sacreBleuCorpus, bleuScore } from './bleu';
import { cosineSimilarity, createImageEmbedder } from './cosine';
import { createLpips } from './lpips';
import { MS_SSIM_SIGNATURE, msSsim } from './ms-ssim';
import { PSNR_SIGNATURE, psnr } from './psnr';
import { METRIC_MODEL_SETS, type MetricModelSet } from './score';

/** `npm run metric -- NAME …`: one metric on two images or two text files, as the sweep computes it. */
export type MetricCommandName = 'lpips' | 'cosine' | 'psnr' | 'ms-ssim' | 'bleu';

export interface MetricCommand {
  name: MetricCommandName;
  files: string[];
  ref?: string;
  hyp?: string;
  variant: string;
  metricModels: MetricModelSet;
  session: SessionOptions;
}

export async function runMetricCommand(c: MetricCommand): Promise<{ value: string; signature: string }> {
  if (c.name === 'bleu') return bleuCommand(c);
  if (c.files.length !== 2) throw new UserError(`metric ${c.name} takes two image files: A.png B.png`);
  const [a, b] = await Promise.all(c.files.map((f) => loadImage(f)));
  const models = METRIC_MODEL_SETS[c.metricModels];
  switch (c.name) {
    case 'psnr':
      return { value: fmt(psnr(a, b)), signature: PSNR_SIGNATURE };
    case 'ms-ssim':
      return { value: fmt(msSsim(a, b)), signature: MS_SSIM_SIGNATURE };
    case 'lpips': {
      const lpips = await createLpips(models.lpips, c.session);
      return { value: fmt(await lpips.distance(a, b)), signature: lpips.signature };
    }
    case 'cosine': {
      const embedder = await createImageEmbedder(models.cosine, c.session);
      const [ea, eb] = await embedder.embed([a, b]);
      return { value: fmt(cosineSimilarity(ea, eb)), signature: embedder.signature };
    }
  }
}

function readLines(file: string | undefined, flag: string): string[] {
  if (!file) throw new UserError(`metric bleu needs ${flag} FILE (one sentence per line)`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`cannot read ${flag} ${file}`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function bleuCommand(c: MetricCommand): { value: string; signature: string } {
  const variant = parseBleuVariant(c.variant);
  const refs = readLines(c.ref, '--ref');
  const hyps = readLines(c.hyp, '--hyp');
  if (refs.length !== hyps.length) {
    throw new UserError(`--ref has ${refs.length} lines, --hyp has ${hyps.length}: they must pair line by line`);
  }
  if (variant === 'sacrebleu') {
    const s = sacreBleuCorpus(hyps, [refs]);
    return { value: s.score.toFixed(4), signature: `${bleuSignature(variant)} (sacreBLEU ${s.signature})` };
  }
  // Sentence variants: one score per line, then their mean, on each package's own scale
  // (sacreBLEU 0–100, NLTK 0–1) so that they compare directly with its output.
  const scale = variant.startsWith('sacrebleu') ? 100 : 1;
  const scores = refs.map((r, i) => scale * bleuScore(r, hyps[i], variant));
  const lines = scores.map((v) => v.toFixed(6));
  const mean = scores.reduce((x, y) => x + y, 0) / Math.max(1, scores.length);
  return { value: `${lines.join('\n')}\nmean ${mean.toFixed(6)}`, signature: `${bleuSignature(variant)} (${bleuReferenceSignature(variant)})` };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(6) : String(v);
}
