import { UserError } from '../bench/errors';
import { checkAgainstGolden, updateGolden } from './check';
import { renderPlots } from './render';
import { buildReport } from './report';

/**
 * The `plot` and `check` commands without yargs: bench/cli.ts parses the flags and calls these,
 * printing the returned lines (and setting the exit code that `checkCommand` returns).
 */
export interface PlotCommandArgs {
  in: string;
  out?: string;
  /** Write index.html too (default true). */
  report?: boolean;
  scale?: number;
  /** Comma list of figure ids. */
  only?: string;
  /** Comma list of gallery SNRs in dB. */
  gallerySnr?: string;
  galleryImages?: number;
}

function parseNumberList(text: string, flag: string): number[] {
  const parts = text.split(',').map((t) => t.trim()).filter(Boolean);
  const vals = parts.map(Number);
  if (parts.length === 0 || vals.some((v) => !Number.isFinite(v))) throw new UserError(`${flag} ${text}: expected a comma list of numbers, e.g. 0,9,18`);
  return vals;
}

export async function plotCommand(a: PlotCommandArgs): Promise<string[]> {
  if (a.galleryImages !== undefined && !(Number.isInteger(a.galleryImages) && a.galleryImages >= 0)) {
    throw new UserError(`--gallery-images ${a.galleryImages}: expected a whole number ≥ 0`);
  }
  const rendered = await renderPlots({
    inDir: a.in,
    outDir: a.out,
    scale: a.scale,
    only: a.only ? a.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
  });
  const lines = rendered.figures.map((f) => `${rendered.outDir}/${f.files.png} (+ .svg, .vl.json): ${f.title}`);
  for (const s of rendered.skipped) lines.push(`not drawn: ${s.title}: ${s.reason}`);
  for (const w of rendered.warnings) lines.push(`warning: ${w}`);
  if (rendered.meta.status && rendered.meta.status !== 'complete') {
    lines.push(`note: ${a.in} holds a run with status "${rendered.meta.status}": the figures show partial results`);
  }
  if (a.report !== false) {
    const rep = await buildReport({
      rendered,
      gallerySnrs: a.gallerySnr ? parseNumberList(a.gallerySnr, '--gallery-snr') : undefined,
      galleryImages: a.galleryImages,
    });
    lines.push(
      `${rep.file}: report with ${rendered.figures.length} figures, summary, run metadata, gallery of ${rep.galleryImages.length} image(s) at ${rep.gallerySnrs.join(', ') || '—'} dB`,
    );
  }
  return lines;
}

export interface CheckCommandArgs {
  in?: string;
  golden: string;
  rerun?: boolean;
  updateGolden?: boolean;
  tol?: string;
  limit?: number;
  keep?: boolean;
}

/** Exit code 1 when the check fails (a value beyond tolerance, a missing or extra row, a changed signature). */
export async function checkCommand(a: CheckCommandArgs): Promise<{ lines: string[]; exitCode: number }> {
  if (a.limit !== undefined && !(Number.isInteger(a.limit) && a.limit >= 0)) throw new UserError(`--limit ${a.limit}: expected a whole number ≥ 0`);
  if (a.in && a.rerun) throw new UserError('give either --in RESULTS or --rerun, not both');
  if (a.updateGolden) {
    const u = await updateGolden({ inDir: a.in, golden: a.golden, rerun: a.rerun, tol: a.tol, limit: a.limit });
    return { lines: [u.report], exitCode: 0 };
  }
  const r = await checkAgainstGolden({ inDir: a.in, golden: a.golden, rerun: a.rerun, tol: a.tol, limit: a.limit, keep: a.keep });
  return { lines: [r.report], exitCode: r.ok ? 0 : 1 };
}
