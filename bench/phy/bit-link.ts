import { awgnChannel } from './awgn';
import type { ChannelSpec } from './channel';
import type { ComplexArray } from './complex';
import { demapHard, demapLlrs, type LlrMethod } from './demapper';
import { rayleighBlockFading } from './fading';
import { createLdpcDecoder, type LdpcDecoder, type LdpcDecoderOptions } from './ldpc/decoder';
import type { LdpcScheme } from './ldpc/ldpc-scheme';
import { codeLength } from './ldpc/qc-code';
import { mapBits, type Modulation } from './modulation';
import type { Rng } from './rng';
import { noiseVariance } from './snr';

/**
 * A digital link for a bit string, assembled from the PHY blocks: [LDPC encoder] → mapper →
 * channel → demapper (hard decisions when uncoded, LLRs when coded) → [LDPC decoder]. The bits
 * are cut into k-bit blocks (the last one zero-padded); a block whose decoder does not reach a
 * zero syndrome is counted as failed and its bits are returned as decided.
 *
 * Coded bursts go through in chunks of whole symbols and whole SIMD batches (`chunkCodewords`):
 * the noise is drawn in symbol order, so the outcome equals sending the burst at once, and with
 * `stopOnFailure` the simulation ends at the first chunk holding a failed block (a caller that
 * discards the whole burst on any failure, like BPG-LDPC, need not decode the rest).
 */
export interface BitLinkConfig {
  modulation: Modulation;
  /** null: uncoded, hard decisions. */
  code: LdpcScheme | null;
  decoder?: LdpcDecoderOptions;
  demap?: LlrMethod;
  channel?: ChannelSpec;
  stopOnFailure?: boolean;
}

export interface BitLinkResult {
  /** The received payload bits (when stopped early, the blocks after the stop are zeros). */
  bits: Uint8Array;
  /** Complex channel uses (the whole burst, also when stopped early). */
  channelSymbols: number;
  /** Bits put on the channel: coded bits when coded (k-bit blocks × e), else the payload. */
  channelBits: number;
  blocks: number;
  /** Failed blocks (a lower bound when stopped early). */
  failedBlocks: number;
  stoppedEarly: boolean;
}

const decoders = new Map<string, LdpcDecoder>();

/** One decoder per (code, options) for the life of the process (WebAssembly memory included). */
export function linkDecoder(code: LdpcScheme, options: LdpcDecoderOptions = {}): LdpcDecoder {
  const key = JSON.stringify([code.name, options]);
  let d = decoders.get(key);
  if (!d) {
    d = createLdpcDecoder(code.effective, options);
    decoders.set(key, d);
  }
  return d;
}

function channel(x: ComplexArray, snrDb: number, rng: Rng, cfg: BitLinkConfig): { y: ComplexArray; gains?: ComplexArray } {
  const ch = cfg.channel ?? { kind: 'awgn' };
  if (ch.kind === 'awgn') return { y: awgnChannel(x, snrDb, rng) };
  const { y, h } = rayleighBlockFading(x, snrDb, rng, ch.blockLength);
  return { y, gains: h };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const MIN_CHUNK = 24;

/**
 * Blocks per chunk: a multiple of the SIMD decoder's 8 lanes, at least MIN_CHUNK, and such that
 * a chunk fills whole symbols (chunk·e divisible by bits per symbol).
 */
export function chunkCodewords(e: number, bitsPerSymbol: number): number {
  const perSymbol = bitsPerSymbol / gcd(e, bitsPerSymbol);
  const unit = (8 * perSymbol) / gcd(8, perSymbol);
  return unit * Math.ceil(MIN_CHUNK / unit);
}

/**
 * Complex channel uses of `bitCount` payload bits on a link: ⌈bits/m⌉ uncoded, else whole
 * codewords, ⌈⌈bits/k⌉·e/m⌉ (what transmitBits spends, known before sending).
 */
export function linkSymbols(bitCount: number, cfg: Pick<BitLinkConfig, 'modulation' | 'code'>): number {
  const m = cfg.modulation.bitsPerSymbol;
  if (!cfg.code) return Math.ceil(bitCount / m);
  return Math.ceil((Math.ceil(bitCount / cfg.code.k) * cfg.code.e) / m);
}

export function transmitBits(bits: Uint8Array, snrDb: number, rng: Rng, cfg: BitLinkConfig): BitLinkResult {
  const { modulation: mod, code } = cfg;
  if (!code) {
    const { symbols } = mapBits(mod, bits);
    const { y, gains } = channel(symbols, snrDb, rng, cfg);
    return {
      bits: demapHard(mod, y, gains).subarray(0, bits.length),
      channelSymbols: symbols.length / 2,
      channelBits: bits.length,
      blocks: 0,
      failedBlocks: 0,
      stoppedEarly: false,
    };
  }
  const { k, e } = code;
  const m = mod.bitsPerSymbol;
  const blocks = Math.ceil(bits.length / k);
  const info = new Uint8Array(blocks * k);
  info.set(bits);
  const decoded = new Uint8Array(blocks * k);
  const decoder = linkDecoder(code, cfg.decoder);
  const motherLength = codeLength(code.mother);
  const effectiveLength = codeLength(code.effective);
  const n0 = noiseVariance(snrDb);
  const chunk = chunkCodewords(e, m);
  const coded = new Uint8Array(chunk * e);
  const whole = { channelSymbols: linkSymbols(bits.length, cfg), channelBits: blocks * e, blocks };
  let failed = 0;
  for (let first = 0; first < blocks; first += chunk) {
    const count = Math.min(chunk, blocks - first);
    const burst = coded.subarray(0, count * e);
    for (let c = 0; c < count; c++) code.encodeInto(info.subarray((first + c) * k, (first + c + 1) * k), burst.subarray(c * e, (c + 1) * e));
    const { y, gains } = channel(mapBits(mod, burst).symbols, snrDb, rng, cfg);
    const llr = demapLlrs(mod, y, n0, cfg.demap ?? 'maxlog', gains);
    const frames: Float32Array[] = [];
    for (let c = 0; c < count; c++) {
      frames.push(code.recoverLlrsInto(llr.subarray(c * e, (c + 1) * e), new Float32Array(motherLength)).subarray(0, effectiveLength));
    }
    decoder.decodeBatch(frames).forEach((r, c) => {
      if (!r.success) failed++;
      decoded.set(code.infoBits(r.bits), (first + c) * k);
    });
    if (failed > 0 && cfg.stopOnFailure) return { ...whole, bits: decoded.subarray(0, bits.length), failedBlocks: failed, stoppedEarly: true };
  }
  return { ...whole, bits: decoded.subarray(0, bits.length), failedBlocks: failed, stoppedEarly: false };
}

/** Bytes → bits, most significant bit first. */
export function bytesToBits(bytes: Uint8Array): Uint8Array {
  const bits = new Uint8Array(bytes.length * 8);
  for (let i = 0; i < bytes.length; i++) for (let j = 0; j < 8; j++) bits[8 * i + j] = (bytes[i] >> (7 - j)) & 1;
  return bits;
}

/** Bits (MSB first) → bytes; a trailing partial byte is dropped. */
export function bitsToBytes(bits: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(bits.length >> 3);
  for (let i = 0; i < bytes.length; i++) {
    let v = 0;
    for (let j = 0; j < 8; j++) v = (v << 1) | bits[8 * i + j];
    bytes[i] = v;
  }
  return bytes;
}
