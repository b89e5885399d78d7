import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import type { RgbImage } from '../image';
import { argmaxLastPosition, configInt, emptyPast, int64Tensor, loadTokenizer, pastFromPresent, readModelJson } from '../models/generation';
import { imagesToTensor } from '../models/image-input';
import { captionerModels, type PaperDtype } from '../models/paper-profile';
import { modelEntry } from '../models/registry';
import { modelSession, type SessionOptions } from '../models/session';

// The package is an ES module with a CommonJS build for Node (its exports map): required here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jinja = require('@huggingface/jinja') as { Template: new (template: string) => { render(items: Record<string, unknown>): string } };

/**
 * The letter's captioner: nanoLLaVA (SigLIP + Qwen1.5-0.5B) from its three ONNX graphs (vision
 * encoder with projector, token embeddings, decoder with key/value cache), driven by hand:
 *
 *  1. the query in the model's chat template (tokenizer_config.json, ChatML), with one `<image>`;
 *  2. that token expanded to as many image tokens as the vision encoder yields (729 = 27×27), in
 *     the ids and the attention mask: this export ships no processor that would do it;
 *  3. the prompt's embeddings with the image features written over the image tokens' rows;
 *  4. greedy arg-max decoding with the cache until an end token or MAX_NEW_TOKENS (the model's
 *     generation config samples at temperature 0.7: a benchmark cell must not).
 */
export const CAPTION_QUERY = 'Relay a brief, clear account of the picture shown.';
/** Qwen-based captions average ~42 tokens (the letter): room for twice that. */
export const MAX_NEW_TOKENS = 96;

export interface AsyncCaptioner {
  readonly signature: string;
  caption(image: RgbImage): Promise<string>;
  /** The generated token ids (no prompt, no end token). */
  captionIds(image: RgbImage): Promise<number[]>;
}

/** `ids` with its one image token repeated `n` times; `at` is where the image rows start. */
export function expandImageTokens(ids: readonly number[], imageToken: number, n: number): { ids: number[]; at: number } {
  const at = ids.indexOf(imageToken);
  const count = ids.filter((t) => t === imageToken).length;
  if (count !== 1) throw new UserError(`the captioner prompt holds ${count} image tokens (id ${imageToken}); it needs exactly one`);
  return { ids: [...ids.slice(0, at), ...Array<number>(n).fill(imageToken), ...ids.slice(at + 1)], at };
}

/** [1, L, H] embeddings with rows at..at+n−1 replaced by the [1, n, H] image features. */
export function spliceImageFeatures(embeds: ort.Tensor, features: ort.Tensor, at: number): ort.Tensor {
  const [, length, hidden] = embeds.dims;
  const [, n, featureWidth] = features.dims;
  if (featureWidth !== hidden) throw new UserError(`image features are ${featureWidth} wide, token embeddings ${hidden}: the captioner's files do not belong together`);
  if (at + n > length) throw new Error('image rows past the end of the prompt');
  const out = Float32Array.from(embeds.data as Float32Array);
  out.set(features.data as Float32Array, at * hidden);
  return new ort.Tensor('float32', out, [1, length, hidden]);
}

export async function createNanoLlavaCaptioner(dtype: PaperDtype, opts: SessionOptions, maxNewTokens = MAX_NEW_TOKENS): Promise<AsyncCaptioner> {
  const ids = captionerModels(dtype);
  const config = await readModelJson(ids.config, opts);
  const text = (config.text_config ?? {}) as Record<string, unknown>;
  const imageToken = configInt(config, 'image_token_index', ids.config);
  const heads = configInt(text, 'num_key_value_heads', ids.config);
  const headDim = configInt(text, 'hidden_size', ids.config) / configInt(text, 'num_attention_heads', ids.config);
  const { tokenizer, config: tokenizerConfig } = await loadTokenizer(ids.tokenizer, ids.tokenizerConfig, opts);
  if (typeof tokenizerConfig.chat_template !== 'string') throw new UserError(`model ${ids.tokenizerConfig}: no chat_template`);
  const prompt = new jinja.Template(tokenizerConfig.chat_template).render({
    messages: [{ role: 'user', content: `<image>\n${CAPTION_QUERY}` }],
    add_generation_prompt: true,
  });
  const promptIds = tokenizer.encode(prompt, { add_special_tokens: false }).ids;
  const stops = new Set<number>([config.eos_token_id].flat().filter((v): v is number => typeof v === 'number'));
  if (typeof tokenizerConfig.eos_token === 'string') {
    const eos = tokenizer.encode(tokenizerConfig.eos_token, { add_special_tokens: false }).ids;
    if (eos.length === 1) stops.add(eos[0]);
  }
  const vision = await modelSession(ids.visionEncoder, opts);
  const embed = await modelSession(ids.embedTokens, opts);
  const decoder = await modelSession(ids.decoder, opts);
  const spec = modelEntry(ids.visionEncoder).imageInput!;
  const hasPositions = decoder.session.inputNames.includes('position_ids');
  const embedIds = async (tokens: number[]) => (await embed.session.run({ input_ids: int64Tensor(tokens, [1, tokens.length]) })).inputs_embeds;

  const captionIds = async (image: RgbImage): Promise<number[]> => {
    const features = (await vision.session.run({ pixel_values: await imagesToTensor([image], spec) })).image_features;
    const expanded = expandImageTokens(promptIds, imageToken, features.dims[1]);
    let inputs = spliceImageFeatures(await embedIds(expanded.ids), features, expanded.at);
    let past = emptyPast(decoder.session, heads, headDim);
    let length = 0;
    const generated: number[] = [];
    for (let step = 0; step < maxNewTokens; step++) {
      const n = inputs.dims[1];
      const feeds: Record<string, ort.Tensor> = { inputs_embeds: inputs, attention_mask: int64Tensor(Array(length + n).fill(1), [1, length + n]), ...past };
      if (hasPositions) feeds.position_ids = int64Tensor(Array.from({ length: n }, (_, i) => length + i), [1, n]);
      const out = await decoder.session.run(feeds);
      const next = argmaxLastPosition(out.logits);
      if (stops.has(next)) break;
      generated.push(next);
      past = pastFromPresent(out);
      length += n;
      inputs = await embedIds([next]);
    }
    return generated;
  };

  return {
    signature: `nanollava:dtype=${dtype}|sha=${decoder.file.sha256.slice(0, 12)}|query=relay-brief-clear|image=384:cubic|greedy|max=${maxNewTokens}`,
    captionIds,
    async caption(image) {
      return tokenizer.decode(await captionIds(image), { skip_special_tokens: true }).trim();
    },
  };
}
