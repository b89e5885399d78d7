import * as ort from 'onnxruntime-node';
import * as path from 'path';
import { createImage, type RgbImage } from '../../bench/image';
import { argmaxLastPosition, emptyPast, int64Tensor } from '../../bench/models/generation';
import { imagesToTensor } from '../../bench/models/image-input';
import { modelEntry } from '../../bench/models/registry';
import { modelSession } from '../../bench/models/session';
import { createNanoLlavaCaptioner, expandImageTokens, spliceImageFeatures } from '../../bench/multi-sc/nanollava-captioner';

/**
 * nanoLLaVA's loop on the tiny same-I/O fixture: the fixture decoder's logits at a position depend
 * on every earlier position (a running sum of layer 0's keys), its position id and the total length,
 * so a cache fed back wrong, a missing image row or an off-by-one position changes the tokens.
 */
const PAPER_TINY = path.join(__dirname, '..', 'fixtures', 'paper-tiny');
const opts = { modelsDir: PAPER_TINY };

/** A 64×48 image of one colour with a faint texture. */
function tinted(rgb: [number, number, number]): RgbImage {
  const img = createImage(64, 48);
  for (let i = 0; i < 64 * 48; i++) img.data.set(rgb.map((v) => Math.min(255, v + (i % 7))), 3 * i);
  return img;
}

describe('image-token expansion', () => {
  test('one <image> becomes n tokens in place; none or two is one line', () => {
    expect(expandImageTokens([1, 2, 9, 3], 9, 4)).toEqual({ ids: [1, 2, 9, 9, 9, 9, 3], at: 2 });
    expect(() => expandImageTokens([1, 2, 3], 9, 4)).toThrow(/^the captioner prompt holds 0 image tokens \(id 9\); it needs exactly one$/);
    expect(() => expandImageTokens([9, 9], 9, 4)).toThrow(/holds 2 image tokens/);
  });

  test('the image features replace exactly the image rows of the embeddings', () => {
    const embeds = new ort.Tensor('float32', Float32Array.from({ length: 5 * 2 }, (_, i) => i), [1, 5, 2]);
    const features = new ort.Tensor('float32', Float32Array.from([-1, -2, -3, -4]), [1, 2, 2]);
    expect([...(spliceImageFeatures(embeds, features, 1).data as Float32Array)]).toEqual([0, 1, -1, -2, -3, -4, 6, 7, 8, 9]);
    expect(() => spliceImageFeatures(embeds, new ort.Tensor('float32', new Float32Array(3), [1, 1, 3]), 0)).toThrow(/3 wide, token embeddings 2/);
  });
});

describe('nanoLLaVA captioner on the tiny fixture', () => {
  test('the cached greedy loop gives the tokens of a recomputation from scratch at every step', async () => {
    const captioner = await createNanoLlavaCaptioner('q8', opts, 12);
    const image = tinted([200, 30, 30]);
    const ids = await captioner.captionIds(image);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThanOrEqual(12);

    // Reference without a cache: the whole sequence through the decoder at every step.
    const vision = await modelSession('nanollava-vision-encoder-q8', opts);
    const embed = await modelSession('nanollava-embed-tokens-q8', opts);
    const decoder = await modelSession('nanollava-decoder-q8', opts);
    const { Tokenizer } = require('@huggingface/tokenizers');
    const tok = new Tokenizer(require(path.join(PAPER_TINY, 'nanollava/tokenizer.json')), require(path.join(PAPER_TINY, 'nanollava/tokenizer_config.json')));
    const prompt = '<|im_start|>user\n<image>\nRelay a brief, clear account of the picture shown.<|im_end|>\n<|im_start|>assistant\n';
    const features = (await vision.session.run({ pixel_values: await imagesToTensor([image], modelEntry('nanollava-vision-encoder-q8').imageInput!) })).image_features;
    expect(features.dims).toEqual([1, 729, 8]);
    const expanded = expandImageTokens(tok.encode(prompt, { add_special_tokens: false }).ids, 5, 729);
    const sequence = [...expanded.ids];
    const reference: number[] = [];
    for (let step = 0; step < ids.length; step++) {
      const embeds = (await embed.session.run({ input_ids: int64Tensor(sequence, [1, sequence.length]) })).inputs_embeds;
      const out = await decoder.session.run({
        inputs_embeds: spliceImageFeatures(embeds, features, expanded.at),
        attention_mask: int64Tensor(Array(sequence.length).fill(1), [1, sequence.length]),
        position_ids: int64Tensor(sequence.map((_, i) => i), [1, sequence.length]),
        ...emptyPast(decoder.session, 2, 4),
      });
      const next = argmaxLastPosition(out.logits);
      reference.push(next);
      sequence.push(next);
    }
    expect(ids).toEqual(reference);
  });

  test('greedy: the same image gives the same caption; another image another one; the signature names the settings', async () => {
    const captioner = await createNanoLlavaCaptioner('q8', opts, 12);
    const a = await captioner.caption(tinted([200, 30, 30]));
    expect(await captioner.caption(tinted([200, 30, 30]))).toBe(a);
    expect(await captioner.caption(tinted([20, 60, 230]))).not.toBe(a);
    expect(captioner.signature).toMatch(/^nanollava:dtype=q8\|sha=[0-9a-f]{12}\|query=relay-brief-clear\|image=384:cubic\|greedy\|max=12$/);
  });

  test('a dtype whose files are not there: the missing model, in one line', async () => {
    await expect(createNanoLlavaCaptioner('fp16', opts)).rejects.toThrow(/^model nanollava-vision-encoder-fp16 not found; looked in /);
  });
});
