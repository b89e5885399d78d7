import { createSymSpellCorrector, NO_CORRECTION, sharedSymSpellCorrector } from '../../bench/multi-sc/corrector';
import { sendRepeated, sendText } from '../../bench/multi-sc/text-link';
import { modulationFromName } from '../../bench/phy/modulation';
import { rngFromText } from '../../bench/phy/rng';

const caption = 'Two persons on the left and a boat in the center. Top left: light blue, smooth. Bottom right: dark green, textured.';
const bpsk = { modulation: modulationFromName('bpsk'), code: null };

describe('text link', () => {
  test('lossless at 40 dB; one BPSK symbol per UTF-8 bit', () => {
    const r = sendText(caption + ' café ✓', 40, rngFromText('t40'), bpsk);
    expect(r.received).toBe(caption + ' café ✓');
    expect(r.channelSymbols).toBe(8 * new TextEncoder().encode(caption + ' café ✓').length);
  });

  test('garbled at −5 dB: misspellings and replacement characters, same length class', () => {
    const r = sendText(caption, -5, rngFromText('t-5'), bpsk);
    expect(r.received).not.toBe(caption);
    const wordsKept = r.received.split(' ').filter((w, i) => w === caption.split(' ')[i]).length;
    expect(wordsKept).toBeLessThan(caption.split(' ').length / 2);
  });

  test('at 6 dB a few letters flip (BER ≈ 2.4e-3)', () => {
    let diff = 0;
    for (let s = 0; s < 20; s++) {
      const r = sendText(caption, 6, rngFromText(`t6-${s}`), bpsk);
      diff += [...caption].filter((ch, i) => r.received[i] !== ch).length;
    }
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.05 * 20 * caption.length);
  });

  test('repetition-coded side information survives where the plain link would not', () => {
    const bits = Uint8Array.from({ length: 64 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const r = sendRepeated(bits, 5, 3, rngFromText('rep'), bpsk);
    expect(r.bits).toEqual(bits);
    expect(r.channelSymbols).toBe(64 * 5);
  });
});

describe('SymSpell corrector', () => {
  test('restores channel misspellings towards the caption vocabulary, keeps case and punctuation', async () => {
    const c = await createSymSpellCorrector(['top', 'left', 'bottom', 'right', 'light', 'dark', 'blue', 'green', 'smooth', 'textured', 'greyish']);
    expect(c.correct('Top lfet: ligt bkue, smoth. Botom rigth: dark gren, texured.')).toBe(
      'Top left: light blue, smooth. Bottom right: dark green, textured.',
    );
    expect(c.signature).toMatch(/^symspell:d=2\|dict=en-82765\+vocab-11$/);
  });

  test('never throws on garbage', async () => {
    const c = await createSymSpellCorrector(['blue']);
    const r = rngFromText('garbage');
    const junk = String.fromCharCode(...Array.from({ length: 2000 }, () => r.int(0x3000)));
    expect(typeof c.correct(junk)).toBe('string');
    expect(c.correct('')).toBe('');
    expect(NO_CORRECTION.correct('x y')).toBe('x y');
  });

  test('one shared corrector per vocabulary and thread, correcting as a fresh one does', async () => {
    const words = ['top', 'left', 'blue'];
    const a = sharedSymSpellCorrector(words);
    expect(sharedSymSpellCorrector([...words])).toBe(a);
    expect(sharedSymSpellCorrector(['blue'])).not.toBe(a);
    const text = 'Top lfet: bkue. tpo lfet blеu';
    expect((await a).correct(text)).toBe((await createSymSpellCorrector(words)).correct(text));
  });
});
