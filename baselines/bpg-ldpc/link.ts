import { awgnChannel } from '../../bench/phy/awgn';
import { bitsToBytes, bytesToBits } from '../../bench/phy/bit-link';
import { demapLlrs, type LlrMethod } from '../../bench/phy/demapper';
import { createLdpcDecoder, type LdpcAlgorithm, type LdpcDecoder } from '../../bench/phy/ldpc/decoder';
import { codeLength } from '../../bench/phy/ldpc/qc-code';
import { mapBits } from '../../bench/phy/modulation';
import type { Rng } from '../../bench/phy/rng';
import { noiseVariance } from '../../bench/phy/snr';
import { codewordsFor, type Mcs } from './budget';

/**
 * The digital link of BPG-LDPC: the coded path of bench/phy/bit-link.ts, run in chunks so that a
 * stream whose fate a failed codeword has sealed stops early (`best` tries up to 16 pairs a cell).
 * Stream bytes → bits (MSB first) → C codewords of the LDPC code (the last zero-padded) → all
 * C·e coded bits mapped back to back onto the constellation (the last symbol zero-padded) →
 * complex AWGN at the cell's Es/N0 → soft demapping → per-codeword LLR recovery (rate matching
 * undone) and decoding of the code's effective part, 8 codewords per WebAssembly SIMD call
 * (decodeBatch) → information bits → bytes.
 *
 * A codeword fails when its decision does not satisfy every parity check (the receiver can tell).
 */
export interface LinkOptions {
  readonly algorithm: LdpcAlgorithm;
  readonly maxIterations: number;
  readonly demap: LlrMethod;
}

export interface LinkResult {
  readonly codewords: number;
  /** Channel symbols sent: ⌈C·e / log2 M⌉. */
  readonly symbols: number;
  /** Coded bits sent: C·e. */
  readonly codedBits: number;
  /** Codewords whose decision failed the parity checks (a lower bound when decoding stopped early). */
  readonly failedCodewords: number;
  /** Decoding stopped at the first failed batch (`stopOnFailure`): `received` is null then. */
  readonly stoppedEarly: boolean;
  /**
   * The C·k/8 received bytes (stream + zero padding as decoded), or null when decoding stopped
   * early.
   */
  readonly received: Uint8Array | null;
}

/** One decoder per (code, options), kept for the life of the process (WebAssembly memory included). */
const decoders = new Map<string, LdpcDecoder>();

function decoderFor(mcs: Mcs, options: LinkOptions): LdpcDecoder {
  const key = `${mcs.ldpc.name}|${options.algorithm}|${options.maxIterations}`;
  let d = decoders.get(key);
  if (!d) {
    d = createLdpcDecoder(mcs.ldpc.effective, { algorithm: options.algorithm, maxIterations: options.maxIterations });
    decoders.set(key, d);
  }
  return d;
}

/** The name of the decoder the link uses (e.g. `min-sum/wasm-simd-i16x8(scale=0.875)`). */
export function linkDecoderName(mcs: Mcs, options: LinkOptions): string {
  return decoderFor(mcs, options).name;
}

/** Greatest common divisor. */
function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Codewords per chunk: a multiple of the SIMD kernel's 8 lanes, at least MIN_CHUNK, and such that
 * a chunk fills whole symbols (chunk·e divisible by log2 M), so chunks map, draw noise and demap
 * independently yet exactly as the whole burst would.
 */
export function chunkCodewords(e: number, bitsPerSymbol: number): number {
  const perSymbol = bitsPerSymbol / gcd(e, bitsPerSymbol);
  const unit = (8 * perSymbol) / gcd(8, perSymbol);
  return unit * Math.ceil(MIN_CHUNK / unit);
}

const MIN_CHUNK = 24;

/**
 * Sends `stream` over the link at `snrDb`, chunk by chunk: the noise is drawn from `rng` in symbol
 * order, so the outcome is the same as sending the burst at once. With `stopOnFailure` the
 * transmission is simulated only up to the first chunk holding a failed codeword (the caller will
 * discard the stream anyway); the counts of what was sent are those of the whole stream.
 */
export function sendOverLink(stream: Uint8Array, mcs: Mcs, snrDb: number, rng: Rng, options: LinkOptions, stopOnFailure: boolean): LinkResult {
  const { ldpc, modulation } = mcs;
  const { k, e } = ldpc;
  const m = modulation.bitsPerSymbol;
  if (k % 8 !== 0) throw new Error(`BPG-LDPC: code ${ldpc.name} carries ${k} bits per block, not whole bytes`);
  const codewords = codewordsFor(stream.length, mcs);
  const symbols = Math.ceil((codewords * e) / m);
  const info = new Uint8Array(codewords * k);
  info.set(bytesToBits(stream));
  const decoder = decoderFor(mcs, options);
  const motherLength = codeLength(ldpc.mother);
  const effectiveLength = codeLength(ldpc.effective);
  const n0 = noiseVariance(snrDb);
  const chunk = chunkCodewords(e, m);
  const coded = new Uint8Array(chunk * e);
  const decodedInfo = new Uint8Array(codewords * k);
  let failed = 0;
  for (let first = 0; first < codewords; first += chunk) {
    const count = Math.min(chunk, codewords - first);
    const bits = coded.subarray(0, count * e);
    for (let c = 0; c < count; c++) ldpc.encodeInto(info.subarray((first + c) * k, (first + c + 1) * k), bits.subarray(c * e, (c + 1) * e));
    const y = awgnChannel(mapBits(modulation, bits).symbols, snrDb, rng);
    const llr = demapLlrs(modulation, y, n0, options.demap);
    const frames: Float32Array[] = [];
    for (let c = 0; c < count; c++) {
      const mother = ldpc.recoverLlrsInto(llr.subarray(c * e, (c + 1) * e), new Float32Array(motherLength));
      frames.push(mother.subarray(0, effectiveLength));
    }
    const results = decoder.decodeBatch(frames);
    for (let c = 0; c < count; c++) {
      if (!results[c].success) failed++;
      decodedInfo.set(results[c].bits.subarray(0, k), (first + c) * k);
    }
    if (failed > 0 && stopOnFailure) {
      return { codewords, symbols, codedBits: codewords * e, failedCodewords: failed, stoppedEarly: true, received: null };
    }
  }
  return { codewords, symbols, codedBits: codewords * e, failedCodewords: failed, stoppedEarly: false, received: bitsToBytes(decodedInfo) };
}
