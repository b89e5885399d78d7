/**
 * BLEU (Papineni et al. 2002), written to reproduce two reference implementations exactly: same
 * tokens, same counts, the same floating-point operations in the same order, so scores agree bit
 * for bit or within an ulp or two of exp/log (test/fixtures/bleu/ holds the packages' outputs):
 *
 * - sacreBLEU 2.6.0 with its defaults: tokenizer `13a`, n = 4, `exp` smoothing (mteval-v13a), the
 *   brevity penalty on corpus totals, scores on 0–100. `corpus_bleu` has no effective order;
 *   `sentence_bleu` uses it (orders with no n-gram in the hypothesis are left out of the mean).
 * - NLTK 3.8 `sentence_bleu` / `corpus_bleu` as semantic-communication papers call them: tokens
 *   from Python's `str.split()`, any weights (BLEU-1 = (1,0,0,0) … BLEU-4 = (¼,¼,¼,¼)), no smoothing
 *   or `SmoothingFunction().method1` (ε = 0.1), scores on 0–1.
 *
 * Both compute, for orders n = 1..N, the clipped n-gram precision
 *   p_n = Σ_ngram min(count_hyp, max_refs count_ref) / Σ_ngram count_hyp
 * and BLEU = BP · exp(Σ_n w_n log p_n), with BP = 1 if c > r else exp(1 − r/c), where c is the
 * hypothesis length and r the length of the reference closest to it (ties: the shorter one).
 * They differ in tokenization, in how a zero p_n is treated and in the scale.
 *
 * The results' `bleu` column is `bleuScore(transmitted, correctedReceived, 'sacrebleu-sentence')`:
 * sentence BLEU-4 with sacreBLEU's `sentence_bleu` defaults between the text an image's transmitter
 * sent and the spelling-corrected text its receiver decoded, divided by 100 (so 0..1).
 */
import { UserError } from '../errors';

/** The reference versions the fixtures were computed with (sacreBLEU's goes into its signature). */
export const SACREBLEU_VERSION = '2.6.0';
export const NLTK_VERSION = '3.8';
export const MAX_NGRAM_ORDER = 4;

// ---------------------------------------------------------------------------------------------
// Tokenization

/**
 * The characters Python's `str.split()` / `str.rstrip()` treat as whitespace (`str.isspace`).
 * Not JavaScript's `\s`: Python also splits on the separators U+001C–U+001F and NEL U+0085, and
 * does not split on U+FEFF, all of which channel-decoded text can contain.
 */
const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'u');
const PY_TRAILING_WHITESPACE = new RegExp(`[${PY_WHITESPACE}]+$`, 'u');

/** Python's `text.split()`: the maximal runs of non-whitespace. */
export function splitWhitespace(text: string): string[] {
  return text.split(PY_WHITESPACE_RUN).filter((token) => token !== '');
}

// sacreBLEU's TokenizerRegexp, in order. The first class is the ASCII punctuation and symbols
// (and space) except ' , - . : the ranges { – ~, [ – `, space – &, ( – +, : – @, and /.
const TOKENIZE_13A_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/gu, ' $1 '],
  [/([^0-9])([.,])/gu, '$1 $2 '], // period and comma, unless preceded by a digit
  [/([.,])([^0-9])/gu, ' $1 $2'], // period and comma, unless followed by a digit
  [/([0-9])(-)/gu, '$1 $2 '], // dash, when preceded by a digit
];

/**
 * sacreBLEU's `Tokenizer13a` (mteval-v13a as sacreBLEU implements it): drops `<skipped>`, joins
 * `-\n` hyphenations, unescapes `&quot; &amp; &lt; &gt;` (once, in that order), splits off
 * punctuation, and returns the tokens joined by single spaces.
 */
export function tokenize13a(line: string): string {
  let text = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (text.includes('&')) {
    text = text.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  text = ` ${text} `;
  for (const [pattern, replacement] of TOKENIZE_13A_RULES) text = text.replace(pattern, replacement);
  return splitWhitespace(text).join(' ');
}

/** sacreBLEU's per-segment preprocessing for BLEU: `tokenize(sent.rstrip())`, as tokens. */
function sacreBleuTokens(segment: string): string[] {
  return splitWhitespace(tokenize13a(segment.replace(PY_TRAILING_WHITESPACE, '')));
}

// ---------------------------------------------------------------------------------------------
// n-gram statistics (shared)

/** Counts of the n-grams of order n, keyed by their tokens joined with a space (tokens never contain whitespace). */
function countNgrams(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Clipped matches and total n-grams of order n: each hypothesis n-gram counts at most as often as
 * it occurs in the reference that has it most (Papineni et al.'s modified precision, p_n = clipped / total).
 */
function clippedCounts(hypTokens: readonly string[], refTokens: ReadonlyArray<readonly string[]>, n: number) {
  const refCounts = refTokens.map((tokens) => countNgrams(tokens, n));
  let clipped = 0;
  let total = 0;
  for (const [key, count] of countNgrams(hypTokens, n)) {
    clipped += Math.min(count, Math.max(...refCounts.map((counts) => counts.get(key) ?? 0)));
    total += count;
  }
  return { clipped, total };
}

/** The reference length closest to the hypothesis length; on a tie the shorter one (sacreBLEU and NLTK agree). */
function closestRefLength(hypLength: number, refLengths: readonly number[]): number {
  let best = refLengths[0];
  for (const r of refLengths) {
    const d = Math.abs(r - hypLength);
    const bestD = Math.abs(best - hypLength);
    if (d < bestD || (d === bestD && r < best)) best = r;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// sacreBLEU

/** Sufficient statistics of BLEU: lengths and, per order n = 1..4, clipped matches and hypothesis n-grams. */
export interface BleuStats {
  hypLength: number;
  refLength: number;
  matches: number[];
  totals: number[];
}

export interface SacreBleuScore extends BleuStats {
  /** BLEU on 0–100. */
  score: number;
  /** p_n on 0–100 after smoothing, as sacreBLEU reports them (0 for orders the hypothesis has no n-gram of). */
  precisions: number[];
  brevityPenalty: number;
  /** sacreBLEU's signature of the computation, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. */
  signature: string;
}

/** sacreBLEU 2.x signature for its default BLEU (`nrefs` is 'var' when sentences have different counts). */
export function sacreBleuSignature(nrefs: number | 'var', effectiveOrder: boolean): string {
  const eff = effectiveOrder ? 'yes' : 'no';
  return `nrefs:${nrefs}|case:mixed|eff:${eff}|tok:13a|smooth:exp|version:${SACREBLEU_VERSION}`;
}

/** Statistics of one hypothesis against its references (sacreBLEU `_compute_segment_statistics`). */
function sacreBleuSegmentStats(hypothesis: string, references: readonly string[]): BleuStats {
  const hypTokens = sacreBleuTokens(hypothesis);
  const refTokens = references.map(sacreBleuTokens);
  const matches: number[] = [];
  const totals: number[] = [];
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    const { clipped, total } = clippedCounts(hypTokens, refTokens, n);
    matches.push(clipped);
    totals.push(total);
  }
  const refLength = closestRefLength(hypTokens.length, refTokens.map((t) => t.length));
  return { hypLength: hypTokens.length, refLength, matches, totals };
}

/** log with sacreBLEU's floor for log 0 (`my_log`), so a zero precision sends the score to 0. */
function sacreBleuLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/**
 * BLEU from (corpus-summed) statistics with `exp` smoothing, as sacreBLEU's `BLEU.compute_bleu`:
 * the k-th order with no match gets p_n = 100 / (2^k · total_n) (mteval-v13a); orders whose
 * hypothesis has no n-gram stop the loop, and count as log 0 unless `effectiveOrder`, which
 * averages over the orders seen instead. No match at all gives 0.
 */
export function sacreBleuFromStats(stats: BleuStats, effectiveOrder: boolean): Omit<SacreBleuScore, 'signature'> {
  const { hypLength, refLength, matches, totals } = stats;
  let brevityPenalty = 1.0;
  if (hypLength < refLength) brevityPenalty = hypLength > 0 ? Math.exp(1 - refLength / hypLength) : 0.0;

  const precisions = new Array<number>(MAX_NGRAM_ORDER).fill(0);
  const result = { hypLength, refLength, matches: [...matches], totals: [...totals], precisions, brevityPenalty };
  if (matches.every((m) => m === 0)) return { ...result, score: 0 };

  let smoothing = 1.0;
  let order = MAX_NGRAM_ORDER;
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    if (totals[n - 1] === 0) break;
    if (effectiveOrder) order = n;
    if (matches[n - 1] === 0) {
      smoothing *= 2;
      precisions[n - 1] = 100 / (smoothing * totals[n - 1]);
    } else {
      precisions[n - 1] = (100 * matches[n - 1]) / totals[n - 1];
    }
  }
  let logSum = 0;
  for (const p of precisions.slice(0, order)) logSum += sacreBleuLog(p);
  return { ...result, score: brevityPenalty * Math.exp(logSum / order) };
}

/**
 * sacreBLEU `corpus_bleu(hypotheses, references)` with its defaults (no effective order).
 * `references` are reference streams as sacreBLEU takes them: `references[k][i]` is the k-th
 * reference of sentence i; `null` marks a missing one (signature `nrefs:var`), while '' is a
 * reference of length 0, as in sacreBLEU.
 */
export function sacreBleuCorpus(
  hypotheses: readonly string[],
  references: ReadonlyArray<ReadonlyArray<string | null>>,
): SacreBleuScore {
  if (hypotheses.length === 0) throw new UserError('BLEU: the corpus has no hypotheses; pass at least one sentence.');
  if (references.length === 0) throw new UserError('BLEU: no reference stream given; pass at least one.');
  references.forEach((stream, k) => {
    if (stream.length !== hypotheses.length) {
      throw new UserError(
        `BLEU: reference stream ${k} has ${stream.length} sentences but there are ${hypotheses.length} hypotheses; ` +
          'give every stream one entry per hypothesis (null for a missing reference).',
      );
    }
  });
  const total: BleuStats = {
    hypLength: 0,
    refLength: 0,
    matches: new Array<number>(MAX_NGRAM_ORDER).fill(0),
    totals: new Array<number>(MAX_NGRAM_ORDER).fill(0),
  };
  const refCounts = new Set<number>();
  hypotheses.forEach((hypothesis, i) => {
    const refs = references.map((stream) => stream[i]).filter((r): r is string => r !== null);
    if (refs.length === 0) throw new UserError(`BLEU: sentence ${i} has no reference (all streams hold null there).`);
    refCounts.add(refs.length);
    const s = sacreBleuSegmentStats(hypothesis, refs);
    total.hypLength += s.hypLength;
    total.refLength += s.refLength;
    for (let n = 0; n < MAX_NGRAM_ORDER; n++) {
      total.matches[n] += s.matches[n];
      total.totals[n] += s.totals[n];
    }
  });
  const nrefs = refCounts.size === 1 ? [...refCounts][0] : 'var';
  return { ...sacreBleuFromStats(total, false), signature: sacreBleuSignature(nrefs, false) };
}

/** sacreBLEU `sentence_bleu(hypothesis, references)` with its defaults (effective order on). */
export function sacreBleuSentence(hypothesis: string, references: readonly string[]): SacreBleuScore {
  if (references.length === 0) throw new UserError('BLEU: no reference given for the sentence; pass at least one.');
  const stats = sacreBleuSegmentStats(hypothesis, references);
  return { ...sacreBleuFromStats(stats, true), signature: sacreBleuSignature(references.length, true) };
}

// ---------------------------------------------------------------------------------------------
// NLTK

export type NltkSmoothing = 'none' | 'method1';

export interface NltkBleuOptions {
  /** w_1..w_N; default BLEU-4 (0.25, 0.25, 0.25, 0.25). N is the number of weights given. */
  weights?: readonly number[];
  /** `SmoothingFunction().method0` (none, the default) or `.method1`. */
  smoothing?: NltkSmoothing;
  /** method1's ε, added to a zero numerator; NLTK's default 0.1. */
  epsilon?: number;
}

/** Python's `sys.float_info.min`, the smallest normal double, which NLTK's method0 puts in for p_n = 0. */
const FLOAT_MIN_NORMAL = 2.2250738585072014e-308;

/**
 * Python's `math.fsum`: the correctly rounded sum (Shewchuk's exact partials, then the
 * half-even correction CPython applies). NLTK sums the weighted logs with it.
 */
export function fsum(values: Iterable<number>): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Round half to even across the remaining partials: if the next one has lo's sign, the exact sum
  // lies beyond the halfway point that hi + lo was rounded from.
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

function checkWeights(weights: readonly number[]): void {
  if (weights.length === 0 || !weights.every(Number.isFinite)) {
    throw new UserError(`BLEU: weights must be a non-empty list of finite numbers, got [${weights.join(', ')}].`);
  }
}

/**
 * NLTK `corpus_bleu(list_of_references, hypotheses, weights, smoothing_function)` on
 * whitespace-split text, 0..1. Numerators and denominators of p_n are summed over sentences,
 * each sentence's denominator at least 1 (NLTK's `max(1, ·)`); with no unigram match at all the
 * score is 0. Without smoothing a zero p_n becomes the smallest normal double, so such a score is
 * about 1e-77 rather than exactly 0 — what NLTK returns.
 */
export function nltkCorpusBleu(
  listOfReferences: ReadonlyArray<readonly string[]>,
  hypotheses: readonly string[],
  options: NltkBleuOptions = {},
): number {
  const { weights = [0.25, 0.25, 0.25, 0.25], smoothing = 'none', epsilon = 0.1 } = options;
  checkWeights(weights);
  if (listOfReferences.length !== hypotheses.length) {
    throw new UserError(
      `BLEU: ${hypotheses.length} hypotheses but ${listOfReferences.length} reference lists; give one list per hypothesis.`,
    );
  }
  const maxOrder = weights.length;
  const numerators = new Array<number>(maxOrder).fill(0);
  const denominators = new Array<number>(maxOrder).fill(0);
  let hypLengths = 0;
  let refLengths = 0;
  hypotheses.forEach((hypothesis, i) => {
    if (listOfReferences[i].length === 0) throw new UserError(`BLEU: hypothesis ${i} has no reference; pass at least one.`);
    const hypTokens = splitWhitespace(hypothesis);
    const refTokens = listOfReferences[i].map(splitWhitespace);
    for (let n = 1; n <= maxOrder; n++) {
      const { clipped, total } = clippedCounts(hypTokens, refTokens, n);
      numerators[n - 1] += clipped;
      denominators[n - 1] += Math.max(1, total);
    }
    hypLengths += hypTokens.length;
    refLengths += closestRefLength(hypTokens.length, refTokens.map((t) => t.length));
  });

  const brevityPenalty = hypLengths > refLengths ? 1 : hypLengths === 0 ? 0 : Math.exp(1 - refLengths / hypLengths);
  if (numerators[0] === 0) return 0;

  const precisions = numerators.map((num, i) => {
    if (num !== 0) return num / denominators[i];
    return smoothing === 'method1' ? (num + epsilon) / denominators[i] : FLOAT_MIN_NORMAL;
  });
  // NLTK skips p_n ≤ 0 (only possible with ε = 0), i.e. counts it as p_n = 1.
  const weightedLogs = weights.flatMap((w, i) => (precisions[i] > 0 ? [w * Math.log(precisions[i])] : []));
  return brevityPenalty * Math.exp(fsum(weightedLogs));
}

/** NLTK `sentence_bleu(references, hypothesis, weights, smoothing_function)` on whitespace-split text, 0..1. */
export function nltkSentenceBleu(references: readonly string[], hypothesis: string, options: NltkBleuOptions = {}): number {
  return nltkCorpusBleu([references], [hypothesis], options);
}

// ---------------------------------------------------------------------------------------------
// The harness's view: named variants, one reference, 0..1

interface VariantSpec {
  compute: (reference: string, hypothesis: string) => number;
  /** Our short signature, stored with results. */
  signature: string;
  /** The reference implementation's own description of the computation. */
  referenceSignature: string;
}

function nltkVariant(order: number, smoothing: NltkSmoothing): VariantSpec {
  const weights = Array.from({ length: MAX_NGRAM_ORDER }, (_, i) => (i < order ? 1 / order : 0));
  const w = weights.map((x) => +x.toFixed(4)).join(',');
  const smooth = smoothing === 'none' ? 'none' : 'method1[0.10]';
  return {
    compute: (reference, hypothesis) => nltkSentenceBleu([reference], hypothesis, { weights, smoothing }),
    signature: `bleu:tok=ws|smooth=${smooth}|n=${order}|w=${w}|impl=nltk`,
    referenceSignature: `nltk:${NLTK_VERSION}|sentence_bleu|tok:str.split|weights:${w}|smooth:${smoothing === 'none' ? 'method0' : 'method1(epsilon=0.1)'}`,
  };
}

const VARIANTS = {
  'sacrebleu-sentence': {
    compute: (reference: string, hypothesis: string) => sacreBleuSentence(hypothesis, [reference]).score / 100,
    signature: 'bleu:tok=13a|smooth=exp|n=4|eff=yes',
    referenceSignature: sacreBleuSignature(1, true),
  },
  sacrebleu: {
    compute: (reference: string, hypothesis: string) => sacreBleuCorpus([hypothesis], [[reference]]).score / 100,
    signature: 'bleu:tok=13a|smooth=exp|n=4|eff=no',
    referenceSignature: sacreBleuSignature(1, false),
  },
  'nltk-bleu1': nltkVariant(1, 'none'),
  'nltk-bleu2': nltkVariant(2, 'none'),
  'nltk-bleu3': nltkVariant(3, 'none'),
  'nltk-bleu4': nltkVariant(4, 'none'),
  'nltk-bleu1-smooth1': nltkVariant(1, 'method1'),
  'nltk-bleu2-smooth1': nltkVariant(2, 'method1'),
  'nltk-bleu3-smooth1': nltkVariant(3, 'method1'),
  'nltk-bleu4-smooth1': nltkVariant(4, 'method1'),
} satisfies Record<string, VariantSpec>;

export type BleuVariant = keyof typeof VARIANTS;
export const BLEU_VARIANTS = Object.keys(VARIANTS) as BleuVariant[];

/** The variant behind the results' `bleu` column. */
export const BLEU_COLUMN_VARIANT: BleuVariant = 'sacrebleu-sentence';

export function isBleuVariant(name: string): name is BleuVariant {
  return Object.prototype.hasOwnProperty.call(VARIANTS, name);
}

/** Checks a variant name from user input. */
export function parseBleuVariant(name: string): BleuVariant {
  if (!isBleuVariant(name)) {
    throw new UserError(`BLEU: unknown variant '${name}'; use one of ${BLEU_VARIANTS.join(', ')}.`);
  }
  return name;
}

/**
 * BLEU of `hyp` against the single reference `ref`, on 0..1 for every variant (sacreBLEU's 0–100
 * divided by 100). `sacrebleu` is corpus BLEU of the one-sentence corpus (no effective order).
 */
export function bleuScore(ref: string, hyp: string, variant: BleuVariant = BLEU_COLUMN_VARIANT): number {
  return VARIANTS[parseBleuVariant(variant)].compute(ref, hyp);
}

/** Our short signature of a variant, e.g. `bleu:tok=13a|smooth=exp|n=4|eff=no`. */
export function bleuSignature(variant: BleuVariant = BLEU_COLUMN_VARIANT): string {
  return VARIANTS[parseBleuVariant(variant)].signature;
}

/** The reference implementation's signature of a variant (sacreBLEU 2.x format for the sacreBLEU ones). */
export function bleuReferenceSignature(variant: BleuVariant = BLEU_COLUMN_VARIANT): string {
  return VARIANTS[parseBleuVariant(variant)].referenceSignature;
}

/** Signature of the results' `bleu` column. */
export const BLEU_SIGNATURE = bleuSignature(BLEU_COLUMN_VARIANT);
