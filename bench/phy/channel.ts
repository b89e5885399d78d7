import { UserError } from '../errors';
import { awgnChannel } from './awgn';
import type { ComplexArray } from './complex';
import { rayleighBlockFading } from './fading';
import type { Rng } from './rng';

/**
 * The channel a sweep runs over, chosen once per run (`--channel`, `--fading-block`): AWGN, or
 * block Rayleigh fading with perfect channel knowledge at the receiver (fading.ts). The SNR is
 * the average Es/N0 in both (E|h|² = 1), so the two are compared at equal average SNR.
 */
export type ChannelSpec = { kind: 'awgn' } | { kind: 'rayleigh'; blockLength: number };

export const AWGN: ChannelSpec = { kind: 'awgn' };

export function parseChannel(kind: string, fadingBlock: number | undefined): ChannelSpec {
  if (kind === 'awgn') {
    if (fadingBlock !== undefined) throw new UserError('--fading-block applies to --channel rayleigh only');
    return AWGN;
  }
  if (kind !== 'rayleigh') throw new UserError(`--channel ${kind}: use awgn or rayleigh`);
  const blockLength = fadingBlock ?? 1;
  if (!Number.isInteger(blockLength) || blockLength < 1) throw new UserError(`--fading-block ${String(fadingBlock)}: a whole number of symbols ≥ 1 (1: fast fading)`);
  return { kind: 'rayleigh', blockLength };
}

/** `awgn`, or `rayleigh:block=N|csi=perfect`: what run.json, the caches and the captions record. */
export function channelSignature(c: ChannelSpec): string {
  return c.kind === 'awgn' ? 'awgn' : `rayleigh:block=${c.blockLength}|csi=perfect`;
}

/** The symbols through the channel; `gains` (one per symbol) when it fades, for the receiver. */
export function sendSymbols(x: ComplexArray, snrDb: number, rng: Rng, c: ChannelSpec): { y: ComplexArray; gains: ComplexArray | null } {
  if (c.kind === 'awgn') return { y: awgnChannel(x, snrDb, rng), gains: null };
  const { y, h } = rayleighBlockFading(x, snrDb, rng, c.blockLength);
  return { y, gains: h };
}

/** Zero-forcing equalisation y/h per symbol (h ≠ 0 with probability 1 for Rayleigh gains). */
export function equalise(y: ComplexArray, gains: ComplexArray): ComplexArray {
  const out = new Float32Array(y.length);
  for (let i = 0; i < y.length; i += 2) {
    const [hr, hi] = [gains[i], gains[i + 1]];
    const d = hr * hr + hi * hi;
    out[i] = (y[i] * hr + y[i + 1] * hi) / d;
    out[i + 1] = (y[i + 1] * hr - y[i] * hi) / d;
  }
  return out;
}
