import * as fs from 'fs';
import * as path from 'path';
import { formatSummaryCsv } from '../../bench/sweep/results';
import { parseBudgetsCsv, parseSummaryCsv, readRunMeta, type RunMeta } from '../../plots/data';
import { SCHEME_STYLES, schemeLabel, stylesFor } from '../../plots/schemes';
import { buildBudgetFigures, buildFigures, specOf } from '../../plots/specs/figures';
import { wrapCaption } from '../../plots/specs/metric-vs-snr';
import { fakeRows, makeResults, SIGNATURES, tempDir } from './fixtures';

const ALL = ['analog', 'bpg-ldpc', 'bpg-capacity', 'deep-jscc', 'multi-sc', 'single-text', 'vlm-csc'];

function summaryOf(rows: ReturnType<typeof fakeRows>) {
  return parseSummaryCsv(formatSummaryCsv(rows), 'summary.csv');
}

let meta: RunMeta;
beforeAll(async () => {
  const dir = tempDir('specs');
  await makeResults(dir, { schemes: ['analog'], samples: 0, seeds: 2 });
  meta = readRunMeta(dir);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The data records and encodings of a figure's spec, for inspection. */
function specParts(spec: unknown): { data: Record<string, unknown>[]; panels: Record<string, unknown>[]; title: { text: string; subtitle?: string[] } } {
  const s = spec as { datasets: { summary: Record<string, unknown>[] }; hconcat: Record<string, unknown>[]; title: { text: string; subtitle?: string[] } };
  return { data: s.datasets.summary, panels: s.hconcat, title: s.title };
}

describe('legend names and styles', () => {
  test('the letter\'s names, in the letter\'s order, then the references', () => {
    expect(stylesFor(ALL).map((s) => s.label)).toEqual([
      'Multi-SC',
      'Single-text SC',
      'VLM-CSC',
      'Deep JSCC',
      'BPG-LDPC',
      'BPG capacity bound',
      'Analog (uncoded)',
    ]);
    expect(new Set(SCHEME_STYLES.map((s) => s.color)).size).toBe(SCHEME_STYLES.length);
    expect(new Set(SCHEME_STYLES.map((s) => s.shape)).size).toBe(SCHEME_STYLES.length);
  });

  test('an unknown scheme keeps its name and gets a colour of its own', () => {
    const st = stylesFor(['zeta', 'analog', 'alpha']);
    expect(st.map((s) => s.label)).toEqual(['Analog (uncoded)', 'alpha', 'zeta']);
    expect(new Set(st.map((s) => s.color)).size).toBe(3);
    expect(schemeLabel('new-thing')).toBe('new-thing');
  });
});

describe('buildFigures', () => {
  test('Kodak24 → Fig. 4 (a) cosine and (b) LPIPS, both panels and each alone, plus the extras', () => {
    const set = buildFigures(summaryOf(fakeRows({ schemes: ALL })), meta);
    expect(set.figures.map((f) => f.id)).toEqual(['fig4', 'fig4a-cosine', 'fig4b-lpips', 'extra-bleu', 'extra-psnr', 'extra-ms_ssim', 'extra-channel_symbols']);
    const fig4 = set.figures[0];
    expect(fig4.title).toBe('Fig. 4. Kodak24: (a) cosine similarity and (b) LPIPS versus SNR');
    const { panels, data } = specParts(specOf(fig4, 800));
    expect(panels).toHaveLength(2);
    expect(JSON.stringify(panels[0])).toContain('(a) Cosine similarity');
    expect(JSON.stringify(panels[1])).toContain('(b) LPIPS');
    expect(new Set(data.map((d) => d.label))).toEqual(new Set(stylesFor(ALL).map((s) => s.label)));
    // SNR axis in dB with the grid as ticks.
    expect(JSON.stringify(panels[0])).toContain('"title":"SNR (dB)"');
    expect(JSON.stringify(panels[0])).toContain('"values":[-3,0,3,6,9,12]');
  });

  test('VOC2012 → Fig. 3; another dataset gets a generic name', () => {
    expect(buildFigures(summaryOf(fakeRows({ dataset: 'voc2012' })), meta).figures[0].id).toBe('fig3');
    const other = buildFigures(summaryOf(fakeRows({ dataset: 'bsds500' })), meta).figures[0];
    expect(other.id).toBe('fig-bsds500');
    expect(other.title).toMatch(/^Figure\. bsds500:/);
  });

  test('BLEU shows the text schemes only, and is skipped (with a reason) when there are none', () => {
    const set = buildFigures(summaryOf(fakeRows({ schemes: ALL })), meta);
    const bleu = set.figures.find((f) => f.id === 'extra-bleu')!;
    expect(bleu.schemes.sort()).toEqual(['multi-sc', 'single-text', 'vlm-csc']);
    const none = buildFigures(summaryOf(fakeRows({ schemes: ['analog', 'bpg-ldpc'] })), meta);
    expect(none.figures.some((f) => f.id === 'extra-bleu')).toBe(false);
    expect(none.skipped.find((s) => s.id === 'extra-bleu')?.reason).toMatch(/no text scheme/);
  });

  test('CI bands: mean ± ci95 as lo/hi; none where n = 1', () => {
    const two = specParts(specOf(buildFigures(summaryOf(fakeRows({ seeds: 2 })), meta).figures[0], 800)).data;
    expect(two.every((d) => d.lo !== null && (d.lo as number) < (d.mean as number) && (d.hi as number) > (d.mean as number))).toBe(true);
    const one = specParts(
      specOf(buildFigures(summaryOf(fakeRows({ seeds: 1, images: ['kodim01'] })), meta).figures[0], 800),
    );
    expect(one.data.every((d) => d.lo === null && d.hi === null && d.ci95 === null)).toBe(true);
    expect(one.title.subtitle!.join(' ')).toMatch(/no CI band/);
  });

  test('the caption names dataset, profile, images, seeds, n and the metric signatures', () => {
    const f = buildFigures(summaryOf(fakeRows({ seeds: 2 })), meta).figures[0];
    const cap = specParts(specOf(f, 700)).title;
    const text = cap.subtitle!.join('');
    expect(cap.text).toBe('Fig. 4. Kodak24: (a) cosine similarity and (b) LPIPS versus SNR.');
    for (const s of ['Kodak24', 'profile lite', '3 images × 2 seeds', 'n = 6 per point', '95% CI']) expect(text).toContain(s);
    expect(text.replace(/\s/g, '')).toContain(SIGNATURES.cosine.replace(/\s/g, ''));
    expect(text.replace(/\s/g, '')).toContain(SIGNATURES.lpips.replace(/\s/g, ''));
  });

  test('channel symbols use a log axis when schemes differ by decades', () => {
    const set = buildFigures(summaryOf(fakeRows({ schemes: ['analog', 'multi-sc'] })), meta);
    const f = set.figures.find((x) => x.id === 'extra-channel_symbols')!;
    expect(f.panels[0].axis.log).toBe(true);
    const lin = buildFigures(summaryOf(fakeRows({ schemes: ['analog'] })), meta).figures.find((x) => x.id === 'extra-channel_symbols')!;
    expect(lin.panels[0].axis.log).toBeUndefined();
  });

  test('a folder with two profiles tells them apart in the legend', () => {
    const rows = [...fakeRows({ profile: 'lite' }), ...fakeRows({ profile: 'paper' })];
    const data = specParts(specOf(buildFigures(summaryOf(rows), meta).figures[0], 800)).data;
    expect(new Set(data.map((d) => d.label))).toEqual(new Set(['Analog (uncoded) [lite]', 'Analog (uncoded) [paper]']));
  });

  test('mixed datasets and empty summaries are user errors', () => {
    const rows = [...fakeRows({ dataset: 'kodak24' }), ...fakeRows({ dataset: 'voc2012' })];
    expect(() => buildFigures(summaryOf(rows), meta)).toThrow(/mixes datasets/);
    expect(() => buildFigures(summaryOf([]), meta)).toThrow(/no rows/);
  });
});

describe('wrapCaption', () => {
  test('wraps at spaces and signature separators, never losing a character', () => {
    const text = `A caption with words. ${SIGNATURES.ms_ssim}`;
    const lines = wrapCaption(text, 200, 10.5);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
  });
});

describe('data', () => {
  test('summary.csv with a damaged header or row is a user error naming the file', () => {
    expect(() => parseSummaryCsv('a,b\n1,2\n', 'x/summary.csv')).toThrow(/x\/summary.csv: column 1/);
    const good = formatSummaryCsv(fakeRows({}));
    const bad = good.replace(/\n([^\n]+)\n$/, '\n$1,extra\n');
    expect(() => parseSummaryCsv(bad, 's.csv')).toThrow(/fields, expected/);
  });

  test('a folder without run.json still plots (metadata unknown)', () => {
    const dir = tempDir('nometa');
    const m = readRunMeta(dir);
    expect(m.file).toBeNull();
    const f = buildFigures(summaryOf(fakeRows({})), m).figures[0];
    expect(specParts(specOf(f, 800)).title.subtitle!.join(' ')).toMatch(/signature not recorded/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the spec file is JSON with its data inlined (no URLs)', () => {
    const f = buildFigures(summaryOf(fakeRows({})), meta).figures[0];
    const json = JSON.stringify(specOf(f, 800));
    expect(json).not.toMatch(/"url"/);
    expect(path.extname('x.vl.json')).toBe('.json');
  });
});

describe('budget figures (budgets.csv of a budget sweep)', () => {
  /** budgets.csv text: the fake rows once per budget, each scheme's symbols capped at the budget. */
  function budgetsCsv(budgets: [string, number][]): string {
    const sizes = { kodim01: [768, 512], kodim02: [768, 512], kodim03: [768, 512] } as const;
    const lines = [['budget', 'budget_ratio', ...formatSummaryCsv([], sizes).trim().split(',')].join(',')];
    for (const [text, ratio] of budgets) {
      const rows = fakeRows({ schemes: ['analog', 'vlm-csc'], snrs: [9] }).map((r) => ({ ...r, channel_symbols: Math.min(r.channel_symbols, Math.floor(ratio * 768 * 512 * 3)) }));
      for (const line of formatSummaryCsv(rows, sizes).trim().split('\n').slice(1)) lines.push(`${text},${ratio},${line}`);
    }
    return lines.join('\n') + '\n';
  }

  test('x is the budget on a log scale labelled 1/k; the last panel is the k/n used, without a band', () => {
    const summary = parseBudgetsCsv(budgetsCsv([['1/24', 1 / 24], ['1/6', 1 / 6], ['1/2', 0.5]]), 'budgets.csv');
    expect(summary.rows.map((r) => r.budget!.text)).toEqual(['1/24', '1/24', '1/6', '1/6', '1/2', '1/2']);
    const set = buildBudgetFigures(summary, { ...meta, budget: '1/24, 1/6, 1/2' });
    expect(set.figures.map((f) => f.id)).toEqual(['budget-kodak24-snr9']);
    const f = set.figures[0];
    expect(f.metrics).toEqual(['cosine', 'lpips', 'psnr', 'kn']);
    const { panels, data } = specParts(specOf(f, 800));
    const x = (panels[0] as { layer: { encoding?: { x: Record<string, unknown> } }[] }).layer[0].encoding!.x;
    expect(x.field).toBe('budget');
    expect(x.scale).toMatchObject({ type: 'log', base: 2, domain: [1 / 24, 0.5] });
    expect(JSON.stringify(x.axis)).toContain("'1/' + format(1 / datum.value");
    // The k/n panel has no area layer; the others start with the CI band.
    const marks = (p: unknown) => (p as { layer: { mark: { type: string } }[] }).layer.map((l) => l.mark.type);
    expect(marks(panels[0])[0]).toBe('area');
    expect(marks(panels[3])).not.toContain('area');
    const used = data.filter((d) => d.metric === 'kn' && d.scheme === 'analog');
    expect(used.map((d) => d.budget_text)).toEqual(['1/24', '1/6', '1/2']);
    for (const d of used) expect(d.mean as number).toBeCloseTo(d.budget as number, 9);
  });

  test('a budgets.csv without its budget columns is one user error', () => {
    expect(() => parseBudgetsCsv(formatSummaryCsv(fakeRows({})), 'x/budgets.csv')).toThrow(/^x\/budgets\.csv: the header does not start with budget,budget_ratio/);
  });
});
