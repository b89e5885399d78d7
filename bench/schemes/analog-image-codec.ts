import type { RgbImage } from '../image';
import { timed, timedSync } from '../phase-timer';
import { AWGN, sendSymbols } from '../phy/channel';
import type { ComplexArray } from '../phy/complex';
import type { Scheme, TransmitContext, TransmitResult } from './scheme';

/**
 * An image codec whose output goes straight onto the channel as complex symbols, with no bits in
 * between: uncoded analog pixels, deep JSCC. The transmitter normalises to unit average symbol
 * energy (the SNR convention of bench/phy/snr.ts); the receiver maps noisy symbols back to pixels.
 * Used whole by the `analog` and `deep-jscc` schemes and as the slice link of the semantic schemes.
 */
export interface AnalogImageCodec<S = unknown> {
  /** What produced the symbols, recorded in scheme configs: `analog:mmse`, `deep-jscc:c16-snr19`. */
  readonly id: string;
  /** Registry ids of the models it loads (fetched and checked before a sweep starts). */
  readonly models: readonly string[];
  encode(image: RgbImage): Promise<AnalogEncoded<S>>;
  /** `gains`: each symbol's channel gain when the channel fades (perfect CSI), else null. */
  decode(encoded: AnalogEncoded<S>, received: ComplexArray, snrDb: number, gains?: ComplexArray | null): Promise<RgbImage>;
}

/** Plain data (it may be cached on disk with v8.serialize): the symbols and what the decoder needs. */
export interface AnalogEncoded<S = unknown> {
  symbols: ComplexArray;
  state: S;
}

/** A whole-image scheme over one analog codec: encode once per image, then the channel and decode per cell. */
export class AnalogCodecScheme<S> implements Scheme<AnalogEncoded<S>> {
  readonly prepareCache = 'memory' as const;

  constructor(
    readonly name: string,
    readonly config: Readonly<Record<string, string | number | boolean>>,
    private readonly codec: AnalogImageCodec<S>,
  ) {}

  prepare(image: RgbImage): Promise<AnalogEncoded<S>> {
    return encodeTimed(this.codec, image);
  }

  async transmit(encoded: AnalogEncoded<S>, ctx: TransmitContext): Promise<TransmitResult> {
    const { y, gains } = timedSync('channel', () => sendSymbols(encoded.symbols, ctx.snrDb, ctx.rng('awgn'), ctx.channel ?? AWGN));
    return {
      reconstruction: await decodeTimed(this.codec, encoded, y, ctx.snrDb, gains),
      channelSymbols: encoded.symbols.length / 2,
      bitsSent: null,
    };
  }
}

/** The codec's kind (`analog`, `deep-jscc`): the phase its work is timed under. */
function codecKind(codec: AnalogImageCodec<unknown>): string {
  return codec.id.split(':')[0];
}

/** `codec.encode`, timed as phase `<kind>-encode`. */
export function encodeTimed<S>(codec: AnalogImageCodec<S>, image: RgbImage): Promise<AnalogEncoded<S>> {
  return timed(`${codecKind(codec)}-encode`, () => codec.encode(image));
}

/** `codec.decode`, timed as phase `<kind>-decode`. */
export function decodeTimed<S>(codec: AnalogImageCodec<S>, encoded: AnalogEncoded<S>, received: ComplexArray, snrDb: number, gains: ComplexArray | null = null): Promise<RgbImage> {
  return timed(`${codecKind(codec)}-decode`, () => codec.decode(encoded, received, snrDb, gains));
}
