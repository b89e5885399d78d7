/**
 * Speed and error rate of the LDPC decoders, all in one run on the same frames, one thread:
 * information Mbit/s (k bits per frame over decoding wall time only, as the AFF3CT anchors in
 * DESIGN.md count it), average iterations, block and bit error rates.
 *
 * Run: `npm run build && node dist/bench/phy/ldpc/bench-decoders.js [--ebn0 2] [--frames 4000]
 *   [--min-seconds 2] [--max-seconds 5] [--max-iterations 20] [--code wifi-1944-1/2|wifi-648-1/2]
 *   [--decoders wasm-simd,scalar,sum-product,flooding] [--min-sum-scale 0.75] [--min-sum-offset 0]`
 * Prints one JSON object per decoder and line.
 *
 * Frames carry the all-zero codeword (QPSK, Gray: two BPSK bits per symbol, AWGN). Until the
 * encoders land, that stands in for random codewords: every decoder here is symmetric (its
 * message updates commute with flipping the signs of the LLRs of a codeword's ones; the 16-bit
 * kernel up to rounding ties and its one-step-wider negative saturation), so on a symmetric
 * channel error rate and iteration count do not depend on the codeword. The tests decode random
 * codewords.
 */
import * as os from 'os';
import { parseArgs } from 'util';
import { awgnChannel } from '../awgn';
import { rngFromText } from '../rng';
import { esN0FromEbN0, noiseVariance } from '../snr';
import { createLdpcDecoder, type LdpcDecoder, type LdpcDecoderOptions } from './decoder';
import type { QcBlock, QcLdpcCode } from './qc-code';

/**
 * IEEE 802.11n-2009 prototype matrices (§20.3.11.7.4 / Annex R): −1 is a zero block. Here only
 * until `parseLdpcSpec('wifi:1944:1/2')` from the code constructions can be used instead.
 */
const WIFI_PROTOTYPES: Record<string, { z: number; base: number[][] }> = {
  'wifi-1944-1/2': {
    z: 81,
    base: [
      [57, -1, -1, -1, 50, -1, 11, -1, 50, -1, 79, -1, 1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],
      [3, -1, 28, -1, 0, -1, -1, -1, 55, 7, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1],
      [30, -1, -1, -1, 24, 37, -1, -1, 56, 14, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1],
      [62, 53, -1, -1, 53, -1, -1, 3, 35, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1],
      [40, -1, -1, 20, 66, -1, -1, 22, 28, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1],
      [0, -1, -1, -1, 8, -1, 42, -1, 50, -1, -1, 8, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1],
      [69, 79, 79, -1, -1, -1, 56, -1, 52, -1, -1, -1, 0, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1],
      [65, -1, -1, -1, 38, 57, -1, -1, 72, -1, 27, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1],
      [64, -1, -1, -1, 14, 52, -1, -1, 30, -1, -1, 32, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1],
      [-1, 45, -1, 70, 0, -1, -1, -1, 77, 9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1],
      [2, 56, -1, 57, 35, -1, -1, -1, -1, -1, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0],
      [24, -1, 61, -1, 60, -1, -1, 27, 51, -1, -1, 16, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0],
    ],
  },
  'wifi-648-1/2': {
    z: 27,
    base: [
      [0, -1, -1, -1, 0, 0, -1, -1, 0, -1, -1, 0, 1, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],
      [22, 0, -1, -1, 17, -1, 0, 0, 12, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1],
      [6, -1, 0, -1, 10, -1, -1, -1, 24, -1, 0, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1],
      [2, -1, -1, 0, 20, -1, -1, -1, 25, 0, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1, -1],
      [23, -1, -1, -1, 3, -1, -1, -1, 0, -1, 9, 11, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1, -1],
      [24, -1, 23, 1, 17, -1, 3, -1, 10, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1, -1],
      [25, -1, -1, -1, 8, -1, -1, -1, 7, 18, -1, -1, 0, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1, -1],
      [13, 24, -1, -1, 0, -1, 8, -1, 6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1, -1],
      [7, 20, -1, 16, 22, 10, -1, -1, 23, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1, -1],
      [11, -1, -1, -1, 19, -1, -1, -1, 13, -1, 3, 17, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, -1],
      [25, -1, 8, -1, 23, 18, -1, 14, 9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0],
      [3, -1, -1, -1, 16, -1, -1, 2, 25, 5, -1, -1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0],
    ],
  },
};

function wifiCode(name: string): QcLdpcCode {
  const prototype = WIFI_PROTOTYPES[name];
  if (!prototype) throw new Error(`unknown --code ${name}; known: ${Object.keys(WIFI_PROTOTYPES).join(', ')}`);
  const { z, base } = prototype;
  const blocks: QcBlock[] = [];
  base.forEach((cols, row) => cols.forEach((shift, col) => shift >= 0 && blocks.push({ row, col, shift })));
  const baseCols = base[0].length;
  return { name, z, baseRows: base.length, baseCols, blocks, k: (baseCols - base.length) * z };
}

/** LLRs of the all-zero codeword after Gray QPSK (bit b → (1 − 2b)/√2 per component) and AWGN. */
function qpskAllZeroLlrs(n: number, esN0Db: number, seedText: string, frames: number): Float32Array[] {
  const rng = rngFromText(seedText);
  const amplitude = Math.SQRT1_2;
  // Per real component: y = ±1/√2 + N(0, N0/2), so LLR = 2·(1/√2)·y / (N0/2) = 2√2·y / N0.
  const llrPerSample = (2 * Math.SQRT2) / noiseVariance(esN0Db);
  const symbols = new Float32Array(2 * Math.ceil(n / 2)).fill(amplitude);
  const out: Float32Array[] = [];
  for (let f = 0; f < frames; f++) {
    const received = awgnChannel(symbols, esN0Db, rng);
    const llr = new Float32Array(n);
    for (let v = 0; v < n; v++) llr[v] = llrPerSample * received[v];
    out.push(llr);
  }
  return out;
}

interface DecoderRun {
  decoder: string;
  /** Distinct frames decoded: the error rates are over these. */
  frames: number;
  /** Frame decodings timed: a fast decoder goes over the frames again to fill `minSeconds`. */
  framesTimed: number;
  seconds: number;
  infoMbps: number;
  /** Same, over this process's CPU time: less disturbed when other processes share the cores. */
  infoMbpsCpuTime: number;
  avgIterations: number;
  bler: number;
  ber: number;
}

/**
 * Times batches of 256 frames, after an untimed warm-up batch: through all frames unless
 * `maxSeconds` pass first (at least one batch), then round again until `minSeconds` have passed.
 * Errors (against the all-zero codeword) and iterations count the first decoding of each frame.
 */
function measure(decoder: LdpcDecoder, llrs: Float32Array[], k: number, minSeconds: number, maxSeconds: number): DecoderRun {
  const batch = 256;
  decoder.decodeBatch(llrs.slice(0, Math.min(llrs.length, 32)));
  let frames = 0;
  let framesTimed = 0;
  let iterations = 0;
  let blockErrors = 0;
  let bitErrors = 0;
  let elapsed = 0;
  let cpuSeconds = 0;
  while (framesTimed === 0 || (frames < llrs.length ? elapsed < maxSeconds : elapsed < minSeconds)) {
    const start = framesTimed % llrs.length;
    const chunk = llrs.slice(start, start + batch);
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const results = decoder.decodeBatch(chunk);
    const cpu = process.cpuUsage(cpu0);
    elapsed += Number(process.hrtime.bigint() - t0) / 1e9;
    cpuSeconds += (cpu.user + cpu.system) / 1e6;
    framesTimed += chunk.length;
    if (frames === llrs.length) continue;
    for (const r of results) {
      iterations += r.iterations;
      let errors = 0;
      for (let v = 0; v < k; v++) errors += r.bits[v];
      bitErrors += errors;
      if (errors > 0 || !r.success) blockErrors++;
    }
    frames += chunk.length;
  }
  return {
    decoder: decoder.name,
    frames,
    framesTimed,
    seconds: round(elapsed, 3),
    infoMbps: round((framesTimed * k) / elapsed / 1e6, 3),
    infoMbpsCpuTime: round((framesTimed * k) / cpuSeconds / 1e6, 3),
    avgIterations: round(iterations / frames, 3),
    bler: blockErrors / frames,
    ber: bitErrors / (frames * k),
  };
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

const DECODER_OPTIONS: Record<string, LdpcDecoderOptions> = {
  'wasm-simd': { algorithm: 'min-sum', implementation: 'wasm-simd' },
  scalar: { algorithm: 'min-sum', implementation: 'scalar' },
  'sum-product': { algorithm: 'sum-product' },
  flooding: { algorithm: 'flooding-sum-product' },
};

function main(): void {
  const { values } = parseArgs({
    options: {
      code: { type: 'string', default: 'wifi-1944-1/2' },
      ebn0: { type: 'string', default: '2' },
      frames: { type: 'string', default: '4000' },
      'min-seconds': { type: 'string', default: '2' },
      'max-seconds': { type: 'string', default: '5' },
      'max-iterations': { type: 'string', default: '20' },
      decoders: { type: 'string', default: Object.keys(DECODER_OPTIONS).join(',') },
      'min-sum-scale': { type: 'string' },
      'min-sum-offset': { type: 'string' },
    },
  });
  const code = wifiCode(values.code);
  const n = code.baseCols * code.z;
  const ebN0Db = Number(values.ebn0);
  const rate = code.k / n;
  const esN0Db = esN0FromEbN0(ebN0Db, 2, rate);
  const frames = Number(values.frames);
  const llrs = qpskAllZeroLlrs(n, esN0Db, `bench-decoders:${code.name}:${ebN0Db}`, frames);
  const common: LdpcDecoderOptions = {
    maxIterations: Number(values['max-iterations']),
    minSumScale: values['min-sum-scale'] === undefined ? undefined : Number(values['min-sum-scale']),
    minSumOffset: values['min-sum-offset'] === undefined ? undefined : Number(values['min-sum-offset']),
  };
  const runs = new Map<string, DecoderRun>();
  for (const key of values.decoders.split(',')) {
    const options = DECODER_OPTIONS[key];
    if (!options) throw new Error(`unknown decoder ${key}; known: ${Object.keys(DECODER_OPTIONS).join(', ')}`);
    const decoder = createLdpcDecoder(code, { ...common, ...options });
    const run = measure(decoder, llrs, code.k, Number(values['min-seconds']), Number(values['max-seconds']));
    runs.set(key, run);
    const context = { node: process.version, cpu: os.cpus()[0]?.model, loadAverage1m: os.loadavg()[0] };
    console.log(JSON.stringify({ code: code.name, n, k: code.k, ebN0Db, esN0Db: round(esN0Db, 3), maxIterations: common.maxIterations, ...run, ...context }));
  }
  // The reference point of the speed requirement: the flooding sum-product of this same run.
  const flooding = runs.get('flooding');
  if (flooding) {
    const speedupOverFlooding = Object.fromEntries([...runs.values()].map((r) => [r.decoder, round(r.infoMbps / flooding.infoMbps, 2)]));
    console.log(JSON.stringify({ code: code.name, ebN0Db, speedupOverFlooding }));
  }
}

try {
  main();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
