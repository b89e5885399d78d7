import { awgnChannel } from './awgn';
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
 */
export interface BitLinkConfig {
  modulation: Modulation;
  /** null: uncoded, hard decisions. */
  code: LdpcScheme | null;
  decoder?: LdpcDecoderOptions;
  demap?: LlrMethod;
  channel?: { kind: 'awgn' } | { kind: 'rayleigh'; blockLength: number };
}

export interface BitLinkResult {
  bits: Uint8Array;
  /** Complex channel uses. */
  channelSymbols: number;
  /** Bits put on the channel (coded bits, padding included). */
  channelBits: number;
  blocks: number;
  failedBlocks: number;
}

const decoders = new Map<string, LdpcDecoder>();

function decoderFor(code: LdpcScheme, options: LdpcDecoderOptions = {}): LdpcDecoder {
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

export function transmitBits(bits: Uint8Array, snrDb: number, rng: Rng, cfg: BitLinkConfig): BitLinkResult {
  const { modulation: mod, code } = cfg;
  if (!code) {
    const { symbols } = mapBits(mod, bits);
    const { y, gains } = channel(symbols, snrDb, rng, cfg);
    return {
      bits: demapHard(mod, y, gains).subarray(0, bits.length),
      channelSymbols: symbols.length / 2,
      channelBits: (symbols.length / 2) * mod.bitsPerSymbol,
      blocks: 0,
      failedBlocks: 0,
    };
  }
  const blocks = Math.ceil(bits.length / code.k);
  const coded = new Uint8Array(blocks * code.e);
  const info = new Uint8Array(code.k);
  for (let b = 0; b < blocks; b++) {
    info.fill(0);
    info.set(bits.subarray(b * code.k, Math.min(bits.length, (b + 1) * code.k)));
    code.encodeInto(info, coded.subarray(b * code.e, (b + 1) * code.e));
  }
  const { symbols } = mapBits(mod, coded);
  const { y, gains } = channel(symbols, snrDb, rng, cfg);
  const llr = demapLlrs(mod, y, noiseVariance(snrDb), cfg.demap ?? 'maxlog', gains);
  const effectiveLength = codeLength(code.effective);
  const frames: Float32Array[] = [];
  for (let b = 0; b < blocks; b++) frames.push(code.recoverLlrs(llr.subarray(b * code.e, (b + 1) * code.e)).slice(0, effectiveLength));
  const results = decoderFor(code, cfg.decoder).decodeBatch(frames);
  const out = new Uint8Array(blocks * code.k);
  let failed = 0;
  results.forEach((r, b) => {
    out.set(code.infoBits(r.bits), b * code.k);
    if (!r.success) failed++;
  });
  return {
    bits: out.subarray(0, bits.length),
    channelSymbols: symbols.length / 2,
    channelBits: (symbols.length / 2) * mod.bitsPerSymbol,
    blocks,
    failedBlocks: failed,
  };
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
