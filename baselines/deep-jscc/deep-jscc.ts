import * as ort from 'onnxruntime-node';
import { equalise } from '../../bench/phy/channel';
import { UserError } from '../../bench/errors';
import { createImage, fromFloat, type RgbImage } from '../../bench/image';
import { imagesToTensor } from '../../bench/models/image-input';
import { DEEP_JSCC_WEIGHTS, deepJsccModelIds, modelEntry, type DeepJsccWeights } from '../../bench/models/registry';
import { modelSession, type SessionOptions } from '../../bench/models/session';
import { AnalogCodecScheme, type AnalogImageCodec } from '../../bench/schemes/analog-image-codec';
import { symbolCap } from '../../bench/schemes/bandwidth-ratio';
import type { SchemeFactory, SchemeOptions, SchemeOptionSpec } from '../../bench/schemes/scheme';

/**
 * Deep JSCC (Bourtsoulatze, Kurka, Gündüz, ICASSP 2019) with the project's own weights, trained by
 * train.py on BSDS500 and exported by export.py (README.md beside this file). The encoder maps an
 * H×W image (padded by edge replication to multiples of 4) to c·H/4·W/4 reals with unit average
 * energy per complex symbol, read in NCHW order as (I, Q) pairs: k/n = c/96. The channel and SNR
 * convention are the harness's; the decoder's output is cropped and quantised to 8 bits.
 */
export const DEFAULT_JSCC_MODEL = 'c16-snr19';

export function jsccModel(name: string): DeepJsccWeights {
  const m = DEEP_JSCC_WEIGHTS.find((x) => x.name === name);
  if (!m) throw new UserError(`--jscc-model ${name}: no such deep JSCC model; trained ones are ${DEEP_JSCC_WEIGHTS.map((x) => x.name).join(', ')}`);
  return m;
}

/** The flag, declared identically by `deep-jscc` and the semantic schemes (their slice codec). */
export const JSCC_MODEL_OPTION: Readonly<Record<string, SchemeOptionSpec>> = {
  'jscc-model': {
    type: 'string',
    default: DEFAULT_JSCC_MODEL,
    describe: `deep JSCC weights: ${DEEP_JSCC_WEIGHTS.map((m) => `${m.name} (k/n = ${m.c}/96, trained at ${m.trainSnrDb} dB)`).join(', ')}`,
  },
};

interface JsccState {
  width: number;
  height: number;
  /** Shape of the symbol tensor [1, c, H/4, W/4] of the padded image. */
  dims: number[];
}

const MULTIPLE = 4;

/** The image extended on the right and bottom, by repeating its last column and row, to multiples of 4. */
function padToMultiple(image: RgbImage): RgbImage {
  const w = Math.ceil(image.width / MULTIPLE) * MULTIPLE;
  const h = Math.ceil(image.height / MULTIPLE) * MULTIPLE;
  if (w === image.width && h === image.height) return image;
  const out = createImage(w, h);
  for (let y = 0; y < h; y++) {
    const row = Math.min(y, image.height - 1) * image.width;
    for (let x = 0; x < w; x++) {
      const s = 3 * (row + Math.min(x, image.width - 1));
      const d = 3 * (y * w + x);
      out.data[d] = image.data[s];
      out.data[d + 1] = image.data[s + 1];
      out.data[d + 2] = image.data[s + 2];
    }
  }
  return out;
}

/** The top-left width×height of the decoder's planar [1,3,H,W] output in [0, 1], as an 8-bit image. */
function croppedImage(t: ort.Tensor, width: number, height: number): RgbImage {
  const [, , h, w] = t.dims;
  const data = t.data as Float32Array;
  const plane = h * w;
  const interleaved = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) interleaved[3 * (y * width + x) + c] = data[c * plane + y * w + x];
  return fromFloat(width, height, interleaved);
}

export function deepJsccCodec(name: string, session: SessionOptions = {}): AnalogImageCodec<JsccState> {
  const model = jsccModel(name);
  const ids = deepJsccModelIds(model.name);
  const run = async (id: string, input: ort.Tensor): Promise<ort.Tensor> => {
    const s = await modelSession(id, session);
    const out = await s.session.run({ [s.entry.inputs[0].name]: input });
    return out[s.entry.outputs[0].name];
  };
  return {
    id: `deep-jscc:${model.name}`,
    models: [ids.encoder, ids.decoder],
    // c reals per 4×4 block of the padded image, two per complex symbol.
    symbolsFor: (width, height) => (model.c * Math.ceil(width / MULTIPLE) * Math.ceil(height / MULTIPLE)) / 2,
    async encode(image) {
      // How pixels become the encoder's input is the registry entry's to say (x/255, full size).
      const input = await imagesToTensor([padToMultiple(image)], modelEntry(ids.encoder).imageInput!);
      const z = await run(ids.encoder, input);
      return { symbols: new Float32Array(z.data as Float32Array), state: { width: image.width, height: image.height, dims: [...z.dims] } };
    },
    async decode(encoded, received, _snrDb, gains) {
      // Over fading: zero-forcing equalisation, then the decoder trained on AWGN as it is.
      const symbols = gains ? equalise(received, gains) : received;
      const y = await run(ids.decoder, new ort.Tensor('float32', symbols, encoded.state.dims));
      return croppedImage(y, encoded.state.width, encoded.state.height);
    },
  };
}

const modelOption = (o: SchemeOptions): string => String(o['jscc-model'] ?? DEFAULT_JSCC_MODEL);

export const deepJsccFactory: SchemeFactory = {
  sourceFile: __filename,
  name: 'deep-jscc',
  summary: 'deep JSCC (Bourtsoulatze et al. 2019): conv encoder → power-normalised complex symbols (k/n = c/96), AWGN, conv decoder',
  options: JSCC_MODEL_OPTION,
  requiredModels: (o: SchemeOptions) => [...deepJsccCodec(modelOption(o)).models],
  create(o, ctx) {
    const model = jsccModel(modelOption(o));
    const config: Record<string, string | number> = { model: model.name, c: model.c, trainSnrDb: model.trainSnrDb, encoder: model.encoder.sha256.slice(0, 16), decoder: model.decoder.sha256.slice(0, 16) };
    const budget = ctx?.budget;
    if (!budget) return new AnalogCodecScheme('deep-jscc', config, deepJsccCodec(model.name, ctx?.session));
    // Below its trained ratio c/96 it sends a downscaled image (no model trained for the ratio);
    // above it, it spends c/96 and leaves the rest of the budget unused.
    config.budget = budget.text;
    return new AnalogCodecScheme('deep-jscc', config, deepJsccCodec(model.name, ctx?.session), (w, h) => symbolCap(budget.ratio, w, h));
  },
};
