import { execFile, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { parseLdpcSpec } from '../../bench/phy/ldpc/codes';
import {
  blerCrossing,
  createLink,
  createSimDecoder,
  CSV_COLUMNS,
  pointsCsv,
  simulatePoint,
  type LinkConfig,
} from '../../bench/phy/ldpc/simulate';
import { modulationFromName } from '../../bench/phy/modulation';
import { describeWith, fileRequirement } from '../requirements';

/**
 * The LDPC BLER/BER simulator: determinism, the extremes of a curve, the BLER crossing, the CSV
 * columns, and the CLI's one-line errors (against the compiled CLI in dist/, when built).
 */
const scheme = parseLdpcSpec('wifi:648:1/2');
const config: LinkConfig = { scheme, modulation: modulationFromName('qpsk'), channel: 'awgn', demap: 'exact', seed: 7 };
// Scalar min-sum in-process: needs no compiled WebAssembly kernel.
const decoder = createSimDecoder(scheme, { decoder: 'minsum', implementation: 'scalar' });

describe('ldpc simulator (in process)', () => {
  test('the same seed gives the same frames and results; another seed other frames', () => {
    const a = createLink(config);
    const b = createLink(config);
    const c = createLink({ ...config, seed: 8 });
    expect(Array.from(a.frame(3, 1).llr)).toEqual(Array.from(b.frame(3, 1).llr));
    expect(Array.from(a.frame(3, 1).info)).toEqual(Array.from(b.frame(3, 1).info));
    expect(Array.from(c.frame(3, 1).info)).not.toEqual(Array.from(a.frame(3, 1).info));
    // Common random numbers: frame 3 carries the same word at every Eb/N0.
    expect(Array.from(a.frame(3, 4).info)).toEqual(Array.from(a.frame(3, 1).info));
    const limits = { maxFrames: 48, maxErrors: 10 };
    const p1 = simulatePoint(a, decoder, 1.5, limits);
    const p2 = simulatePoint(b, decoder, 1.5, { ...limits, batch: 5 });
    expect({ ...p2, seconds: 0 }).toEqual({ ...p1, seconds: 0 });
  });

  test('high Eb/N0: no errors; very low Eb/N0: every block wrong; E errors stop a point', () => {
    const link = createLink(config);
    const high = simulatePoint(link, decoder, 6, { maxFrames: 64, maxErrors: 10 });
    expect(high).toMatchObject({ frames: 64, blockErrors: 0, bitErrors: 0, bler: 0, ber: 0 });
    expect(high.avgIterations).toBeLessThan(4);
    const low = simulatePoint(link, decoder, -3, { maxFrames: 64, maxErrors: 12 });
    expect(low).toMatchObject({ frames: 12, blockErrors: 12, bler: 1 });
    expect(low.ber).toBeGreaterThan(0.1);
    expect(low.esN0Db).toBeCloseTo(-3 + 10 * Math.log10(2 * 0.5), 12);
  });

  test('Es/N0 = Eb/N0 + 10·log10(bits/symbol · k/e)', () => {
    const link = createLink({ ...config, scheme: parseLdpcSpec('nr:3072:4608'), modulation: modulationFromName('16qam') });
    expect(link.esN0Db(2)).toBeCloseTo(2 + 10 * Math.log10(4 * (3072 / 4608)), 12);
  });

  test('BLER crossing: log-linear between the points that bracket the target', () => {
    // AFF3CT's (648, 540) Wi-Fi points (VALIDATION.md): 1e-2 lies between 3.75 and 4 dB.
    const points = [
      { ebN0Db: 3.5, bler: 7.48e-2 },
      { ebN0Db: 3.75, bler: 2.27e-2 },
      { ebN0Db: 4, bler: 5.49e-3 },
    ];
    const c = blerCrossing(points, 1e-2);
    expect(c?.from).toBe(3.75);
    expect(c?.to).toBe(4);
    expect(c?.ebN0Db).toBeCloseTo(3.75 + (0.25 * Math.log10(2.27)) / Math.log10(2.27e-2 / 5.49e-3), 9);
    expect(blerCrossing([{ ebN0Db: 1, bler: 0.5 }, { ebN0Db: 2, bler: 0 }], 1e-2)).toBeUndefined();
    expect(blerCrossing([{ ebN0Db: 1, bler: 0.5 }, { ebN0Db: 2, bler: 0.1 }], 1e-2)).toBeUndefined();
  });

  test('CSV columns', () => {
    const link = createLink(config);
    const csv = pointsCsv([simulatePoint(link, decoder, 6, { maxFrames: 8, maxErrors: 1 })]);
    const [header, row] = csv.trim().split('\n');
    expect(header).toBe('ebno_db,frames,block_errors,bler,ber,avg_iters');
    expect(header.split(',')).toEqual([...CSV_COLUMNS]);
    expect(row.split(',').slice(0, 5)).toEqual(['6', '8', '0', '0', '0']);
  });
});

const CLI = path.join(__dirname, '..', '..', 'dist', 'bench', 'phy', 'ldpc', 'ldpc-sim-cli.js');
const cli = describeWith(fileRequirement('the compiled ldpc-sim CLI', CLI, 'run "npm run build" (npm test does)'));

cli('ldpc-sim CLI (compiled)', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--quiet'], { encoding: 'utf8', timeout: 60000 });

  test('table, CSV, negative grid, determinism under the seed', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ldpc-sim-'));
    const csv = path.join(dir, 'curve.csv');
    const args = ['--code', 'wifi:648:1/2', '--ebno', '-3:6:9', '--max-frames', '40', '--max-errors', '10', '--seed', '5', '--csv', csv];
    const first = run(args);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const table = first.stdout.trim().split('\n').filter((l) => !l.startsWith('#'));
    expect(table[0].trim().split(/\s+/)).toEqual([...CSV_COLUMNS]);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines[1].split(',').slice(0, 4)).toEqual(['-3', '10', '10', '1']);
    expect(lines[2].split(',').slice(0, 5)).toEqual(['6', '40', '0', '0', '0']);
    expect(fs.readdirSync(dir)).toEqual(['curve.csv']); // no temp files left
    const again = run(args);
    expect(again.stdout).toBe(first.stdout);
    expect(fs.readFileSync(csv, 'utf8')).toBe(lines.join('\n') + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('bad input: one error line, exit 1, no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['--code', 'nr:12:x', '--ebno', '1'], /LDPC spec 'nr:12:x'/],
      [['--code', 'wifi:1000:1/2', '--ebno', '1'], /no block length 1000/],
      [['--code', 'wifi:648:1/2', '--ebno', '1', '--mod', '8psk'], /unknown modulation "8psk"/],
      [['--code', 'wifi:648:1/2', '--ebno', '1', '--decoder', 'bp'], /--decoder "bp": use one of minsum, spa, flooding/],
      [['--code', 'wifi:648:1/2', '--ebno', '3:1:0.5'], /--ebno "3:1:0.5"/],
      [['--code', 'wifi:648:1/2', '--ebno', '1', '--max-frames', '0'], /--max-frames 0/],
      [['--code', 'wifi:648:1/2'], /Missing required argument: ebno/],
    ];
    const exec = promisify(execFile);
    await Promise.all(
      cases.map(async ([args, message]) => {
        const r = await exec(process.execPath, [CLI, ...args], { encoding: 'utf8' }).then(
          () => ({ code: 0, stderr: '', stdout: '' }),
          (e: { code: number; stderr: string; stdout: string }) => e,
        );
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^error: /);
        expect(lines[0]).toMatch(message);
      }),
    );
  });
});
