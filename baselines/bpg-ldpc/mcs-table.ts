import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../bench/errors';
import { rngFromText } from '../../bench/phy/rng';
import { packageRoot } from '../../bench/run-info';
import { defaultMcsList, type Mcs } from './budget';
import { linkDecoderName, sendOverLink, type LinkOptions } from './link';

/**
 * The transmitter-side MCS choice of BPG-LDPC (`--bpg-mcs auto`, the default): per cell, from the
 * SNR alone plus what the transmitter itself knows (its streams and their clean PSNR), never from
 * the noise draw. It needs each pair's codeword error rate (BLER) at that SNR: simulated once with
 * this link (same codes, demapper and decoder) and shipped as data, `mcs-bler.json`
 * (`npm run bench:bpg-mcs-table` writes it again).
 *
 * Rule: a pair's stream of C codewords arrives whole with probability (1 − BLER(SNR))^C. Among the
 * pairs where that is ≥ 1 − MAX_IMAGE_FAILURE, take the highest clean PSNR (ties: fewer symbols,
 * then list order); when no pair qualifies, the most likely to arrive. BLER between table points is
 * interpolated on log10(BLER) in dB; a point with no error counts as 1 / (2·frames).
 *
 * `--bpg-mcs oracle` is the old genie: every pair is sent and the best reconstruction kept.
 */
export const MAX_IMAGE_FAILURE = 0.1;

export const MCS_TABLE_FILE = path.join(packageRoot(), 'baselines', 'bpg-ldpc', 'mcs-bler.json');

/** The link the table was simulated with; a run with another link cannot use it. */
export const TABLE_LINK: LinkOptions = { algorithm: 'min-sum', maxIterations: 20, demap: 'exact' };

export interface McsBlerCurve {
  mcs: string;
  /** Es/N0 in dB, ascending, step 0.25 dB. */
  snrDb: number[];
  frames: number[];
  errors: number[];
}

export interface McsBlerTable {
  /** How it was made, e.g. `npm run bench:bpg-mcs-table`. */
  command: string;
  /** The link decoder's name (`linkDecoderName`), e.g. `min-sum/wasm-simd-i16x8(scale=0.6875)`, per pair. */
  decoders: Record<string, string>;
  iterations: number;
  demap: string;
  curves: McsBlerCurve[];
}

let loaded: McsBlerTable | null = null;

/** The shipped table; UserError when it is missing or unreadable. */
export function mcsBlerTable(file = MCS_TABLE_FILE): McsBlerTable {
  if (file === MCS_TABLE_FILE && loaded) return loaded;
  let t: McsBlerTable;
  try {
    t = JSON.parse(fs.readFileSync(file, 'utf8')) as McsBlerTable;
  } catch (e) {
    throw new UserError(`cannot read the BPG-LDPC MCS table ${file}: ${(e as Error).message} (run npm run bench:bpg-mcs-table, or use --bpg-mcs oracle)`);
  }
  if (file === MCS_TABLE_FILE) loaded = t;
  return t;
}

/** BLER of `mcs` at `snrDb` from the table (see the module comment); null when the pair is not in it. */
export function tableBler(table: McsBlerTable, mcs: string, snrDb: number): number | null {
  const c = table.curves.find((x) => x.mcs === mcs);
  if (!c) return null;
  const logBler = c.snrDb.map((_, i) => Math.log10(Math.max(c.errors[i], 0.5) / c.frames[i]));
  if (snrDb <= c.snrDb[0]) return 10 ** logBler[0];
  const last = c.snrDb.length - 1;
  // Past the last point the curve only falls: its last (error-free) estimate bounds it.
  if (snrDb >= c.snrDb[last]) return 10 ** logBler[last];
  let i = 1;
  while (c.snrDb[i] < snrDb) i++;
  const t = (snrDb - c.snrDb[i - 1]) / (c.snrDb[i] - c.snrDb[i - 1]);
  return 10 ** (logBler[i - 1] + t * (logBler[i] - logBler[i - 1]));
}

/** Probability that all `codewords` codewords of a stream arrive, at this BLER. */
export function arrivalProbability(bler: number, codewords: number): number {
  return codewords === 0 ? 1 : (1 - Math.min(1, bler)) ** codewords;
}

/** UserError unless the table was made with this link and holds every pair of the list. */
export function checkTableFits(table: McsBlerTable, list: readonly Mcs[], link: LinkOptions): void {
  for (const m of list) {
    const decoder = linkDecoderName(m, link);
    if (!table.curves.some((c) => c.mcs === m.name) || table.decoders[m.name] !== decoder || table.iterations !== link.maxIterations || table.demap !== link.demap) {
      throw new UserError(
        `--bpg-mcs auto: the shipped BLER table (${path.basename(MCS_TABLE_FILE)}) has no curve for ${m.name} with decoder ${decoder}, ` +
          `${link.maxIterations} iterations, ${link.demap} demapping; use --bpg-mcs oracle, or make the table for this link (npm run bench:bpg-mcs-table)`,
      );
    }
  }
}

/** Simulates one pair's BLER on a 0.25 dB grid from just below its Shannon limit until two error-free points. */
export function simulateMcsCurve(mcs: Mcs, link: LinkOptions, opts: { maxFrames: number; maxErrors: number; batch: number; seed?: string }): McsBlerCurve {
  const bitsPerUse = (mcs.ldpc.k / mcs.ldpc.e) * mcs.modulation.bitsPerSymbol;
  const limit = 10 * Math.log10(2 ** bitsPerUse - 1);
  const curve: McsBlerCurve = { mcs: mcs.name, snrDb: [], frames: [], errors: [] };
  let clean = 0;
  for (let snr = Math.floor(limit * 4) / 4; clean < 2 && snr <= 40; snr += 0.25) {
    const rng = rngFromText(`${opts.seed ?? 'bpg-mcs-table'}|${mcs.name}|${snr}`);
    let frames = 0;
    let errors = 0;
    while (frames < opts.maxFrames && errors < opts.maxErrors) {
      const stream = new Uint8Array((opts.batch * mcs.ldpc.k) / 8);
      for (let i = 0; i < stream.length; i++) stream[i] = rng.nextUint32() & 0xff;
      const r = sendOverLink(stream, mcs, snr, rng, link, false);
      frames += r.codewords;
      errors += r.failedCodewords;
      // Deep in the cliff one batch says BLER ≈ 1; more frames would add nothing.
      if (errors === frames && frames >= opts.batch) break;
    }
    curve.snrDb.push(snr);
    curve.frames.push(frames);
    curve.errors.push(errors);
    clean = errors === 0 ? clean + 1 : 0;
  }
  return curve;
}

/** `npm run bench:bpg-mcs-table [-- --frames N --out FILE]`: simulates every default pair and writes the table. */
function main(argv: string[]): void {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
  };
  const maxFrames = Number(arg('frames', '5000'));
  const out = arg('out', MCS_TABLE_FILE);
  const list = defaultMcsList();
  const curves: McsBlerCurve[] = [];
  for (const m of list) {
    const t0 = performance.now();
    const c = simulateMcsCurve(m, TABLE_LINK, { maxFrames, maxErrors: 100, batch: 100 });
    curves.push(c);
    const at = c.snrDb.map((s, i) => `${s}:${c.errors[i]}/${c.frames[i]}`).join(' ');
    process.stderr.write(`${m.name} (${((performance.now() - t0) / 1000).toFixed(1)} s): ${at}\n`);
  }
  const table: McsBlerTable = {
    command: `npm run bench:bpg-mcs-table -- --frames ${maxFrames}`,
    decoders: Object.fromEntries(list.map((m) => [m.name, linkDecoderName(m, TABLE_LINK)])),
    iterations: TABLE_LINK.maxIterations,
    demap: TABLE_LINK.demap,
    curves,
  };
  fs.writeFileSync(out, JSON.stringify(table, null, 1) + '\n');
  console.log(`wrote ${out}`);
}

if (require.main === module) main(process.argv.slice(2));
