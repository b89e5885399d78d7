#!/usr/bin/env node
/**
 * LDPC BLER/BER simulator (issue "Physical layer", items 6–7):
 *
 *   npm run ldpc-sim -- --code nr:3072:6144 --ebno 0:4:0.25 [--mod qpsk] [--decoder minsum|spa|flooding]
 *     [--iters 20] [--max-frames 10000] [--max-errors 100] [--channel awgn|rayleigh] [--demap exact|maxlog]
 *     [--seed 1] [--csv FILE]
 *
 * Prints a table `ebno_db frames block_errors bler ber avg_iters` (one row as each point
 * finishes) and the Eb/N0 where the BLER crosses --target-bler; `--csv` writes the same columns,
 * rewritten atomically after every point. See simulate.ts for the chain and its randomness.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isUserError, UserError } from '../../errors';
import { writeFileAtomic } from '../../fs-atomic';
import { createProgress } from '../../progress';
import { modulationFromName } from '../modulation';
import { parseSnrGrid } from '../../sweep/grid';
import { glueNegativeValues, runMain, withUserErrors } from '../../cli-argv';
import { parseLdpcSpec } from './codes';
import {
  blerCrossing,
  createLink,
  createSimDecoder,
  CSV_COLUMNS,
  pointRow,
  pointsCsv,
  SIM_CHANNELS,
  SIM_DECODERS,
  simulatePoint,
  type PointResult,
  type SimChannel,
  type SimDecoderName,
} from './simulate';

function wholeNumber(v: unknown, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if ( !Number.isInteger(n) || n < min || n > max) {
    throw new UserError(`${flag} ${String(v)}: expected a whole number in ${min}…${max}`);
  }
  return n;
}

function oneOf<T extends string>(v: unknown, flag: string, allowed: readonly T[]): T {
  const s = String(v).trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(s)) throw new UserError(`${flag} "${String(v)}": use one of ${allowed.join(', ')}`);
  return s as T;
}

function parseEbnoGrid(text: string): number[] {
  try {
    return parseSnrGrid(text);
  } catch (e) {
    // The grid syntax is the harness's SNR grid; only the flag name differs.
    if (isUserError(e)) throw new UserError(e.message.replace(/^--snr /, '--ebno '));
    throw e;
  }
}

async function main(argv: string[]): Promise<void> {
  const a = await withUserErrors(
    yargs(glueNegativeValues(argv))
      .scriptName('ldpc-sim')
      .usage('$0 --code SPEC --ebno GRID [options]\n\nBLER/BER of an LDPC code: random words, encode, modulate, channel, soft demap, decode.')
      .option('code', { type: 'string', demandOption: true, describe: 'LDPC spec: nr:K:N (5G NR, e.g. nr:3072:6144) or wifi:N:R (802.11n, e.g. wifi:1944:1/2)' })
      .option('ebno', { type: 'string', demandOption: true, describe: 'Eb/N0 grid in dB: start:stop:step inclusive (e.g. -1:3:0.5) or a list 1,1.5,2' })
      .option('mod', { type: 'string', default: 'qpsk', describe: 'modulation: bpsk | qpsk | 16qam | 64qam | 256qam' })
      .option('decoder', { type: 'string', default: 'minsum', describe: 'minsum (layered normalised min-sum) | spa (layered sum-product) | flooding (flooding sum-product)' })
      .option('iters', { type: 'string', default: '20', describe: 'maximum decoder iterations' })
      .option('early-stop', { type: 'boolean', default: true, describe: 'stop decoding a frame at a zero syndrome (--no-early-stop: always run --iters)' })
      .option('max-frames', { type: 'string', default: '10000', describe: 'frames per Eb/N0 point at most' })
      .option('max-errors', { type: 'string', default: '100', describe: 'stop a point after this many block errors' })
      .option('channel', { type: 'string', default: 'awgn', describe: 'awgn | rayleigh (perfect CSI)' })
      .option('fading-block', { type: 'string', default: '1', describe: 'rayleigh: symbols per fading gain (1 = fast fading)' })
      .option('demap', { type: 'string', default: 'exact', describe: 'soft demapper: exact | maxlog' })
      .option('seed', { type: 'string', default: '1', describe: 'random seed (the same seed gives the same table)' })
      .option('target-bler', { type: 'string', default: '0.01', describe: 'report the Eb/N0 where the BLER crosses this (log-linear interpolation)' })
      .option('csv', { type: 'string', describe: `write ${CSV_COLUMNS.join(',')} to this file` })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .strict()
      .parserConfiguration({ 'camel-case-expansion': true })
      // A flag given twice keeps its last value.
      .middleware((args) => {
        for (const [key, v] of Object.entries(args)) if (key !== '_' && Array.isArray(v)) args[key] = v[v.length - 1];
      }, true)
      .check((args) => {
        if (args._.length > 0) throw new UserError(`unexpected argument "${String(args._[0])}" (see --help)`);
        return true;
      }),
  ).parseAsync();

  const scheme = parseLdpcSpec(String(a.code));
  const modulation = modulationFromName(String(a.mod));
  const decoderName = oneOf<SimDecoderName>(a.decoder, '--decoder', Object.keys(SIM_DECODERS) as SimDecoderName[]);
  const channel = oneOf<SimChannel>(a.channel, '--channel', SIM_CHANNELS);
  const demap = oneOf<'exact' | 'maxlog'>(a.demap, '--demap', ['exact', 'maxlog']);
  const grid = parseEbnoGrid(String(a.ebno));
  const maxIterations = wholeNumber(a.iters, '--iters', 1, 1000);
  const maxFrames = wholeNumber(a.maxFrames, '--max-frames', 1);
  const maxErrors = wholeNumber(a.maxErrors, '--max-errors', 1);
  const fadingBlock = wholeNumber(a.fadingBlock, '--fading-block', 1);
  const seed = wholeNumber(a.seed, '--seed', -Number.MAX_SAFE_INTEGER);
  const target = String(a.targetBler).trim() === '' ? NaN : Number(a.targetBler);
  if (!(target > 0 && target < 1)) throw new UserError(`--target-bler ${String(a.targetBler)}: expected a number between 0 and 1, e.g. 1e-2`);
  const csv = a.csv === undefined ? undefined : String(a.csv);
  if (csv !== undefined && csv.trim() === '') throw new UserError('--csv: give a file name');

  const link = createLink({ scheme, modulation, channel, demap, seed, fadingBlock });
  const decoder = createSimDecoder(scheme, { decoder: decoderName, maxIterations, earlyTermination: Boolean(a.earlyStop) });
  const offset = 10 * Math.log10(link.infoBitsPerSymbol);
  const fading = channel === 'rayleigh' ? ` (fading block ${fadingBlock})` : '';
  console.log(
    `# ldpc-sim ${scheme.name}: k=${scheme.k} e=${scheme.e} R=${fmt(scheme.rate, 6)}, decoding ${scheme.effective.name} (${scheme.effective.baseRows}×${scheme.effective.baseCols}, Z=${scheme.effective.z}); ` +
      `${modulation.name}, ${channel}${fading}, ${demap} demap; ${decoder.name}, ${maxIterations} iterations${a.earlyStop ? ', early stop' : ', no early stop'}; ` +
      `seed ${seed}; Es/N0 = Eb/N0 ${offset >= 0 ? '+' : '−'} ${Math.abs(offset).toFixed(3)} dB; ≤ ${maxFrames} frames or ${maxErrors} block errors per point`,
  );
  const widths = [8, 9, 13, 11, 11, 9];
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i])).join(' ');
  console.log(line(CSV_COLUMNS));

  const points: PointResult[] = [];
  for (const ebN0Db of grid) {
    const progress = createProgress({ label: `Eb/N0 ${ebN0Db} dB`, total: maxFrames, quiet: Boolean(a.quiet) });
    const point = simulatePoint(link, decoder, ebN0Db, { maxFrames, maxErrors }, (n) => progress.tick(n));
    if (!a.quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    points.push(point);
    const row = pointRow(point);
    console.log(line([row[0], row[1], row[2], sci(point.bler), sci(point.ber), row[5]]));
    if (csv !== undefined) writeFileAtomic(csv, pointsCsv(points));
  }
  const crossing = blerCrossing(points, target);
  console.log(
    crossing
      ? `# Eb/N0 at BLER ${target}: ${crossing.ebN0Db.toFixed(3)} dB (log-linear between ${crossing.from} and ${crossing.to} dB)`
      : `# Eb/N0 at BLER ${target}: not bracketed by the grid (or no errors at the point below it)`,
  );
}

const fmt = (x: number, digits: number): string => String(Number(x.toPrecision(digits)));
const sci = (x: number): string => (x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(3) : '');

runMain(() => main(hideBin(process.argv)));
