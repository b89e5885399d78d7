import { bitsToBytes, bytesToBits, transmitBits, type BitLinkConfig } from '../phy/bit-link';
import type { Rng } from '../phy/rng';

/**
 * A caption over the channel: UTF-8 bytes → bits (MSB first) → the bit link → bytes → text.
 * Bytes that are no longer valid UTF-8 decode to U+FFFD, so channel errors show up as the
 * misspellings the letter describes (and, rarely, as replacement characters).
 */
export interface TextLinkResult {
  received: string;
  channelSymbols: number;
  channelBits: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function sendText(text: string, snrDb: number, rng: Rng, link: BitLinkConfig): TextLinkResult {
  const bits = bytesToBits(new TextEncoder().encode(text));
  const r = transmitBits(bits, snrDb, rng, link);
  return { received: decoder.decode(bitsToBytes(r.bits)), channelSymbols: r.channelSymbols, channelBits: r.channelBits };
}

/**
 * Side information (the slice's box and mask) sent with an r-fold repetition code on the same
 * kind of link, decided by majority vote per bit (r odd).
 */
export function sendRepeated(bits: Uint8Array, repetitions: number, snrDb: number, rng: Rng, link: BitLinkConfig): { bits: Uint8Array; channelSymbols: number } {
  const sent = new Uint8Array(bits.length * repetitions);
  for (let i = 0; i < bits.length; i++) sent.fill(bits[i], i * repetitions, (i + 1) * repetitions);
  const r = transmitBits(sent, snrDb, rng, link);
  const out = new Uint8Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    let ones = 0;
    for (let j = 0; j < repetitions; j++) ones += r.bits[i * repetitions + j];
    out[i] = 2 * ones > repetitions ? 1 : 0;
  }
  return { bits: out, channelSymbols: r.channelSymbols };
}
