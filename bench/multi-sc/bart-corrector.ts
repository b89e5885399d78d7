import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { argmaxLastPosition, configInt, emptyPast, int64Tensor, loadTokenizer, pastFromPresent, readModelJson } from '../models/generation';
import { CORRECTOR_MODELS } from '../models/paper-profile';
import { modelSession, type SessionOptions } from '../models/session';

/**
 * The letter's receiver-side corrector: BART (oliverguhr/spelling-correction-english-base) turns
 * a channel-garbled caption into a spelled one, one block's caption at a time. The ONNX export
 * is driven by hand: the encoder once, then the merged decoder (use_cache_branch) one token per
 * step from decoder_start_token_id, the first generated token forced to forced_bos_token_id, the
 * encoder's keys and values taken from the first step and reused, the decoder's appended. Greedy
 * arg-max (the model's generation config asks for 4 beams and no repeated 3-grams: not done here,
 * so that the loop stays exact and cheap; stated in the signature). At most the input's token count
 * plus MAX_EXTRA_TOKENS new tokens: a correction is about as long as its input.
 */
export interface AsyncTextCorrector {
  readonly signature: string;
  correct(text: string): Promise<string>;
}

export const MAX_EXTRA_TOKENS = 16;

export async function createBartCorrector(opts: SessionOptions, ids = CORRECTOR_MODELS): Promise<AsyncTextCorrector> {
  const config = await readModelJson(ids.config, opts);
  const layers = configInt(config, 'decoder_layers', ids.config);
  const heads = configInt(config, 'decoder_attention_heads', ids.config);
  const headDim = configInt(config, 'd_model', ids.config) / heads;
  const start = configInt(config, 'decoder_start_token_id', ids.config);
  const eos = configInt(config, 'eos_token_id', ids.config);
  const forcedBos = typeof config.forced_bos_token_id === 'number' ? config.forced_bos_token_id : null;
  const { tokenizer } = await loadTokenizer(ids.tokenizer, ids.tokenizerConfig, opts);
  const encoder = await modelSession(ids.encoder, opts);
  const decoder = await modelSession(ids.decoder, opts);
  const pastNames = decoder.session.inputNames.filter((n) => n.startsWith('past_key_values.'));
  if (pastNames.length !== 4 * layers) {
    throw new UserError(`model ${ids.decoder}: ${pastNames.length} past key/value inputs, its config says ${layers} layers (×4); the files do not belong together`);
  }

  return {
    signature: `bart:model=${ids.decoder}|sha=${decoder.file.sha256.slice(0, 12)}|greedy|max=input+${MAX_EXTRA_TOKENS}`,
    async correct(text: string): Promise<string> {
      if (text.trim() === '') return text;
      const inputIds = tokenizer.encode(text).ids;
      const n = inputIds.length;
      const mask = int64Tensor(Array(n).fill(1), [1, n]);
      const encoded = await encoder.session.run({ input_ids: int64Tensor(inputIds, [1, n]), attention_mask: mask });
      const hidden = encoded.last_hidden_state;
      let past = emptyPast(decoder.session, heads, headDim);
      const generated: number[] = [];
      let last = start;
      for (let step = 0; step < n + MAX_EXTRA_TOKENS; step++) {
        const feeds: Record<string, ort.Tensor> = {
          input_ids: int64Tensor([last], [1, 1]),
          encoder_hidden_states: hidden,
          use_cache_branch: new ort.Tensor('bool', [step > 0], [1]),
          ...past,
        };
        if (decoder.session.inputNames.includes('encoder_attention_mask')) feeds.encoder_attention_mask = mask;
        const out = await decoder.session.run(feeds);
        const next = step === 0 && forcedBos !== null ? forcedBos : argmaxLastPosition(out.logits);
        // The encoder's keys and values do not change: those of the first step serve every step.
        past = { ...past, ...pastFromPresent(out, (name) => step === 0 || name.includes('.decoder.')) };
        if (next === eos) break;
        generated.push(next);
        last = next;
      }
      return tokenizer.decode(generated, { skip_special_tokens: true }).trim();
    },
  };
}
