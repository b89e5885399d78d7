import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../bench/errors';
import { readMetrics, type MetricsRow } from '../bench/sweep/results';
import { meanCi95 } from '../bench/sweep/stats';

/**
 * `check --letter`: the letter's statements about its Figs. 3 and 4 as data, each with the sentence
 * it comes from, the letter's value and the rule that decides it on our curves (per-image means
 * ± 95% CI over a results folder's metrics.csv). A claim holds or fails; it is "not run" when the
 * results lack its dataset, schemes or SNRs. An SNR between two of the run's grid points is read
 * off the straight line between them (the table says so).
 */

type Metric = 'cosine' | 'lpips';

/** One point of a mean curve: the mean ± CI95 over images, and how it was obtained. */
interface Point {
  mean: number;
  ci95: number | null;
  /** The run's SNRs it was interpolated between, when the run lacks the SNR itself. */
  between?: [number, number];
}

/** Mean curves of one dataset: scheme → metric → SNR → per-image values. */
export class Curves {
  private readonly values = new Map<string, number[]>();
  private readonly snrs = new Map<string, number[]>();

  constructor(rows: readonly MetricsRow[]) {
    for (const r of rows) {
      for (const m of ['cosine', 'lpips'] as const) {
        const v = r[m];
        if (v === null || !Number.isFinite(v)) continue;
        const k = `${r.scheme}|${m}|${r.snr_db}`;
        const list = this.values.get(k) ?? [];
        list.push(v);
        this.values.set(k, list);
        const sk = `${r.scheme}|${m}`;
        const s = this.snrs.get(sk) ?? [];
        if (!s.includes(r.snr_db)) s.push(r.snr_db);
        this.snrs.set(sk, s);
      }
    }
    for (const s of this.snrs.values()) s.sort((a, b) => a - b);
  }

  /** The run's SNRs for a scheme's metric, ascending (empty when it was not run). */
  grid(scheme: string, metric: Metric): number[] {
    return this.snrs.get(`${scheme}|${metric}`) ?? [];
  }

  /** The mean ± CI95 at `snr`, interpolated between the nearest grid points around it; null outside the grid. */
  at(scheme: string, metric: Metric, snr: number): Point | null {
    const exact = this.values.get(`${scheme}|${metric}|${snr}`);
    if (exact) return meanCi95(exact);
    const g = this.grid(scheme, metric);
    const lo = g.filter((s) => s < snr).pop();
    const hi = g.find((s) => s > snr);
    if (lo === undefined || hi === undefined) return null;
    const a = meanCi95(this.values.get(`${scheme}|${metric}|${lo}`)!);
    const b = meanCi95(this.values.get(`${scheme}|${metric}|${hi}`)!);
    const t = (snr - lo) / (hi - lo);
    const ci95 = a.ci95 === null || b.ci95 === null ? null : a.ci95 + t * (b.ci95 - a.ci95);
    return { mean: a.mean + t * (b.mean - a.mean), ci95, between: [lo, hi] };
  }
}

export type ClaimStatus = 'holds' | 'fails' | 'not run';

export interface ClaimVerdict {
  status: ClaimStatus;
  /** Our value, in the claim's terms. */
  ours: string;
  /** Interpolated SNRs, or why it was not run. */
  note?: string;
}

export interface LetterClaim {
  id: string;
  dataset: 'voc2012' | 'kodak24';
  figure: string;
  /** The letter's sentence, verbatim. */
  sentence: string;
  /** The letter's value, short. */
  letter: string;
  /** How the claim is decided on our curves. */
  rule: string;
  evaluate(c: Curves): ClaimVerdict;
}

const fmt = (p: Point): string => `${p.mean.toFixed(3)}${p.ci95 === null ? '' : ` ± ${p.ci95.toFixed(3)}`}`;
const interpolated = (...ps: Point[]): string | undefined => {
  const notes = ps.filter((p) => p.between).map((p) => `interpolated between ${p.between![0]} and ${p.between![1]} dB`);
  return notes.length ? [...new Set(notes)].join('; ') : undefined;
};
const notRun = (why: string): ClaimVerdict => ({ status: 'not run', ours: '—', note: why });
const holds = (ok: boolean): ClaimStatus => (ok ? 'holds' : 'fails');

const NAMES: Record<string, string> = { 'multi-sc': 'Multi-SC', 'single-text': 'single-text SC', 'vlm-csc': 'VLM-CSC', 'deep-jscc': 'deep JSCC', 'bpg-ldpc': 'BPG-LDPC' };

/** "BPG-LDPC fails below 3 dB": LPIPS ≥ 0.8 at every SNR of the run below 3 dB. */
function bpgFailsBelow3(dataset: 'voc2012' | 'kodak24', figure: string, sentence: string): LetterClaim {
  return {
    id: `${dataset === 'voc2012' ? 'voc' : 'kodak'}-bpg-fails-below-3dB`,
    dataset,
    figure,
    sentence,
    letter: 'LPIPS ≈ 1 below 3 dB',
    rule: 'BPG-LDPC mean LPIPS ≥ 0.8 at every SNR of the run below 3 dB',
    evaluate(c) {
      const low = c.grid('bpg-ldpc', 'lpips').filter((s) => s < 3);
      if (!low.length) return notRun('no BPG-LDPC LPIPS below 3 dB in the results');
      const pts = low.map((s) => [s, c.at('bpg-ldpc', 'lpips', s)!] as const);
      return { status: holds(pts.every(([, p]) => p.mean >= 0.8)), ours: pts.map(([s, p]) => `${fmt(p)} at ${s} dB`).join(', ') };
    },
  };
}

/** "Multi-SC's LPIPS at 19 dB is x % better than `other`'s": holds when Multi-SC is better at all. */
function lpipsGainAt19(other: string, percent: number): LetterClaim {
  return {
    id: `voc-lpips-19dB-vs-${other}`,
    dataset: 'voc2012',
    figure: 'Fig. 3(b)',
    sentence:
      'under training SNR = 19 dB, an 18% improvement over deep JSCC, an 8% improvement over VLM-CSC, a 7% improvement over BPG-LDPC, and a 2% improvement over single-text SC, respectively.',
    letter: `Multi-SC ${percent}% lower LPIPS than ${NAMES[other]}`,
    rule: `1 − LPIPS(Multi-SC) / LPIPS(${NAMES[other]}) at 19 dB > 0 (the sign; the size is reported)`,
    evaluate(c) {
      const m = c.at('multi-sc', 'lpips', 19);
      const o = c.at(other, 'lpips', 19);
      if (!m || !o) return notRun(`Multi-SC and ${NAMES[other]} LPIPS around 19 dB are not both in the results`);
      const gain = 1 - m.mean / o.mean;
      return { status: holds(gain > 0), ours: `${(100 * gain).toFixed(1)}% (Multi-SC ${fmt(m)}, ${NAMES[other]} ${fmt(o)})`, note: interpolated(m, o) };
    },
  };
}

export const LETTER_CLAIMS: readonly LetterClaim[] = [
  bpgFailsBelow3(
    'voc2012',
    'Fig. 3(b)',
    'in Fig. 3(b), the LPIPS score of the BPG-LDPC model with less than SNR = 3 dB is very close to 1, indicating that the image quality transmitted by the traditional image transmission model is poor in a noisy environment.',
  ),
  {
    id: 'voc-bpg-meets-multisc-cosine-9dB',
    dataset: 'voc2012',
    figure: 'Fig. 3(a)',
    sentence:
      'In Fig. 3(a), when the SNR reaches 9 dB, the traditional image transmission system can transmit images with less damage. At this point, the cosine similarity scores of Multi-SC and BPG-LDPC are similar',
    letter: 'cosine of BPG-LDPC ≈ Multi-SC at 9 dB',
    rule: '|cosine(BPG-LDPC) − cosine(Multi-SC)| ≤ 0.05 at 9 dB',
    evaluate(c) {
      const b = c.at('bpg-ldpc', 'cosine', 9);
      const m = c.at('multi-sc', 'cosine', 9);
      if (!b || !m) return notRun('BPG-LDPC and Multi-SC cosine around 9 dB are not both in the results');
      return { status: holds(Math.abs(b.mean - m.mean) <= 0.05), ours: `BPG-LDPC ${fmt(b)}, Multi-SC ${fmt(m)}`, note: interpolated(b, m) };
    },
  },
  {
    id: 'voc-vlm-csc-cosine-0.6-0.7',
    dataset: 'voc2012',
    figure: 'Fig. 3(a)',
    sentence:
      'the VLM-CSC model, which relies solely on the text transmission, exhibits significant randomness in the image reconstruction, leading to a poor performance, with the cosine similarity maintained between 0.6 and 0.7.',
    letter: 'VLM-CSC cosine 0.6–0.7 at every SNR',
    rule: 'VLM-CSC mean cosine within [0.6, 0.7] at every SNR of the run',
    evaluate(c) {
      const g = c.grid('vlm-csc', 'cosine');
      if (!g.length) return notRun('no VLM-CSC cosine in the results');
      const means = g.map((s) => c.at('vlm-csc', 'cosine', s)!.mean);
      return { status: holds(means.every((v) => v >= 0.6 && v <= 0.7)), ours: `${Math.min(...means).toFixed(3)}–${Math.max(...means).toFixed(3)} over ${g[0]}…${g[g.length - 1]} dB` };
    },
  },
  lpipsGainAt19('deep-jscc', 18),
  lpipsGainAt19('vlm-csc', 8),
  lpipsGainAt19('bpg-ldpc', 7),
  lpipsGainAt19('single-text', 2),
  bpgFailsBelow3(
    'kodak24',
    'Fig. 4(a)',
    'As shown in Fig. 3(a) and Fig. 4(a), BPG-LDPC is essentially unable to complete the image transmission when the SNR is below 3 dB, resulting in severely damaged received images.',
  ),
  {
    id: 'kodak-bpg-meets-multisc-lpips-12dB',
    dataset: 'kodak24',
    figure: 'Fig. 4(b)',
    sentence: 'In Fig. 4(b), when the SNR is 12 dB, the LPIPS score of BPG coincides with that of our method.',
    letter: 'LPIPS curves of BPG-LDPC and Multi-SC cross at 12 dB',
    rule: 'the mean LPIPS curves of BPG-LDPC and Multi-SC cross (straight lines between grid points) within 12 ± 3 dB',
    evaluate(c) {
      const g = c.grid('bpg-ldpc', 'lpips').filter((s) => c.grid('multi-sc', 'lpips').includes(s));
      if (g.length < 2) return notRun('BPG-LDPC and Multi-SC LPIPS share fewer than 2 SNRs in the results');
      const d = g.map((s) => c.at('bpg-ldpc', 'lpips', s)!.mean - c.at('multi-sc', 'lpips', s)!.mean);
      const crossings: number[] = [];
      for (let i = 1; i < g.length; i++) {
        if (d[i - 1] === 0) crossings.push(g[i - 1]);
        else if (Math.sign(d[i - 1]) !== Math.sign(d[i]) && d[i] !== 0) crossings.push(g[i - 1] + (d[i - 1] / (d[i - 1] - d[i])) * (g[i] - g[i - 1]));
      }
      if (d[g.length - 1] === 0) crossings.push(g[g.length - 1]);
      if (!crossings.length) return { status: 'fails', ours: `no crossing over ${g[0]}…${g[g.length - 1]} dB (BPG-LDPC − Multi-SC from ${d[0].toFixed(3)} to ${d[d.length - 1].toFixed(3)})` };
      return { status: holds(crossings.some((x) => Math.abs(x - 12) <= 3)), ours: `cross at ${crossings.map((x) => `${x.toFixed(1)} dB`).join(', ')}` };
    },
  },
  {
    id: 'kodak-multisc-2pct-better-overall',
    dataset: 'kodak24',
    figure: 'Fig. 4(b)',
    sentence: 'However, overall, our method still shows a 2% improvement, demonstrating that the image reconstructed by our method is very similar to the source image.',
    letter: 'Multi-SC 2% lower LPIPS than BPG-LDPC overall',
    rule: '1 − mean LPIPS(Multi-SC) / mean LPIPS(BPG-LDPC), both averaged over the SNRs they share, > 0',
    evaluate(c) {
      const g = c.grid('bpg-ldpc', 'lpips').filter((s) => c.grid('multi-sc', 'lpips').includes(s));
      if (!g.length) return notRun('BPG-LDPC and Multi-SC LPIPS share no SNR in the results');
      const avg = (scheme: string) => g.reduce((a, s) => a + c.at(scheme, 'lpips', s)!.mean, 0) / g.length;
      const gain = 1 - avg('multi-sc') / avg('bpg-ldpc');
      return { status: holds(gain > 0), ours: `${(100 * gain).toFixed(1)}% over ${g[0]}…${g[g.length - 1]} dB (Multi-SC ${avg('multi-sc').toFixed(3)}, BPG-LDPC ${avg('bpg-ldpc').toFixed(3)})` };
    },
  },
];

export interface ClaimRow {
  claim: LetterClaim;
  verdict: ClaimVerdict;
  /** Profiles of the rows the claim was decided on. */
  profiles: string[];
}

/** Every claim decided on the rows of the given results folders (each a run's --out). */
export function checkLetterClaims(dirs: readonly string[]): ClaimRow[] {
  const rows: MetricsRow[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, 'metrics.csv');
    if (!fs.existsSync(file)) throw new UserError(`--letter ${dir}: no metrics.csv there; give a results folder of "bench run" (e.g. results/voc2012)`);
    rows.push(...readMetrics(file).rows);
  }
  return LETTER_CLAIMS.map((claim) => {
    const mine = rows.filter((r) => r.dataset === claim.dataset);
    if (!mine.length) return { claim, verdict: notRun(`no ${claim.dataset} results given`), profiles: [] };
    return { claim, verdict: claim.evaluate(new Curves(mine)), profiles: [...new Set(mine.map((r) => r.profile))] };
  });
}

/** The claims table as text lines (markdown), and the exit code (--strict: 1 when a claim fails). */
export function letterReport(rows: readonly ClaimRow[], strict: boolean): { lines: string[]; exitCode: number } {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| claim | figure | the letter | ours (mean ± CI95) | verdict |', '| --- | --- | --- | --- | --- |'];
  for (const { claim, verdict, profiles } of rows) {
    const note = [verdict.note, profiles.length ? `profile ${profiles.join(', ')}` : ''].filter(Boolean).join('; ');
    lines.push(`| ${claim.id} | ${claim.figure} | ${cell(claim.letter)} | ${cell(verdict.ours)}${note ? ` (${cell(note)})` : ''} | ${verdict.status} |`);
  }
  const count = (s: ClaimStatus) => rows.filter((r) => r.verdict.status === s).length;
  lines.push('', `${count('holds')} hold, ${count('fails')} fail, ${count('not run')} not run.`, '');
  for (const { claim } of rows) lines.push(`- ${claim.id} (${claim.figure}): "${claim.sentence}" Rule: ${claim.rule}.`);
  return { lines, exitCode: strict && count('fails') > 0 ? 1 : 0 };
}
