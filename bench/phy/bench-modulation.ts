/**
 * Micro-benchmark of 64-QAM mapping and demapping, Msymbols/s on one thread.
 * Run: npx tsc -p . && node dist/bench/phy/bench-modulation.js
 */
import { awgnChannel } from './awgn';
import { demapHard, demapLlrs } from './demapper';
import { multiplyByGains, rayleighBlockGains } from './fading';
import { mapBits, modulationFromName } from './modulation';
import { rngFromText } from './rng';
import { noiseVariance } from './snr';

const SYMBOLS = 1 << 18;
const SNR_DB = 15;

/** Best of several timed runs after a warm-up, so the JIT has compiled the hot path. */
function msymbolsPerSecond(run: () => unknown): number {
  run();
  let best = Infinity;
  for (let rep = 0; rep < 7; rep++) {
    const t0 = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return SYMBOLS / best / 1e6;
}

const mod = modulationFromName('64qam');
const rng = rngFromText('bench-modulation');
const bits = new Uint8Array(SYMBOLS * mod.bitsPerSymbol);
for (let i = 0; i < bits.length; i++) bits[i] = rng.nextUint32() & 1;
const { symbols } = mapBits(mod, bits);
const y = awgnChannel(symbols, SNR_DB, rng);
const h = rayleighBlockGains(SYMBOLS, 1, rng);
const yFaded = awgnChannel(multiplyByGains(symbols, h), SNR_DB, rng);
const n0 = noiseVariance(SNR_DB);

const cases: Array<[string, () => unknown]> = [
  ['map', () => mapBits(mod, bits)],
  ['demap hard, AWGN', () => demapHard(mod, y)],
  ['demap max-log, AWGN', () => demapLlrs(mod, y, n0, 'maxlog')],
  ['demap exact, AWGN', () => demapLlrs(mod, y, n0, 'exact')],
  ['demap max-log, fading', () => demapLlrs(mod, yFaded, n0, 'maxlog', h)],
  ['demap exact, fading', () => demapLlrs(mod, yFaded, n0, 'exact', h)],
];
console.log(`64-QAM, ${SYMBOLS} symbols, Es/N0 ${SNR_DB} dB, node ${process.version}`);
for (const [name, run] of cases) console.log(`${name.padEnd(24)} ${msymbolsPerSecond(run).toFixed(1).padStart(7)} Msymbols/s`);
