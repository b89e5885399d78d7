import { bitsToBytes, bytesToBits, linkDecoder, transmitBits } from '../../bench/phy/bit-link';
import { AWGN, type ChannelSpec } from '../../bench/phy/channel';
import type { LlrMethod } from '../../bench/phy/demapper';
import type { LdpcAlgorithm } from '../../bench/phy/ldpc/decoder';
import type { Rng } from '../../bench/phy/rng';
import type { Mcs } from './budget';

/**
 * The digital link of BPG-LDPC: the stream's bytes (MSB first) over bench/phy/bit-link.ts with
 * the pair's LDPC code and modulation, soft demapping and batch decoding. With `stopOnFailure`
 * the link stops at the first failed codeword (`best` tries up to 16 pairs a cell, and a failed
 * codeword makes the stream unusable anyway). A codeword fails when its decision does not satisfy
 * every parity check (the receiver can tell).
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
  readonly stoppedEarly: boolean;
  /** The received stream bytes, or null when decoding stopped early. */
  readonly received: Uint8Array | null;
}

/** The name of the decoder the link uses (e.g. `min-sum/wasm-simd-i16x8(scale=0.875)`). */
export function linkDecoderName(mcs: Mcs, options: LinkOptions): string {
  return linkDecoder(mcs.ldpc, { algorithm: options.algorithm, maxIterations: options.maxIterations }).name;
}

export function sendOverLink(stream: Uint8Array, mcs: Mcs, snrDb: number, rng: Rng, options: LinkOptions, stopOnFailure: boolean, channel: ChannelSpec = AWGN): LinkResult {
  if (mcs.ldpc.k % 8 !== 0) throw new Error(`BPG-LDPC: code ${mcs.ldpc.name} carries ${mcs.ldpc.k} bits per block, not whole bytes`);
  const r = transmitBits(bytesToBits(stream), snrDb, rng, {
    modulation: mcs.modulation,
    code: mcs.ldpc,
    decoder: { algorithm: options.algorithm, maxIterations: options.maxIterations },
    demap: options.demap,
    stopOnFailure,
    ...(channel.kind === 'awgn' ? {} : { channel }),
  });
  return {
    codewords: r.blocks,
    symbols: r.channelSymbols,
    codedBits: r.channelBits,
    failedCodewords: r.failedBlocks,
    stoppedEarly: r.stoppedEarly,
    received: r.stoppedEarly ? null : bitsToBytes(r.bits),
  };
}
