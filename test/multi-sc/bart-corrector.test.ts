import * as path from 'path';
import { createBartCorrector } from '../../bench/multi-sc/bart-corrector';

/**
 * The BART corrector's loop on the tiny fixture (tools/fixtures/make_paper_tiny.py), whose decoder
 * emits, at decoder position p, the encoder's token p with five misspellings mapped to their
 * words: only a loop that starts from decoder_start_token_id, grows the decoder cache by one
 * position per step, reuses the encoder's and stops at </s> prints the fixed sentence.
 */
const PAPER_TINY = path.join(__dirname, '..', 'fixtures', 'paper-tiny');

test('corrects the misspelled words of a caption, keeps the rest, stops at </s>', async () => {
  const corrector = await createBartCorrector({ modelsDir: PAPER_TINY });
  expect(corrector.signature).toMatch(/^bart:model=bart-spelling-decoder\|sha=[0-9a-f]{12}\|greedy\|max=input\+16$/);
  expect(await corrector.correct('teh rde cra, on the skye.')).toBe('the red car, on the sky.');
  expect(await corrector.correct('a gren tree with a blue house')).toBe('a green tree with a blue house');
  expect(await corrector.correct('')).toBe('');
  // Greedy: the same input gives the same output.
  expect(await corrector.correct('teh rde cra')).toBe(await corrector.correct('teh rde cra'));
});

test('files that do not belong together are one line', async () => {
  const ids = { encoder: 'bart-spelling-encoder', decoder: 'bart-spelling-decoder', tokenizer: 'bart-spelling-tokenizer', tokenizerConfig: 'bart-spelling-tokenizer-config', config: 'nanollava-config' };
  await expect(createBartCorrector({ modelsDir: PAPER_TINY }, ids)).rejects.toThrow(/^model nanollava-config: config field "decoder_layers" is undefined, expected an integer$/);
});
