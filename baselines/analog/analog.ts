import { createImage, type RgbImage } from '../../bench/image';
import { normalizePower, type ComplexArray } from '../../bench/phy/complex';
import { noiseVariance } from '../../bench/phy/snr';
import { UserError } from '../../bench/errors';
import { parseBandwidthRatio, symbolCap } from '../../bench/schemes/bandwidth-ratio';
import { AnalogCodecScheme, type AnalogEncoded, type AnalogImageCodec } from '../../bench/schemes/analog-image-codec';
import type { Scheme, SchemeContext, SchemeFactory, SchemeOptions } from '../../bench/schemes/scheme';

/**
 * Uncoded analog transmission, the classic lower-bound curve. Pixel values v = x/127.5 − 1 are
 * centred on the image mean m, packed two per complex symbol (I, Q; bandwidth ratio 1/2) and
 * scaled by g to unit average symbol energy. The receiver knows g and m (two float32s of side
 * information, assumed error-free and not counted as channel symbols) and estimates each value by
 * linear MMSE, û = y/g · SNR/(1+SNR) (the LMMSE gain for a signal of per-component power 1/2 in
 * noise N0/2), or by plain scaling û = y/g ('zf'); then v̂ = m + û, clipped and quantised to 8 bits.
 * Over a fading channel with gain h per symbol (known): û = h*·y / ((|h|² + N0)·g), or y/(h·g).
 */
export type AnalogReceiver = 'mmse' | 'zf';

interface AnalogState {
  width: number;
  height: number;
  gain: number;
  mean: number;
}

export function analogEncode(img: RgbImage): AnalogEncoded<AnalogState> {
  const n = img.data.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += img.data[i];
  const mean = sum / n / 127.5 - 1;
  // An odd number of values leaves the last symbol's Q at zero.
  const symbols = new Float32Array(2 * Math.ceil(n / 2));
  for (let i = 0; i < n; i++) symbols[i] = img.data[i] / 127.5 - 1 - mean;
  const gain = normalizePower(symbols);
  return { symbols, state: { width: img.width, height: img.height, gain, mean } };
}

export function analogDecode(encoded: AnalogEncoded<AnalogState>, received: ComplexArray, snrDb: number, receiver: AnalogReceiver, gains: ComplexArray | null = null): RgbImage {
  const p = encoded.state;
  const n0 = noiseVariance(snrDb);
  const snr = 1 / n0;
  const out = createImage(p.width, p.height);
  /** `u`: the estimate of the centred value (already divided by g). */
  const put = (i: number, u: number) => {
    const v = (p.mean + u + 1) * 127.5;
    out.data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  };
  if (!gains) {
    const scale = (receiver === 'mmse' ? snr / (1 + snr) : 1) / p.gain;
    for (let i = 0; i < out.data.length; i++) put(i, scale * received[i]);
    return out;
  }
  // Per symbol with known gain h: LMMSE x̂ = h*·y / (|h|² + N0), or zero forcing y/h.
  for (let i = 0; i < out.data.length; i += 2) {
    const [hr, hi, yr, yi] = [gains[i], gains[i + 1], received[i], received[i + 1]];
    const d = (hr * hr + hi * hi + (receiver === 'mmse' ? n0 : 0)) * p.gain;
    put(i, (hr * yr + hi * yi) / d);
    if (i + 1 < out.data.length) put(i + 1, (hr * yi - hi * yr) / d);
  }
  return out;
}

/**
 * The analog codec with a chosen receiver, as the `analog` scheme and the semantic schemes' slice
 * link use it: every value sent, k/n = 1/2. A smaller ratio is met by sending a downscaled image
 * (scaledCodec in analog-image-codec.ts).
 */
export function analogCodec(receiver: AnalogReceiver): AnalogImageCodec<AnalogState> {
  return {
    id: `analog:${receiver}`,
    models: [],
    symbolsFor: (width, height) => Math.ceil((width * height * 3) / 2),
    encode: async (image) => analogEncode(image),
    decode: async (encoded, received, snrDb, gains) => analogDecode(encoded, received, snrDb, receiver, gains),
  };
}

export const analogFactory: SchemeFactory = {
  sourceFile: __filename,
  name: 'analog',
  summary: 'uncoded analog pixels, 2 per complex symbol (k/n = 1/2, or a downscaled image for less), AWGN, LMMSE or scaling receiver',
  options: {
    'analog-rx': { type: 'string', default: 'mmse', describe: 'analog receiver: mmse (linear MMSE) | zf (plain scaling)' },
    'analog-ratio': {
      type: 'string',
      default: '1/2',
      describe: 'analog bandwidth ratio k/n ≤ 1/2: 1/2 sends every value; less sends a downscaled image (e.g. 1/6 = deep JSCC\'s and BPG-LDPC\'s ratio)',
    },
  },
  create(options: SchemeOptions, ctx?: SchemeContext): Scheme {
    const rx = options['analog-rx'] ?? 'mmse';
    if (rx !== 'mmse' && rx !== 'zf') {
      throw new UserError(`--analog-rx ${String(rx)} is not a receiver: use mmse or zf`);
    }
    // The config of the default keeps its old form, so earlier runs of `analog` still resume.
    const config: Record<string, string> = { receiver: rx };
    const budget = ctx?.budget;
    if (budget) {
      // Strictly within the budget: at 1/2 an image with an odd number of values loses a row or column.
      config.budget = budget.text;
      return new AnalogCodecScheme('analog', config, analogCodec(rx), (w, h) => symbolCap(budget.ratio, w, h));
    }
    const ratioText = String(options['analog-ratio'] ?? '1/2').trim();
    const ratio = parseBandwidthRatio(ratioText, 'analog-ratio', 0.5);
    if (ratio >= 0.5) return new AnalogCodecScheme('analog', config, analogCodec(rx));
    config.ratio = ratioText;
    return new AnalogCodecScheme('analog', config, analogCodec(rx), (w, h) => symbolCap(ratio, w, h));
  },
};
