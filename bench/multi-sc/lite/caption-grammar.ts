/**
 * The caption grammar of the lite profile: the contract between the template captioner (which
 * writes it) and the layout renderer (which reads it after the noisy channel and the corrector).
 *
 * A caption describes one block as an optional objects sentence, then one sentence per row of a
 * colour grid, top to bottom, each listing the row's cells left to right:
 *
 *     caption  := [objects "."] row "." { row "." }
 *     objects  := mention { "," mention } [ "and" mention ]          (≤ 3 mentions)
 *     mention  := count label position
 *     count    := "a" | "an" | "two" … "nine" | "many"             ("many" = 10 or more)
 *     label    := a COCO category name, plural after a count above one ("persons", "buses");
 *                 "skis" and "scissors" go as "a pair of skis", "two pairs of scissors"
 *     position := "in the center" | "on the left" | "on the right" | "at the top" | "at the bottom"
 *               | "at the top left" | "at the top right" | "at the bottom left" | "at the bottom right"
 *     row      := rowname "row:" cell { "," cell }
 *     rowname  := by grid height: 1 middle; 2 top, bottom; 3 top, middle, bottom;
 *                 4 top, upper, lower, bottom; 5 top, upper, middle, lower, bottom
 *     cell     := texture colour
 *     texture  := "smooth" | "grainy" | "textured" | "busy"          (rising luminance spread)
 *     colour   := one of the 53 names of colour-names.ts, e.g. "dark greyish blue"
 *
 * The first letter of each sentence is upper case. Example (one block, 3×3 grid):
 *
 *     Two persons on the left and a boat in the center. Top row: smooth light blue, smooth light
 *     blue, grainy white. Middle row: textured greyish green, busy dark green, smooth grey. Bottom
 *     row: textured brown, busy dark greyish brown, textured greyish orange.
 *
 * Every word is in `CAPTION_VOCABULARY` (plain [a-z] words, for the receiver's corrector). The
 * texture words are single words on purpose ("grainy" rather than "fine-textured"): a token never
 * splits at a hyphen, and a garbled "fine-" could not silently demote the level to "textured".
 *
 * Parsing (`parseCaption`) never throws. It reads words by their role in the grammar and accepts a
 * garbled word when it is within a small edit distance of exactly one word of that role, so it
 * survives misspellings the corrector missed (SymSpell leaves a valid English word like "bed" for
 * "red" alone; in a cell only colour words fit). A character outside [a-z.,:;!? ] counts as a
 * garbled letter, and a token it joins ("busy$dark") is split there when it reads no other way.
 * Rows are found by their name and the word "row" (a lost or spurious full stop neither merges
 * nor splits rows); cells by commas and by the texture word that opens each one. A missing or
 * unreadable cell is "smooth grey" (mid grey, L* = 50: the least wrong guess for an unknown
 * colour; `NEUTRAL_CELL`); an unreadable object mention is dropped; an unreadable count is one; an
 * unreadable position is the center. Only the first 16 KiB of a text are read. On 32 Kodak block
 * captions sent as uncoded BPSK UTF-8 (text-link.ts), the share of cells read right without any
 * corrector was about 0.5 at 3 dB, 0.9–0.97 at 6 dB and 1.0 at 9 dB (SymSpell first: +0.02–0.04).
 */
import { COCO_LABELS } from '../../models/coco-labels';
import { CHROMATIC_TERMS, COLOURS, GREYISH, isColourName, LIGHTNESS_MODIFIERS, NEUTRAL_COLOUR } from './colour-names';

export const TEXTURES = ['smooth', 'grainy', 'textured', 'busy'] as const;
export type Texture = (typeof TEXTURES)[number];

export const POSITIONS = ['top left', 'top', 'top right', 'left', 'center', 'right', 'bottom left', 'bottom', 'bottom right'] as const;
export type Position = (typeof POSITIONS)[number];

export interface ObjectMention {
  /** 1..9, or 10 for "many" (ten or more). */
  count: number;
  /** COCO category name, singular (as `Detection.label`). */
  label: string;
  position: Position;
}

export interface LayoutCell {
  /** A colour name of colour-names.ts. */
  colour: string;
  texture: Texture;
}

/** What a caption says about one block. */
export interface BlockLayout {
  objects: ObjectMention[];
  rows: number;
  cols: number;
  /** rows·cols cells, row-major. */
  cells: LayoutCell[];
}

export interface GridSize {
  rows: number;
  cols: number;
}

/** Grid sides the row names support. */
export const MAX_GRID_SIDE = 5;
/** Cells per block unless configured: a 3×3 grid keeps a caption near the letter's ~42 tokens. */
export const DEFAULT_GRID: Readonly<GridSize> = { rows: 3, cols: 3 };
export const MAX_MENTIONS = 3;
export const MANY = 10;
export const NEUTRAL_CELL: Readonly<LayoutCell> = { colour: NEUTRAL_COLOUR, texture: 'smooth' };

const ROW_NAMES: readonly (readonly string[])[] = [
  [],
  ['middle'],
  ['top', 'bottom'],
  ['top', 'middle', 'bottom'],
  ['top', 'upper', 'lower', 'bottom'],
  ['top', 'upper', 'middle', 'lower', 'bottom'],
];

const COUNT_WORDS = ['', 'a', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'many'];
const PAIR_LABELS = new Set(['skis', 'scissors']);
const VOWEL_LABELS = new Set(['airplane', 'apple', 'elephant', 'orange', 'oven', 'umbrella']);
const IRREGULAR_PLURALS: Record<string, string> = { person: 'persons', mouse: 'mice', knife: 'knives', sheep: 'sheep', broccoli: 'broccoli' };

/** The object words the grammar can name: the detector's 80 COCO categories. */
export const OBJECT_LABELS: readonly string[] = COCO_LABELS;

export function pluralLabel(label: string): string {
  if (PAIR_LABELS.has(label)) return label;
  const words = label.split(' ');
  const last = words[words.length - 1];
  words[words.length - 1] = IRREGULAR_PLURALS[last] ?? (/(s|sh|ch|x)$/.test(last) ? `${last}es` : `${last}s`);
  return words.join(' ');
}

const POSITION_PHRASE: Record<Position, string> = {
  'top left': 'at the top left',
  top: 'at the top',
  'top right': 'at the top right',
  left: 'on the left',
  center: 'in the center',
  right: 'on the right',
  'bottom left': 'at the bottom left',
  bottom: 'at the bottom',
  'bottom right': 'at the bottom right',
};

function mentionText(m: ObjectMention): string {
  const n = Math.min(m.count, MANY);
  const countWord = n === 1 ? (VOWEL_LABELS.has(m.label) ? 'an' : 'a') : COUNT_WORDS[n];
  const noun = PAIR_LABELS.has(m.label) ? `${n === 1 ? 'pair' : 'pairs'} of ${m.label}` : n === 1 ? m.label : pluralLabel(m.label);
  return `${countWord} ${noun} ${POSITION_PHRASE[m.position]}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function checkGrid(g: GridSize): void {
  for (const side of [g.rows, g.cols]) {
    if (!Number.isInteger(side) || side < 1 || side > MAX_GRID_SIDE) throw new Error(`caption grid sides must be integers 1..${MAX_GRID_SIDE}, got ${g.rows}x${g.cols}`);
  }
}

/** The caption of a layout. Throws on a layout the grammar cannot express (a programming error). */
export function writeCaption(layout: BlockLayout): string {
  checkGrid(layout);
  if (layout.cells.length !== layout.rows * layout.cols) throw new Error(`layout has ${layout.cells.length} cells, expected ${layout.rows}x${layout.cols}`);
  const sentences: string[] = [];
  const mentions = layout.objects.slice(0, MAX_MENTIONS);
  for (const m of mentions) {
    if (!OBJECT_LABELS.includes(m.label)) throw new Error(`unknown object label "${m.label}" (not a COCO category)`);
    if (!Number.isInteger(m.count) || m.count < 1 || m.count > MANY) throw new Error(`object count ${m.count} outside 1..${MANY}`);
    if (!POSITIONS.includes(m.position)) throw new Error(`unknown position "${m.position}"`);
  }
  if (mentions.length > 0) {
    const parts = mentions.map(mentionText);
    const last = parts.pop() as string;
    sentences.push(parts.length > 0 ? `${parts.join(', ')} and ${last}` : last);
  }
  const names = ROW_NAMES[layout.rows];
  for (let r = 0; r < layout.rows; r++) {
    const cells = layout.cells.slice(r * layout.cols, (r + 1) * layout.cols).map((c) => {
      if (!isColourName(c.colour)) throw new Error(`unknown colour name "${c.colour}"`);
      if (!TEXTURES.includes(c.texture)) throw new Error(`unknown texture "${c.texture}"`);
      return `${c.texture} ${c.colour}`;
    });
    sentences.push(`${names[r]} row: ${cells.join(', ')}`);
  }
  return sentences.map((s) => `${capitalise(s)}.`).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

const COLOUR_TERMS: readonly string[] = [...CHROMATIC_TERMS, 'black', 'grey', 'white'];
const CELL_WORDS: readonly string[] = [...TEXTURES, ...LIGHTNESS_MODIFIERS, GREYISH, ...COLOUR_TERMS];
const POSITION_WORDS = ['on', 'in', 'at', 'the', 'left', 'right', 'center', 'top', 'bottom'];
const LABEL_FORMS = new Map<string, string>(); // singular or plural form → singular label
for (const label of OBJECT_LABELS) {
  LABEL_FORMS.set(label, label);
  LABEL_FORMS.set(pluralLabel(label), label);
}
const OBJECT_WORDS: readonly string[] = [
  ...new Set([...COUNT_WORDS.filter(Boolean), 'an', 'one', 'and', 'pair', 'pairs', 'of', ...POSITION_WORDS, ...[...LABEL_FORMS.keys()].flatMap((f) => f.split(' '))]),
];
const ROW_WORDS: readonly string[] = [...new Set(ROW_NAMES.flat()), 'row'];

/** Every word a caption can contain, lower case, sorted: the corrector's closed vocabulary. */
export const CAPTION_VOCABULARY: readonly string[] = [...new Set([...CELL_WORDS, ...OBJECT_WORDS, ...ROW_WORDS])].sort();

// Sanity: the colour names are made of cell words only.
for (const c of COLOURS) for (const w of c.name.split(' ')) if (!CELL_WORDS.includes(w)) throw new Error(`colour word "${w}" missing from the cell words`);

// ---------------------------------------------------------------------------------------------
// Parsing

const MAX_TEXT = 16 * 1024;
const MAX_TOKENS_PER_SEGMENT = 400;

const { min } = Math; // a module-level copy: under jest's sandbox `Math.x` in a hot loop is slow

/** Levenshtein distance, or `limit + 1` as soon as it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (cur[j] < rowMin) rowMin = cur[j];
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/**
 * Matches words against one role's word list: exactly, or else the unique nearest word within
 * edit distance 1 (words of 3–5 letters) or 2 (longer); one- and two-letter words only exactly.
 */
class RoleMatcher {
  private readonly words: Set<string>;
  private readonly memo = new Map<string, string | null>();
  constructor(private readonly list: readonly string[]) {
    this.words = new Set(list);
  }
  match(w: string): string | null {
    if (this.words.has(w)) return w;
    const hit = this.memo.get(w);
    if (hit !== undefined) return hit;
    let best: string | null = null;
    if (w.length >= 3 && w.length <= 40) {
      const limit = w.length <= 5 ? 1 : 2;
      let bestD = limit + 1;
      let tie = false;
      for (const cand of this.list) {
        if (cand.length < 3) continue;
        const d = editDistance(w, cand, limit);
        if (d < bestD) {
          bestD = d;
          best = cand;
          tie = false;
        } else if (d === bestD && d <= limit) tie = true;
      }
      if (tie || bestD > limit) best = null;
    }
    if (this.memo.size < 10_000) this.memo.set(w, best);
    return best;
  }
}

const cellRole = new RoleMatcher(CELL_WORDS);
const objectRole = new RoleMatcher(OBJECT_WORDS);
const rowRole = new RoleMatcher(ROW_WORDS);
const labelRole = new RoleMatcher([...LABEL_FORMS.keys()]);

/**
 * Lower-case word and punctuation tokens. Any other character becomes '#', a letter that matches
 * nothing: a garbled letter inside a word costs one edit, and a garbled space leaves a '#'-joined
 * token that `matchWords` splits again.
 */
function tokenize(text: string): string[] {
  const s = text
    .slice(0, MAX_TEXT)
    .toLowerCase()
    .replace(/[!?]/g, '.')
    .replace(/;/g, ',')
    .replace(/[^a-z.,:\s]/g, '#');
  return s.match(/[a-z#]+|[.,:]/g) ?? [];
}

const isWord = (t: string | undefined): t is string => t !== undefined && t !== '.' && t !== ',' && t !== ':';

/** A token's word(s) in a role: the token as one word, else its '#'-separated parts that match; null = unreadable. */
function matchWords(token: string, role: RoleMatcher): (string | null)[] {
  const whole = role.match(token);
  if (whole || !token.includes('#')) return [whole];
  const parts = token
    .split('#')
    .map((p) => role.match(p))
    .filter((w): w is string => w !== null);
  return parts.length > 0 ? parts : [null];
}

const ROW_NAME_SET = new Set(ROW_NAMES.flat());
const rowWord = (t: string | undefined): string | null => (isWord(t) ? rowRole.match(t) : null);
const isRowName = (t: string | undefined): boolean => ROW_NAME_SET.has(rowWord(t) ?? '');

interface RowSegment {
  name: string | null;
  chunks: string[][];
}

/**
 * Splits the tokens into the objects part (before the first row) and the rows. A row starts at a
 * row name followed by "row" or ':' or standing first in its sentence, or at a "row" whose name
 * was lost. Full stops matter only there: inside a row a garbled letter can read as one.
 */
function segment(tokens: string[]): { objects: string[]; rows: string[][] } {
  const starts: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!isWord(t)) continue;
    const sentenceStart = i === 0 || tokens[i - 1] === '.';
    if (isRowName(t) && (rowWord(tokens[i + 1]) === 'row' || tokens[i + 1] === ':' || sentenceStart)) {
      starts.push(i);
      if (rowWord(tokens[i + 1]) === 'row') i++;
    } else if (rowWord(t) === 'row') {
      // The name garbled beyond reading: the row starts with it when it opens a sentence.
      starts.push(isWord(tokens[i - 1]) && (i === 1 || tokens[i - 2] === '.') && starts[starts.length - 1] !== i - 1 ? i - 1 : i);
    }
  }
  const rows = starts.map((s, k) => tokens.slice(s, Math.min(k + 1 < starts.length ? starts[k + 1] : tokens.length, s + MAX_TOKENS_PER_SEGMENT)));
  return { objects: tokens.slice(0, Math.min(starts[0] ?? tokens.length, MAX_TOKENS_PER_SEGMENT)), rows };
}

/** A row's name and its cells' words, role-matched ('?' = unreadable). */
function readRow(tokens: string[]): RowSegment {
  let i = 0;
  let name: string | null = null;
  if (isRowName(tokens[0])) {
    name = rowWord(tokens[0]);
    i = 1;
  }
  let header = false;
  while (i < tokens.length && (tokens[i] === ':' || rowWord(tokens[i]) === 'row')) {
    i++;
    header = true;
  }
  // "row:" garbled into one unreadable token.
  if (!header && name !== null && isWord(tokens[i]) && matchWords(tokens[i], cellRole)[0] === null) i += tokens[i + 1] === ':' ? 2 : 1;
  const chunks: string[][] = [[]];
  for (const t of tokens.slice(i)) {
    if (t === ',') chunks.push([]);
    if (!isWord(t)) continue;
    for (const w of matchWords(t, cellRole)) {
      const chunk = chunks[chunks.length - 1];
      // A texture word opens a cell: after a colour word it means a lost comma.
      if (w && (TEXTURES as readonly string[]).includes(w) && chunk.some((x) => COLOUR_TERMS.includes(x))) chunks.push([w]);
      else chunk.push(w ?? '?');
    }
  }
  if (chunks.length > 1 && chunks[chunks.length - 1].length === 0) chunks.pop();
  return { name, chunks };
}

/** One cell from its (role-matched) words; '?' marks an unreadable word. */
function readCell(words: string[]): LayoutCell {
  const texture = (words.find((w) => (TEXTURES as readonly string[]).includes(w)) as Texture | undefined) ?? NEUTRAL_CELL.texture;
  let base = -1;
  for (let i = words.length - 1; i >= 0; i--) {
    if (COLOUR_TERMS.includes(words[i])) {
      base = i;
      break;
    }
  }
  if (base < 0) return { colour: NEUTRAL_COLOUR, texture };
  const before = words.slice(0, base);
  const lightness = [...before].reverse().find((w) => (LIGHTNESS_MODIFIERS as readonly string[]).includes(w));
  const greyish = before.includes(GREYISH) ? GREYISH : undefined;
  const term = words[base];
  const candidates = [
    [lightness, greyish, term],
    [lightness, term],
    [greyish, term],
    [term],
  ].map((parts) => parts.filter(Boolean).join(' '));
  return { colour: candidates.find(isColourName) ?? NEUTRAL_COLOUR, texture };
}

const POSITION_START = new Set(['on', 'in', 'at']);

function readMentions(tokens: string[]): ObjectMention[] {
  const phrases: string[][] = [[]];
  for (const t of tokens) {
    if (t === ',') phrases.push([]);
    if (!isWord(t)) continue;
    for (const w of matchWords(t, objectRole)) {
      if (w === 'and') phrases.push([]);
      else phrases[phrases.length - 1].push(w ?? t);
    }
  }
  const out: ObjectMention[] = [];
  for (const words of phrases) {
    if (words.length === 0) continue;
    let i = 0;
    let count = 1;
    const c = words[0] === 'an' || words[0] === 'one' ? 1 : COUNT_WORDS.indexOf(words[0]);
    if (c >= 1) {
      count = c;
      i = 1;
    }
    if (words[i] === 'pair' || words[i] === 'pairs') i += words[i + 1] === 'of' ? 2 : 1;
    let end = i;
    while (end < words.length && !POSITION_START.has(words[end])) end++;
    const label = labelRole.match(words.slice(i, end).join(' '));
    if (!label) continue;
    const pos = new Set(words.slice(end));
    const v = pos.has('top') ? 'top' : pos.has('bottom') ? 'bottom' : '';
    const h = pos.has('left') ? 'left' : pos.has('right') ? 'right' : '';
    const position = ([v, h].filter(Boolean).join(' ') || 'center') as Position;
    out.push({ count, label: LABEL_FORMS.get(label) as string, position });
  }
  return out;
}

/**
 * The layout a caption describes. `grid` is the grid the sender used (the receiver knows it, as it
 * knows the captioner's query); without it the grid is inferred from the text (exact for an
 * undamaged caption), or `DEFAULT_GRID` when the text has no row at all. Never throws on any text.
 */
export function parseCaption(text: string, grid?: GridSize): BlockLayout {
  if (grid) checkGrid(grid);
  const parts = segment(tokenize(typeof text === 'string' ? text : ''));
  const objects = readMentions(parts.objects).slice(0, MAX_MENTIONS);
  const rowSegments = parts.rows.map(readRow);
  const named = rowSegments.map((r) => r.name).filter((n): n is string => n !== null);
  // Without the grid: the fewest rows whose names include every name read, and at least one row
  // per row read; the most cells any row lists.
  let rows = grid?.rows ?? DEFAULT_GRID.rows;
  let cols = grid?.cols ?? DEFAULT_GRID.cols;
  if (!grid && rowSegments.length > 0) {
    rows = MAX_GRID_SIDE;
    for (let k = Math.min(MAX_GRID_SIDE, rowSegments.length); k < MAX_GRID_SIDE; k++) {
      if (named.every((n) => ROW_NAMES[k].includes(n))) {
        rows = k;
        break;
      }
    }
    cols = Math.min(MAX_GRID_SIDE, Math.max(1, ...rowSegments.map((r) => r.chunks.length)));
  }
  const cells: LayoutCell[] = Array.from({ length: rows * cols }, () => ({ ...NEUTRAL_CELL }));
  const filled = new Set<number>();
  let next = 0;
  for (const r of rowSegments) {
    const byName = r.name ? ROW_NAMES[rows].indexOf(r.name) : -1;
    const index = byName >= 0 && !filled.has(byName) ? byName : next;
    if (index >= rows || filled.has(index)) continue;
    filled.add(index);
    next = index + 1;
    r.chunks.slice(0, cols).forEach((chunk, c) => {
      cells[index * cols + c] = readCell(chunk);
    });
  }
  return { objects, rows, cols, cells };
}

/** Whole words of a caption (as a whitespace split counts them) and words plus punctuation marks. */
export function captionLength(text: string): { words: number; tokens: number } {
  const words = text.split(/\s+/).filter(Boolean).length;
  const punctuation = (text.match(/[.,:]/g) ?? []).length;
  return { words, tokens: words + punctuation };
}

