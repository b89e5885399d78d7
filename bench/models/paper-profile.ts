import { isUserError, UserError } from '../errors';
import { SD_MODELS } from '../diffusion/sd-ip-adapter';
import { modelEntry } from './registry';
import { exportScriptsFor, locateModel, type StoreOptions } from './store';

/**
 * The paper profile: the letter's models in the roles the lite profile fills with its stand-ins
 * (../shared/paper/summary.md). Roles are filled by model ids of the registry; each id is one
 * pinned file (or, for the IP-Adapter UNet, a file the user exports: see sd-ip-adapter.ts). A
 * missing one stops the run in one line; the lite models never stand in.
 */

/** Weight variants of the captioner's exports: one set is fetched, the one used (the corrector is fp32 only). */
export const PAPER_DTYPES = ['q8', 'q4', 'fp16', 'fp32'] as const;
export type PaperDtype = (typeof PAPER_DTYPES)[number];
export const DEFAULT_PAPER_DTYPE: PaperDtype = 'q8';

export function paperDtypeOf(text: string): PaperDtype {
  if (!(PAPER_DTYPES as readonly string[]).includes(text)) throw new UserError(`--dtype ${text}: use ${PAPER_DTYPES.join(', ')}`);
  return text as PaperDtype;
}

/** nanoLLaVA (Qwen1.5-0.5B + SigLIP), the letter's captioner: three ONNX graphs, tokenizer, config. */
export function captionerModels(dtype: PaperDtype) {
  return {
    visionEncoder: `nanollava-vision-encoder-${dtype}`,
    embedTokens: `nanollava-embed-tokens-${dtype}`,
    decoder: `nanollava-decoder-${dtype}`,
    tokenizer: 'nanollava-tokenizer',
    tokenizerConfig: 'nanollava-tokenizer-config',
    config: 'nanollava-config',
  };
}

/** The BART spelling corrector (oliverguhr/spelling-correction-english-base): fp32 only. */
export const CORRECTOR_MODELS = {
  encoder: 'bart-spelling-encoder',
  decoder: 'bart-spelling-decoder',
  tokenizer: 'bart-spelling-tokenizer',
  tokenizerConfig: 'bart-spelling-tokenizer-config',
  config: 'bart-spelling-config',
};

/** FCN-ResNet50 on the 21 VOC classes (ONNX model zoo fcn-resnet50-11). */
export const PAPER_SEGMENTER = 'fcn-resnet50-11';

/** The ids a semantic scheme needs under the paper profile (VLM-CSC: no slice, no segmenter). */
export function paperSemanticModels(variant: 'multi-sc' | 'single-text' | 'vlm-csc', dtype: PaperDtype): string[] {
  return [
    ...Object.values(captionerModels(dtype)),
    ...Object.values(CORRECTOR_MODELS),
    ...(variant === 'vlm-csc' ? [] : [PAPER_SEGMENTER]),
    ...Object.values(SD_MODELS),
  ];
}

/**
 * The ids of `ids` that are not present (nor verifiable) locally. A present file with a wrong hash
 * is an error of its own (store.ts), raised here as it would be on load.
 */
export async function absentModels(ids: string[], opts: StoreOptions): Promise<string[]> {
  const absent: string[] = [];
  for (const id of ids) {
    try {
      await locateModel(id, opts);
    } catch (e) {
      if (!isUserError(e) || !/ not found;/.test(e.message)) throw e;
      absent.push(id);
    }
  }
  return absent;
}

/** Sum of the pinned sizes of `ids`, for the refusal's "how much to download". */
export function pinnedBytes(ids: string[]): number {
  return ids.map(modelEntry).reduce((sum, m) => sum + Math.max(0, ...m.sources.map((s) => s.size ?? m.approxBytes ?? 0)), 0);
}

/**
 * Refuses a paper-profile run that lacks a model, in one line naming every missing id and the
 * command that fetches them. Paper models are never fetched implicitly: they are gigabytes.
 */
export async function requirePaperModels(scheme: string, ids: string[], opts: StoreOptions): Promise<void> {
  const absent = await absentModels(ids, opts);
  if (absent.length === 0) return;
  const gb = (pinnedBytes(absent) / 1e9).toFixed(2);
  const scripts = exportScriptsFor(absent);
  const fetchable = absent.filter((id) => modelEntry(id).sources.some((s) => s.kind === 'hf' || s.kind === 'url' || s.kind === 'npm'));
  const how = [
    fetchable.length ? 'get them with `npm run models -- fetch --profile paper`' : '',
    scripts.length ? `export the generator with \`${scripts.join('`, `')}\` and point --models-dir at its folder (README: GPU recipe)` : '',
  ].filter(Boolean);
  throw new UserError(`--profile paper: ${scheme} needs models that are not here: ${absent.join(', ')} (${gb} GB); ${how.join('; ')}`);
}
