import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../../bench/errors';
import {
  formatMetricsCsv, formatNumber, formatRow, formatSummaryCsv, metricsHeader, readMetrics, SUMMARY_COLUMNS, type MetricsRow,
} from '../../bench/sweep/results';

const row = (over: Partial<MetricsRow>): MetricsRow => ({
  dataset: 'kodak24', scheme: 'analog', profile: 'lite', snr_db: 0, image: 'kodim01', seed: 0,
  cosine: null, lpips: null, bleu: null, psnr: 20, ms_ssim: 0.9, channel_symbols: 589824, bits_sent: null, wall_ms: 12.5,
  ...over,
});

describe('metrics.csv', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-results-'));
  const file = path.join(dir, 'metrics.csv');

  test('header is the DESIGN.md column list', () => {
    expect(metricsHeader()).toBe('dataset,scheme,profile,snr_db,image,seed,cosine,lpips,bleu,psnr,ms_ssim,channel_symbols,bits_sent,wall_ms\n');
  });

  test('rows round-trip; a cut-off last line is not read', () => {
    const rows = [row({}), row({ image: 'a,"b"', psnr: Infinity, snr_db: -3 }), row({ psnr: 1 / 3 })];
    fs.writeFileSync(file, metricsHeader() + rows.map(formatRow).join('') + 'kodak24,analog,li');
    const back = readMetrics(file);
    expect(back.rows).toEqual(rows.map((r) => ({ ...r, psnr: r.psnr === 1 / 3 ? 0.3333333333 : r.psnr })));
    expect(back.validBytes).toBe(fs.statSync(file).size - 'kodak24,analog,li'.length);
  });

  test('a damaged row or a foreign header is a UserError', () => {
    fs.writeFileSync(file, metricsHeader() + 'a,b,c\n');
    expect(() => readMetrics(file)).toThrow(UserError);
    fs.writeFileSync(file, 'x,y\n');
    expect(() => readMetrics(file)).toThrow(UserError);
  });

  test('numbers are written canonically', () => {
    expect(formatNumber(null)).toBe('');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(-Infinity)).toBe('-inf');
  });

  test('rows are sorted canonically whatever the input order', () => {
    const a = [row({ snr_db: 10 }), row({ snr_db: -3 }), row({ image: 'kodim00' }), row({ scheme: 'aaa' })];
    expect(formatMetricsCsv(a)).toBe(formatMetricsCsv([...a].reverse()));
    const lines = formatMetricsCsv(a).trim().split('\n');
    expect(lines[1].startsWith('kodak24,aaa,')).toBe(true);
    expect(lines[2]).toContain(',-3,');
  });
});

describe('summary.csv', () => {
  test('mean and CI per scheme × SNR; empty metrics stay empty', () => {
    const rows = [row({ psnr: 10 }), row({ psnr: 20, image: 'kodim02' }), row({ psnr: 30, snr_db: 5 })];
    const lines = formatSummaryCsv(rows).trim().split('\n');
    expect(lines[0]).toBe(SUMMARY_COLUMNS.join(','));
    const cols = lines[1].split(',');
    const get = (name: string) => cols[SUMMARY_COLUMNS.indexOf(name)];
    expect(get('n')).toBe('2');
    expect(get('psnr_mean')).toBe('15');
    // t(0.975, 1) · s/√2 with s = √50
    expect(Number(get('psnr_ci95'))).toBeCloseTo((12.706204736432095 * Math.sqrt(50)) / Math.sqrt(2), 6);
    expect(get('lpips_mean')).toBe('');
    expect(lines[2].split(',')[SUMMARY_COLUMNS.indexOf('psnr_ci95')]).toBe('');
  });
});
