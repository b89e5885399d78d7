import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bpgLdpcFactory, type BpgLdpcPrepared } from '../../baselines/bpg-ldpc/bpg-ldpc';
import { defaultMcsList, parseMcs } from '../../baselines/bpg-ldpc/budget';
import { linkDecoderName } from '../../baselines/bpg-ldpc/link';
import { arrivalProbability, mcsBlerTable, simulateMcsCurve, TABLE_LINK, tableBler, type McsBlerTable } from '../../baselines/bpg-ldpc/mcs-table';
import { createImage, type RgbImage } from '../../bench/image';
import { rngFor, rngFromText } from '../../bench/phy/rng';
import { isUserError } from '../../bench/errors';

/** A textured picture that compresses like a photo (as in bpg-cache.test.ts). */
function testImage(w: number, h: number): RgbImage {
  const r = rngFromText('bpg-mcs-choice');
  const img = createImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const luma = r.normal() * 6;
      const base = [(255 * x) / w, (255 * y) / h, 60 + 40 * Math.sin(x / 5)];
      for (let c = 0; c < 3; c++) img.data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(base[c] + luma + r.normal())));
    }
  return img;
}

const ctx = (snrDb: number, seed: number) => ({
  snrDb,
  seed,
  rng: (stream: string) => rngFor({ dataset: 't', image: 'img', scheme: 'bpg-ldpc', snrDb, seed, stream }),
});

describe('the BLER table behind --bpg-mcs auto', () => {
  const synthetic: McsBlerTable = {
    command: 'test',
    decoders: {},
    iterations: 20,
    demap: 'exact',
    curves: [{ mcs: 'x', snrDb: [0, 0.25, 0.5, 0.75], frames: [100, 200, 1000, 1000], errors: [100, 20, 1, 0] }],
  };

  test('log-linear between points, 1 / (2·frames) for an error-free point, flat outside', () => {
    expect(tableBler(synthetic, 'x', 0.25)).toBeCloseTo(0.1, 12);
    expect(tableBler(synthetic, 'x', 0.375)).toBeCloseTo(Math.sqrt(0.1 * 0.001), 12);
    expect(tableBler(synthetic, 'x', 0.75)).toBeCloseTo(0.0005, 12);
    expect(tableBler(synthetic, 'x', 9)).toBeCloseTo(0.0005, 12);
    expect(tableBler(synthetic, 'x', -9)).toBe(1);
    expect(tableBler(synthetic, 'y', 0)).toBeNull();
    expect(arrivalProbability(0.01, 10)).toBeCloseTo(0.99 ** 10, 12);
    expect(arrivalProbability(1, 0)).toBe(1);
  });

  test('the shipped table covers every default pair with this link, each curve falling from ≈1 to 0', () => {
    const table = mcsBlerTable();
    expect(table.iterations).toBe(TABLE_LINK.maxIterations);
    expect(table.demap).toBe(TABLE_LINK.demap);
    for (const m of defaultMcsList()) {
      expect(table.decoders[m.name]).toBe(linkDecoderName(m, TABLE_LINK));
      const c = table.curves.find((x) => x.mcs === m.name)!;
      expect(c.errors[0] / c.frames[0]).toBeGreaterThan(0.5);
      expect(c.errors.slice(-2)).toEqual([0, 0]);
      for (let i = 1; i < c.snrDb.length; i++) expect(c.snrDb[i] - c.snrDb[i - 1]).toBeCloseTo(0.25, 12);
    }
  });

  test("a fresh simulation (other frames) agrees with the table within 4 binomial σ at 1/2:qpsk's steepest point", () => {
    const table = mcsBlerTable();
    const c = table.curves.find((x) => x.mcs === '1/2:qpsk')!;
    const i = c.errors.findIndex((e, k) => e / c.frames[k] < 0.6 && e > 0);
    const snr = c.snrDb[i];
    const p = c.errors[i] / c.frames[i];
    const [m] = parseMcs('1/2:qpsk');
    const fresh = simulateMcsCurve(m, TABLE_LINK, { maxFrames: 400, maxErrors: 1e9, batch: 100, seed: 'a fresh draw' });
    const j = fresh.snrDb.indexOf(snr);
    expect(j).toBeGreaterThanOrEqual(0);
    const q = fresh.errors[j] / fresh.frames[j];
    expect(Math.abs(q - p)).toBeLessThanOrEqual(4 * Math.sqrt((p * (1 - p)) / fresh.frames[j]) + 1 / fresh.frames[j]);
  }, 120000);
});

describe('--bpg-mcs auto: chosen from the SNR, never from the noise', () => {
  const img = testImage(160, 120);
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-mcs-choice-'));
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  test('the same pair for every seed; spectral efficiency never falls as the SNR rises; the oracle is never worse', async () => {
    const opts = { 'bpg-ratio': '1/6', 'bpg-cache': 'off' };
    const auto = bpgLdpcFactory.create({ ...opts, 'bpg-mcs': 'auto' });
    const oracle = bpgLdpcFactory.create({ ...opts, 'bpg-mcs': 'oracle' });
    expect(auto.config.mcsChoice).toBe('auto(p_fail<=0.1)');
    expect(oracle.config.mcsChoice).toBe('oracle');
    const prepared = (await auto.prepare(img)) as BpgLdpcPrepared;
    const efficiency = (name: string) => {
      const [m] = parseMcs(name);
      return m.ldpc.rate * m.modulation.bitsPerSymbol;
    };
    let last = 0;
    for (const snr of [-6, -3, 0, 3, 6, 9, 12, 15, 18, 21]) {
      const picks = new Set<string>();
      for (const seed of [0, 1, 2]) {
        const a = await auto.transmit(prepared, ctx(snr, seed));
        const o = await oracle.transmit(prepared, ctx(snr, seed));
        picks.add(/\bmcs=(\S+)/.exec(a.detail!)![1]);
        expect(/\bp_arrive=\S+/.test(a.detail!)).toBe(true);
        const mse = (r: RgbImage) => r.data.reduce((s, v, k) => s + (v - img.data[k]) ** 2, 0);
        expect(mse(o.reconstruction)).toBeLessThanOrEqual(mse(a.reconstruction));
      }
      expect(picks.size).toBe(1);
      const e = efficiency([...picks][0]);
      expect(e).toBeGreaterThanOrEqual(last);
      last = e;
      if (snr === -6) expect([...picks][0]).toBe('1/3:bpsk');
    }
    expect(last).toBeGreaterThan(2); // at 21 dB a 64-QAM or 16-QAM 3/4 pair
  }, 300000);

  test('a link the table was not made with is refused in one line; one pair needs no table', () => {
    let e: unknown;
    try {
      bpgLdpcFactory.create({ 'bpg-mcs': 'auto', 'bpg-iterations': 10 });
    } catch (x) {
      e = x;
    }
    expect(isUserError(e)).toBe(true);
    expect((e as Error).message).toMatch(/--bpg-mcs auto: the shipped BLER table .* 10 iterations.*use --bpg-mcs oracle/);
    expect(bpgLdpcFactory.create({ 'bpg-mcs': '2/3:16qam', 'bpg-iterations': 10 }).config.mcs).toBe('2/3:16qam');
    expect(bpgLdpcFactory.create({ 'bpg-mcs': 'oracle', 'bpg-iterations': 10 }).config.mcsChoice).toBe('oracle');
  });
});
