import * as fs from 'fs';
import * as path from 'path';
import { METRICS_COLUMNS } from '../../bench/sweep/results';
import { checkLetterClaims, LETTER_CLAIMS, letterReport } from '../../plots/letter-claims';
import { cliEnv, runCli, tempDir } from '../cli/helpers';
import { cliRequirement, describeWith, fileRequirement, testWith } from '../requirements';

const LETTER = path.join(__dirname, '..', '..', '..', 'shared', 'paper', 'multi-sc-letter.txt');

const GRID = [-3, 0, 3, 6, 9, 12, 15, 18, 21];
type Curve = (snr: number) => number;
type SchemeCurves = Record<string, { cosine: Curve; lpips: Curve }>;

/** A results folder whose per-image values scatter ±0.01 around the given curves (3 images). */
function writeRun(dir: string, dataset: string, schemes: SchemeCurves, grid = GRID): string {
  fs.mkdirSync(dir, { recursive: true });
  const lines = [METRICS_COLUMNS.join(',')];
  for (const [scheme, c] of Object.entries(schemes)) {
    for (const snr of grid) {
      [-0.01, 0, 0.01].forEach((jitter, i) => {
        const row: Record<string, string | number> = { dataset, scheme, profile: 'lite', snr_db: snr, image: `img${i}`, seed: 0, cosine: c.cosine(snr) + jitter, lpips: c.lpips(snr) + jitter, bleu: '', psnr: 20, ms_ssim: 0.9, channel_symbols: 1000, bits_sent: '', wall_ms: 1 };
        lines.push(METRICS_COLUMNS.map((k) => row[k]).join(','));
      });
    }
  }
  fs.writeFileSync(path.join(dir, 'metrics.csv'), lines.join('\n') + '\n');
  return dir;
}

const flat = (v: number): Curve => () => v;

/** Curves on which every claim of the letter holds. */
const HOLDING: Record<'voc2012' | 'kodak24', SchemeCurves> = {
  voc2012: {
    'multi-sc': { cosine: flat(0.82), lpips: flat(0.3) },
    'single-text': { cosine: flat(0.8), lpips: flat(0.31) },
    'vlm-csc': { cosine: flat(0.65), lpips: flat(0.33) },
    'deep-jscc': { cosine: flat(0.7), lpips: flat(0.37) },
    'bpg-ldpc': { cosine: (s) => (s < 3 ? 0.1 : 0.8), lpips: (s) => (s < 3 ? 0.95 : 0.32) },
  },
  kodak24: {
    'multi-sc': { cosine: flat(0.8), lpips: flat(0.5) },
    'bpg-ldpc': { cosine: flat(0.8), lpips: (s) => (s < 3 ? 0.95 : 0.5 - (s - 12) / 100) },
  },
};

/** Curves on which every claim fails. */
const FAILING: Record<'voc2012' | 'kodak24', SchemeCurves> = {
  voc2012: {
    'multi-sc': { cosine: flat(0.7), lpips: flat(0.6) },
    'single-text': { cosine: flat(0.7), lpips: flat(0.4) },
    'vlm-csc': { cosine: flat(0.2), lpips: flat(0.4) },
    'deep-jscc': { cosine: flat(0.9), lpips: flat(0.4) },
    'bpg-ldpc': { cosine: flat(0.99), lpips: flat(0.2) },
  },
  kodak24: {
    'multi-sc': { cosine: flat(0.8), lpips: flat(0.5) },
    'bpg-ldpc': { cosine: flat(0.99), lpips: flat(0.2) },
  },
};

let work: string;
beforeAll(() => {
  work = tempDir('letter');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('check --letter', () => {
  test('every claim holds on curves made to satisfy it; 19 dB is read between 18 and 21 dB', () => {
    const dirs = (['voc2012', 'kodak24'] as const).map((d) => writeRun(path.join(work, `hold-${d}`), d, HOLDING[d]));
    const rows = checkLetterClaims(dirs);
    expect(rows.map((r) => [r.claim.id, r.verdict.status])).toEqual(LETTER_CLAIMS.map((c) => [c.id, 'holds']));
    const vsJscc = rows.find((r) => r.claim.id === 'voc-lpips-19dB-vs-deep-jscc')!;
    expect(vsJscc.verdict.ours).toMatch(/^18\.9% \(Multi-SC 0\.300 ± 0\.025, deep JSCC 0\.370 ± 0\.025\)$/);
    expect(vsJscc.verdict.note).toBe('interpolated between 18 and 21 dB');
    expect(rows.find((r) => r.claim.id === 'kodak-bpg-meets-multisc-lpips-12dB')!.verdict.ours).toBe('cross at 12.0 dB');
    expect(letterReport(rows, true).exitCode).toBe(0);
  });

  test('every claim fails on curves made to contradict it; --strict then exits 1', () => {
    const dirs = (['voc2012', 'kodak24'] as const).map((d) => writeRun(path.join(work, `fail-${d}`), d, FAILING[d]));
    const rows = checkLetterClaims(dirs);
    expect(rows.map((r) => [r.claim.id, r.verdict.status])).toEqual(LETTER_CLAIMS.map((c) => [c.id, 'fails']));
    const report = letterReport(rows, false);
    expect(report.exitCode).toBe(0);
    expect(report.lines).toContain(`0 hold, ${LETTER_CLAIMS.length} fail, 0 not run.`);
    expect(letterReport(rows, true).exitCode).toBe(1);
  });

  test('a dataset, scheme or SNR the results lack makes its claims "not run", saying why', () => {
    const kodakOnly = checkLetterClaims([writeRun(path.join(work, 'kodak-only'), 'kodak24', HOLDING.kodak24)]);
    for (const r of kodakOnly) expect(r.verdict.status).toBe(r.claim.dataset === 'kodak24' ? 'holds' : 'not run');
    expect(kodakOnly[0].verdict.note).toBe('no voc2012 results given');
    const lowGrid = checkLetterClaims([writeRun(path.join(work, 'voc-low'), 'voc2012', HOLDING.voc2012, [-3, 0, 3, 6, 9, 12])]);
    const at19 = lowGrid.find((r) => r.claim.id === 'voc-lpips-19dB-vs-single-text')!;
    expect(at19.verdict.status).toBe('not run');
    expect(at19.verdict.note).toMatch(/around 19 dB are not both in the results/);
  });

  testWith(fileRequirement("the letter's text", LETTER, 'check out the project beside ../shared'))('every claim quotes a sentence of the letter verbatim', () => {
    const letter = fs.readFileSync(LETTER, 'utf8').replace(/\s+/g, ' ');
    for (const c of LETTER_CLAIMS) expect(letter.toLowerCase()).toContain(c.sentence.toLowerCase());
  });
});

describeWith(cliRequirement())('check --letter from the CLI', () => {
  test('prints the table; a folder without metrics.csv is one error line; --golden and --letter together are refused', () => {
    const dirs = (['voc2012', 'kodak24'] as const).map((d) => writeRun(path.join(work, `cli-${d}`), d, FAILING[d]));
    const env = cliEnv(path.join(work, 'cache'));
    const r = runCli(['check', '--letter', ...dirs], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('| claim | figure | the letter | ours (mean ± CI95) | verdict |');
    expect(runCli(['check', '--letter', ...dirs, '--strict'], env).status).toBe(1);
    const empty = runCli(['check', '--letter', work], env);
    expect(empty.status).toBe(1);
    expect(empty.stderr.trim()).toMatch(/^error: --letter .*: no metrics\.csv there/);
    expect(runCli(['check', '--letter', dirs[0], '--golden', 'x.csv'], env).stderr.trim()).toBe('error: check: give --golden FILE or --letter DIR..., not both');
  });
});
