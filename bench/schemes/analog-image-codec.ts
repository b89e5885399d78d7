import { resizeImage, type RgbImage } from '../image';
import { BudgetRefusal } from './bandwidth-ratio';
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
  /** Complex symbols it spends on a width×height image. */
  symbolsFor(width: number, height: number): number;
  encode(image: RgbImage): Promise<AnalogEncoded<S>>;
  /** `gains`: each symbol's channel gain when the channel fades (perfect CSI), else null. */
  decode(encoded: AnalogEncoded<S>, received: ComplexArray, snrDb: number, gains?: ComplexArray | null): Promise<RgbImage>;
}

/** Plain data (it may be cached on disk with v8.serialize): the symbols and what the decoder needs. */
export interface AnalogEncoded<S = unknown> {
  symbols: ComplexArray;
  state: S;
}

/** The state of an image sent at `sent` size and shown at `width`×`height`. */
export interface ScaledState<S> {
  inner: S;
  width: number;
  height: number;
  /** The size it was sent at; null: as it is. */
  sent: { width: number; height: number } | null;
}

/**
 * The largest size with the image's aspect ratio (each side rounded down) whose symbols fit
 * `maxSymbols`; the image's own size when it fits; null when not even 1×1 does.
 */
export function largestSizeWithin(symbolsFor: (width: number, height: number) => number, width: number, height: number, maxSymbols: number): { width: number; height: number } | null {
  if (symbolsFor(width, height) <= maxSymbols) return { width, height };
  if (symbolsFor(1, 1) > maxSymbols) return null;
  // Symbols grow with the area: start from the area ratio and shrink until it fits, then grow
  // each side while it still fits (rounding both sides down can leave a row or column unused).
  let size = { width: 1, height: 1 };
  for (let f = Math.sqrt(maxSymbols / symbolsFor(width, height)); ; f *= 0.998) {
    size = { width: Math.max(1, Math.floor(width * f)), height: Math.max(1, Math.floor(height * f)) };
    if (symbolsFor(size.width, size.height) <= maxSymbols) break;
  }
  for (let grown = true; grown; ) {
    grown = false;
    if (size.width < width && symbolsFor(size.width + 1, size.height) <= maxSymbols) [size.width, grown] = [size.width + 1, true];
    if (size.height < height && symbolsFor(size.width, size.height + 1) <= maxSymbols) [size.height, grown] = [size.height + 1, true];
  }
  return size;
}

/**
 * A codec of fixed ratio that meets a smaller symbol budget the plain linear way: the image is
 * downscaled (sharp's Lanczos-3, which low-pass filters first) to the largest size whose symbols
 * fit, sent, and the received one upscaled back (bicubic). An image that fits is sent as it is.
 */
export interface ScaledCodec<S> extends AnalogImageCodec<ScaledState<S>> {
  /** null: not even a 1×1 image fits `maxSymbols`. */
  encodeWithin(image: RgbImage, maxSymbols: number): Promise<AnalogEncoded<ScaledState<S>> | null>;
}

export function scaledCodec<S>(codec: AnalogImageCodec<S>): ScaledCodec<S> {
  const encodeWithin = async (image: RgbImage, maxSymbols: number): Promise<AnalogEncoded<ScaledState<S>> | null> => {
    const size = largestSizeWithin((w, h) => codec.symbolsFor(w, h), image.width, image.height, maxSymbols);
    if (!size) return null;
    const same = size.width === image.width && size.height === image.height;
    const e = await codec.encode(same ? image : await resizeImage(image, size.width, size.height, { kernel: 'lanczos3' }));
    return { symbols: e.symbols, state: { inner: e.state, width: image.width, height: image.height, sent: same ? null : size } };
  };
  return {
    id: codec.id,
    models: codec.models,
    symbolsFor: (w, h) => codec.symbolsFor(w, h),
    encodeWithin,
    encode: async (image) => (await encodeWithin(image, Infinity))!,
    async decode(encoded, received, snrDb, gains) {
      const s = encoded.state;
      const out = await codec.decode({ symbols: encoded.symbols, state: s.inner }, received, snrDb, gains);
      return s.sent ? resizeImage(out, s.width, s.height, { kernel: 'cubic' }) : out;
    },
  };
}

/**
 * A whole-image scheme over one analog codec: encode once per image, then the channel and decode
 * per cell. With `capOf`, each image is sent within capOf(width, height) symbols (scaledCodec).
 */
export class AnalogCodecScheme<S> implements Scheme<AnalogEncoded<ScaledState<S>>> {
  readonly prepareCache = 'memory' as const;
  private readonly codec: ScaledCodec<S>;

  constructor(
    readonly name: string,
    readonly config: Readonly<Record<string, string | number | boolean>>,
    codec: AnalogImageCodec<S>,
    private readonly capOf: ((width: number, height: number) => number) | null = null,
  ) {
    this.codec = scaledCodec(codec);
  }

  async prepare(image: RgbImage): Promise<AnalogEncoded<ScaledState<S>>> {
    if (!this.capOf) return encodeTimed(this.codec, image);
    const cap = this.capOf(image.width, image.height);
    const encoded = await encodeWithinTimed(this.codec, image, cap);
    if (!encoded) throw new BudgetRefusal(this.name, `${this.name} cannot send a ${image.width}×${image.height} image within ${cap} channel symbols: not even a 1×1 image fits; raise --budget`);
    return encoded;
  }

  async transmit(encoded: AnalogEncoded<ScaledState<S>>, ctx: TransmitContext): Promise<TransmitResult> {
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

/** `codec.encodeWithin`, timed as phase `<kind>-encode`. */
export function encodeWithinTimed<S>(codec: ScaledCodec<S>, image: RgbImage, maxSymbols: number): Promise<AnalogEncoded<ScaledState<S>> | null> {
  return timed(`${codecKind(codec)}-encode`, () => codec.encodeWithin(image, maxSymbols));
}

/** `codec.decode`, timed as phase `<kind>-decode`. */
export function decodeTimed<S>(codec: AnalogImageCodec<S>, encoded: AnalogEncoded<S>, received: ComplexArray, snrDb: number, gains: ComplexArray | null = null): Promise<RgbImage> {
  return timed(`${codecKind(codec)}-decode`, () => codec.decode(encoded, received, snrDb, gains));
}
