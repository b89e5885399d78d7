import { UserError } from '../../errors';
import { awgnChannel } from '../awgn';
import type { ComplexArray } from '../complex';
import { demapLlrs, type LlrMethod } from '../demapper';
import { rayleighBlockFading } from '../fading';
import { mapBits, type Modulation } from '../modulation';
import { rngFromText, type Rng } from '../rng';
import { esN0FromEbN0, noiseVariance } from '../snr';
import type { LdpcScheme } from './codes';
import { createLdpcDecoder, type LdpcAlgorithm, type LdpcDecoder, type MinSumImplementation } from './decoder';
import { codeLength } from './qc-code';

/**
 * Monte-Carlo BLER/BER of an LDPC scheme over a modulated channel (issue "Physical layer", item
 * 6): random information words → `scheme.encode` → `mapBits` → AWGN or Rayleigh fading at
 * Es/N0 = Eb/N0 + 10·log10(bits/symbol · k/e) (DESIGN.md's SNR convention, R = k/e of the scheme:
 * every transmitted bit counts, punctured and filler bits do not) → soft demapping →
 * `recoverLlrs` → decoding of `scheme.effective` → comparison of the k information bits.
 *
 * Randomness: frame f of a run is a pure function of (seed, scheme, modulation, channel, f): its
 * information bits, then its channel draws (fading gains, then noise), come from one generator
 * keyed by those values (`frameKey`). The Eb/N0 is deliberately not in the key: frame f carries
 * the same word and the same unit-variance noise at every point, only scaled (common random
 * numbers), so a curve is smooth and monotone up to decoder effects, and any point re-runs
 * identically alone. Batching does not change the result: frames are counted in order and a
 * point stops at the frame that brings the E-th block error.
 */

/** What the CLI's `--decoder` accepts, and the decoder options behind each name. */
export const SIM_DECODERS = {
  minsum: 'min-sum',
  spa: 'sum-product',
  flooding: 'flooding-sum-product',
} as const satisfies Record<string, LdpcAlgorithm>;
export type SimDecoderName = keyof typeof SIM_DECODERS;

export const SIM_CHANNELS = ['awgn', 'rayleigh'] as const;
export type SimChannel = (typeof SIM_CHANNELS)[number];

export interface LinkConfig {
  readonly scheme: LdpcScheme;
  readonly modulation: Modulation;
  readonly channel: SimChannel;
  readonly demap: LlrMethod;
  /** Any integer; with the other fields it fixes every random draw. */
  readonly seed: number;
  /** Rayleigh only: symbols per fading block (1 = a new gain per symbol). Default 1. */
  readonly fadingBlock?: number;
}

/** One simulated frame: the sent information bits and the decoder's input. */
export interface SimFrame {
  readonly info: Uint8Array;
  /** LLRs of the first codeLength(scheme.effective) mother bits: what the decoder reads. */
  readonly llr: Float32Array;
}

export interface Link {
  readonly config: LinkConfig;
  /** Coded bits per channel symbol times the code rate: Es/N0 = Eb/N0 + 10·log10(this). */
  readonly infoBitsPerSymbol: number;
  esN0Db(ebN0Db: number): number;
  /** Frame `index` (0, 1, …) at this Eb/N0. */
  frame(index: number, ebN0Db: number): SimFrame;
}

/** The text the generator of frame `index` is seeded from. */
export function frameKey(config: LinkConfig, index: number): string {
  const block = config.channel === 'rayleigh' ? (config.fadingBlock ?? 1) : 0;
  return `ldpc-sim ${JSON.stringify([config.seed, config.scheme.name, config.modulation.name, config.channel, block, index])}`;
}

export function createLink(config: LinkConfig): Link {
  const { scheme, modulation, channel, demap } = config;
  const fadingBlock = config.fadingBlock ?? 1;
  if (!(Number.isInteger(fadingBlock) && fadingBlock >= 1)) throw new UserError(`fading block ${fadingBlock}: expected a whole number of symbols ≥ 1`);
  const motherLength = codeLength(scheme.mother);
  const effectiveLength = codeLength(scheme.effective);
  const infoBitsPerSymbol = modulation.bitsPerSymbol * scheme.rate;
  const coded = new Uint8Array(scheme.e);
  const esN0Db = (ebN0Db: number): number => esN0FromEbN0(ebN0Db, modulation.bitsPerSymbol, scheme.rate);

  return {
    config,
    infoBitsPerSymbol,
    esN0Db,
    frame(index: number, ebN0Db: number): SimFrame {
      const rng = rngFromText(frameKey(config, index));
      const info = randomBits(rng, scheme.k);
      scheme.encodeInto(info, coded);
      const { symbols } = mapBits(modulation, coded);
      const snr = esN0Db(ebN0Db);
      let y: ComplexArray;
      let gains: ComplexArray | undefined;
      if (channel === 'awgn') y = awgnChannel(symbols, snr, rng);
      else ({ y, h: gains } = rayleighBlockFading(symbols, snr, rng, fadingBlock));
      // The padding bits of a short last symbol (e not a multiple of bits/symbol) are dropped.
      const llrs = demapLlrs(modulation, y, noiseVariance(snr), demap, gains).subarray(0, scheme.e);
      const mother = scheme.recoverLlrsInto(llrs, new Float32Array(motherLength));
      return { info, llr: mother.subarray(0, effectiveLength) };
    },
  };
}

/** `count` uniform random bits, 32 per generator draw. */
export function randomBits(rng: Rng, count: number): Uint8Array {
  const bits = new Uint8Array(count);
  for (let i = 0; i < count; i += 32) {
    const word = rng.nextUint32();
    const end = Math.min(32, count - i);
    for (let b = 0; b < end; b++) bits[i + b] = (word >>> b) & 1;
  }
  return bits;
}

export interface SimDecoderConfig {
  readonly decoder: SimDecoderName;
  /** Default 20. */
  readonly maxIterations?: number;
  /** Stop a frame at a zero syndrome. Default true. */
  readonly earlyTermination?: boolean;
  /** Min-sum only; default `auto` (the WebAssembly SIMD kernel where the engine has SIMD). */
  readonly implementation?: MinSumImplementation;
}

/** The decoder of `scheme.effective` for a simulator decoder name. */
export function createSimDecoder(scheme: LdpcScheme, config: SimDecoderConfig): LdpcDecoder {
  return createLdpcDecoder(scheme.effective, {
    algorithm: SIM_DECODERS[config.decoder],
    maxIterations: config.maxIterations,
    earlyTermination: config.earlyTermination,
    implementation: config.decoder === 'minsum' ? config.implementation : undefined,
  });
}

export interface PointLimits {
  /** Stop after this many frames… */
  readonly maxFrames: number;
  /** …or as soon as this many block errors have been seen. */
  readonly maxErrors: number;
  /** Frames generated and decoded per decodeBatch call (the SIMD kernel fills 8 lanes). Default 16. */
  readonly batch?: number;
}

export interface PointResult {
  readonly ebN0Db: number;
  readonly esN0Db: number;
  readonly frames: number;
  readonly blockErrors: number;
  readonly bitErrors: number;
  /** blockErrors / frames: a frame is in error when any of its k information bits is. */
  readonly bler: number;
  /** bitErrors / (frames · k), information bits. */
  readonly ber: number;
  /** Decoder iterations per frame. */
  readonly avgIterations: number;
  readonly seconds: number;
}

/** Simulates one Eb/N0 point; `onFrames(n)` reports progress after each batch. */
export function simulatePoint(
  link: Link,
  decoder: LdpcDecoder,
  ebN0Db: number,
  limits: PointLimits,
  onFrames?: (frames: number) => void,
): PointResult {
  const { maxFrames, maxErrors } = limits;
  const batch = limits.batch ?? 16;
  const k = link.config.scheme.k;
  const start = process.hrtime.bigint();
  let frames = 0;
  let blockErrors = 0;
  let bitErrors = 0;
  let iterations = 0;
  while (frames < maxFrames && blockErrors < maxErrors) {
    const count = Math.min(batch, maxFrames - frames);
    const sent = Array.from({ length: count }, (_, i) => link.frame(frames + i, ebN0Db));
    const results = decoder.decodeBatch(sent.map((f) => f.llr));
    const before = frames;
    for (let i = 0; i < count && blockErrors < maxErrors; i++) {
      const { info } = sent[i];
      const { bits } = results[i];
      let errors = 0;
      for (let b = 0; b < k; b++) errors += bits[b] ^ info[b];
      bitErrors += errors;
      if (errors > 0) blockErrors++;
      iterations += results[i].iterations;
      frames++;
    }
    onFrames?.(frames - before);
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    ebN0Db,
    esN0Db: link.esN0Db(ebN0Db),
    frames,
    blockErrors,
    bitErrors,
    bler: frames > 0 ? blockErrors / frames : NaN,
    ber: frames > 0 ? bitErrors / (frames * k) : NaN,
    avgIterations: frames > 0 ? iterations / frames : NaN,
    seconds,
  };
}

export interface BlerCrossing {
  /** Eb/N0 (dB) where the curve crosses the target, by log-linear interpolation. */
  readonly ebN0Db: number;
  /** The two measured points it lies between. */
  readonly from: number;
  readonly to: number;
}

/**
 * Where the BLER curve first falls through `target`: the first pair of neighbouring points (in
 * Eb/N0 order) with BLER ≥ target at the lower and 0 < BLER < target at the upper, interpolated
 * linearly in log10(BLER). Undefined when no such pair exists (the grid does not bracket the
 * target, or the point below it saw no errors).
 */
export function blerCrossing(points: readonly Pick<PointResult, 'ebN0Db' | 'bler'>[], target: number): BlerCrossing | undefined {
  const sorted = [...points].sort((a, b) => a.ebN0Db - b.ebN0Db);
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i];
    const b = sorted[i + 1];
    if (a.bler >= target && b.bler < target) {
      if (!(b.bler > 0)) return undefined;
      if (a.bler === target) return { ebN0Db: a.ebN0Db, from: a.ebN0Db, to: b.ebN0Db };
      const t = (Math.log10(target) - Math.log10(a.bler)) / (Math.log10(b.bler) - Math.log10(a.bler));
      return { ebN0Db: a.ebN0Db + t * (b.ebN0Db - a.ebN0Db), from: a.ebN0Db, to: b.ebN0Db };
    }
  }
  return undefined;
}

export const CSV_COLUMNS = ['ebno_db', 'frames', 'block_errors', 'bler', 'ber', 'avg_iters'] as const;

/** Significant digits kept in printed/CSV rates: enough to recompute the counts. */
const sig = (x: number, digits: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(digits))) : '');

/** The values of one CSV/table row, in CSV_COLUMNS order. */
export function pointRow(p: PointResult): string[] {
  return [sig(p.ebN0Db, 9), String(p.frames), String(p.blockErrors), sig(p.bler, 6), sig(p.ber, 6), Number.isFinite(p.avgIterations) ? p.avgIterations.toFixed(3) : ''];
}

export function pointsCsv(points: readonly PointResult[]): string {
  return [CSV_COLUMNS.join(','), ...points.map((p) => pointRow(p).join(','))].join('\n') + '\n';
}
