import { UserError } from '../errors';

/**
 * A scheme that cannot send an image within `--budget` (its text alone, or the smallest image it
 * can send, is over). The sweep leaves that scheme out of the run with one line, and goes on.
 */
export class BudgetRefusal extends UserError {
  constructor(readonly scheme: string, message: string) {
    super(message);
  }
}

export function isBudgetRefusal(e: unknown): e is BudgetRefusal {
  return e instanceof BudgetRefusal;
}

/**
 * A bandwidth ratio k/n (complex channel symbols per source value, n = H·W·3) given on the
 * command line as a fraction (`1/6`) or a decimal (`0.25`), in (0, max].
 */
export function parseBandwidthRatio(text: string, flag: string, max = 1): number {
  const t = String(text).trim();
  const frac = /^([0-9]+(?:\.[0-9]+)?)\s*\/\s*([0-9]+(?:\.[0-9]+)?)$/.exec(t);
  const value = frac ? Number(frac[1]) / Number(frac[2]) : /^[0-9]*\.?[0-9]+(?:e-?[0-9]+)?$/i.test(t) ? Number(t) : NaN;
  if (!(value > 0 && value <= max && Number.isFinite(value))) {
    throw new UserError(`--${flag} ${t} is not a bandwidth ratio: give k/n in (0, ${max === 1 ? 1 : `1/${1 / max}`}] as a fraction or decimal, e.g. 1/6 (the deep-JSCC ratio) or 0.25`);
  }
  return value;
}

/**
 * `--budget k/n`: the most complex channel symbols any scheme may spend on an H×W image,
 * ⌊k/n · H·W·3⌋, side information and text included. `text` is the ratio as given (`1/12`),
 * the form recorded in run.json and scheme configs.
 */
export interface BandwidthBudget {
  ratio: number;
  text: string;
}

export function parseBudget(text: string): BandwidthBudget {
  const t = String(text).trim();
  return { ratio: parseBandwidthRatio(t, 'budget'), text: t.replace(/\s+/g, '') };
}

/** `--budget` as a comma list (a budget sweep), each parsed; a ratio given twice is refused. */
export function parseBudgetList(text: string): BandwidthBudget[] {
  const items = String(text).split(',').map((t) => t.trim());
  if (items.some((t) => t === '')) throw new UserError(`--budget ${text}: empty entry; give k/n values such as 1/12 or 1/24,1/12,1/6`);
  const budgets = items.map(parseBudget).sort((a, b) => a.ratio - b.ratio);
  for (let i = 1; i < budgets.length; i++) {
    if (budgets[i].ratio === budgets[i - 1].ratio) throw new UserError(`--budget ${text}: ${budgets[i - 1].text} and ${budgets[i].text} are the same ratio; give each once`);
  }
  return budgets;
}

/** The symbols bandwidth ratio k/n allows an H×W×3 image: ⌊k/n·H·W·3⌋. */
export function symbolCap(ratio: number, width: number, height: number): number {
  // The epsilon keeps exact products such as 1179648/6 from landing a hair below the integer.
  return Math.floor(ratio * width * height * 3 + 1e-9);
}

/** `budget-1_12`: the sub-folder of one budget in a budget sweep. */
export function budgetFolderName(budget: BandwidthBudget): string {
  return `budget-${budget.text.replace(/\//g, '_')}`;
}
