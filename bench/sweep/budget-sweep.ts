import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'csv-stringify/sync';
import { UserError } from '../errors';
import { writeFileAtomic } from '../fs-atomic';
import { budgetFolderName, isBudgetRefusal, type BandwidthBudget } from '../schemes/bandwidth-ratio';
import { BUDGET_COLUMNS, BUDGETS_FILE, formatNumber, readMetrics, summaryRecords, type ImageSizes } from './results';
import { outcomeText, runSweep, type SweepConfig } from './run';

/**
 * A budget sweep (`bench run --budget 1/24,1/12,1/6`): one ordinary sweep per budget, into
 * `<out>/budget-<k>_<n>/` (each a results folder of its own: plot, check, resume), then
 * `<out>/budgets.csv`, the summaries side by side: a row per budget × scheme × SNR.
 */

export async function runBudgetSweep(base: SweepConfig, budgets: readonly BandwidthBudget[]): Promise<{ lines: string[] }> {
  if (fs.existsSync(base.out) && !fs.statSync(base.out).isDirectory()) {
    throw new UserError(`--out ${base.out} is a file, not a folder: name a folder for the budget sweep (one sub-folder per budget)`);
  }
  const lines: string[] = [];
  const done: BandwidthBudget[] = [];
  for (const budget of budgets) {
    const out = path.join(base.out, budgetFolderName(budget));
    let o;
    try {
      o = await runSweep({ ...base, budget, out });
    } catch (e) {
      // No scheme of the run meets this budget: say so, and go on with the next.
      if (!isBudgetRefusal(e)) throw e;
      lines.push(`${out}: budget ${budget.text}: no scheme meets it: ${e.message}`);
      continue;
    }
    lines.push(`${out}: budget ${budget.text}: ${outcomeText(o)}`);
    done.push(budget);
  }
  if (done.length === 0) throw new UserError(`no budget of ${budgets.map((b) => b.text).join(', ')} is met by any scheme of the run: raise --budget`);
  const file = writeBudgetSummary(base.out, done);
  lines.push(`${file}: ${done.length} budgets (${done.map((b) => b.text).join(', ')}); draw them with: bench plot --in ${base.out}`);
  return { lines };
}

/** Writes `<dir>/budgets.csv` from the budgets' folders; returns its path. */
export function writeBudgetSummary(dir: string, budgets: readonly BandwidthBudget[]): string {
  const records: string[][] = [BUDGET_COLUMNS];
  for (const budget of budgets) {
    const sub = path.join(dir, budgetFolderName(budget));
    const run = JSON.parse(fs.readFileSync(path.join(sub, 'run.json'), 'utf8')) as { image_sizes?: ImageSizes };
    const { rows } = readMetrics(path.join(sub, 'metrics.csv'));
    for (const rec of summaryRecords(rows, run.image_sizes ?? {})) records.push([budget.text, formatNumber(budget.ratio), ...rec]);
  }
  const file = path.join(dir, BUDGETS_FILE);
  writeFileAtomic(file, stringify(records));
  return file;
}
