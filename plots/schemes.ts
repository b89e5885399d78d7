/**
 * How each scheme appears in the figures: its legend name as in the letter, colour, marker and
 * line dash. Everything else in the plots is driven by the scheme names found in summary.csv;
 * a scheme not listed here is drawn with its own name and a colour from the spare palette.
 */
export interface SchemeStyle {
  scheme: string;
  label: string;
  color: string;
  shape: string;
  /** Stroke dash ([] = solid); bounds and references are dashed/dotted. */
  dash: number[];
  /** Sends text over the channel (has sent / received / corrected texts and a BLEU score). */
  text: boolean;
}

/** The letter's order (its legends list Multi-SC first, then the baselines), then the references. */
export const SCHEME_STYLES: readonly SchemeStyle[] = [
  { scheme: 'multi-sc', label: 'Multi-SC', color: '#d62728', shape: 'circle', dash: [], text: true },
  { scheme: 'single-text', label: 'Single-text SC', color: '#1f77b4', shape: 'square', dash: [], text: true },
  { scheme: 'vlm-csc', label: 'VLM-CSC', color: '#2ca02c', shape: 'triangle-up', dash: [], text: true },
  { scheme: 'deep-jscc', label: 'Deep JSCC', color: '#9467bd', shape: 'diamond', dash: [], text: false },
  { scheme: 'bpg-ldpc', label: 'BPG-LDPC', color: '#ff7f0e', shape: 'triangle-down', dash: [], text: false },
  { scheme: 'bpg-capacity', label: 'BPG capacity bound', color: '#8c564b', shape: 'triangle-right', dash: [6, 3], text: false },
  { scheme: 'analog', label: 'Analog (uncoded)', color: '#7f7f7f', shape: 'cross', dash: [2, 2], text: false },
];

const SPARE_COLORS = ['#17becf', '#bcbd22', '#e377c2', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173'];
const SPARE_SHAPES = ['circle', 'square', 'diamond', 'triangle-up', 'triangle-down', 'triangle-left', 'cross', 'wedge'];

/** Legend name of a scheme (its own name when the letter has none for it). */
export function schemeLabel(scheme: string): string {
  return SCHEME_STYLES.find((s) => s.scheme === scheme)?.label ?? scheme;
}

/**
 * Styles of the given schemes, in legend order: the known ones in the letter's order, then the
 * others alphabetically, each with a distinct spare colour and marker.
 */
export function stylesFor(schemes: Iterable<string>): SchemeStyle[] {
  const names = [...new Set(schemes)];
  const known = SCHEME_STYLES.filter((s) => names.includes(s.scheme));
  const unknown = names.filter((n) => !SCHEME_STYLES.some((s) => s.scheme === n)).sort();
  const taken = new Set(known.map((s) => s.label));
  return [
    ...known,
    ...unknown.map((scheme, i) => ({
      scheme,
      // A scheme named like another's legend label keeps the legend unambiguous.
      label: taken.has(scheme) ? `${scheme} (scheme)` : scheme,
      color: SPARE_COLORS[i % SPARE_COLORS.length],
      shape: SPARE_SHAPES[i % SPARE_SHAPES.length],
      dash: [],
      text: false,
    })),
  ];
}

/** Schemes in legend order. */
export function orderSchemes(schemes: Iterable<string>): string[] {
  return stylesFor(schemes).map((s) => s.scheme);
}
