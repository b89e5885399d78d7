import * as ort from 'onnxruntime-node';
import { UserError } from '../../bench/errors';
import { createImage, type RgbImage } from '../../bench/image';
import { DEEP_JSCC_WEIGHTS, modelEntry, type DeepJsccWeights } from '../../bench/models/registry';
import { modelSession, type SessionOptions } from '../../bench/models/session';
import { AnalogCodecScheme, type AnalogImageCodec } from '../../bench/schemes/analog-image-codec';
import type { SchemeFactory, SchemeOptions, SchemeOptionSpec } from '../../bench/schemes/scheme';

/**
 * Deep JSCC (Bourtsoulatze, Kurka, Gündüz, ICASSP 2019) with the project's own weights, trained by
 * train.py on BSDS500 and exported by export.py (README.md beside this file). The encoder maps an
 * H×W image (padded by edge replication to multiples of 4) to c·H/4·W/4 reals with unit average
 * energy per complex symbol, read in NCHW order as (I, Q) pairs: k/n = c/96. The channel and SNR
 * convention are the harness's; the decoder's output is cropped and quantised to 8 bits.
 */
export type JsccModelInfo = DeepJsccWeights;
export const JSCC_MODELS = DEEP_JSCC_WEIGHTS;
export const DEFAULT_JSCC_MODEL = 'c16-snr19';

export function jsccModelIds(name: string): { encoder: string; decoder: string } {
  return { encoder: `deep-jscc-${name}-encoder`, decoder: `deep-jscc-${name}-decoder` };
}

export function jsccModel(name: string): JsccModelInfo {
  const m = JSCC_MODELS.find((x) => x.name === name);
  if (!m) throw new UserError(`--jscc-model ${name}: no such deep JSCC model; trained ones are ${JSCC_MODELS.map((x) => x.name).join(', ')}`);
  return m;
}

/** The flag, declared identically by `deep-jscc` and the semantic schemes (their slice codec). */
export const JSCC_MODEL_OPTION: Readonly<Record<string, SchemeOptionSpec>> = {
  'jscc-model': {
    type: 'string',
    default: DEFAULT_JSCC_MODEL,
    describe: `deep JSCC weights: ${JSCC_MODELS.map((m) => `${m.name} (k/n = ${m.c}/96, trained at ${m.trainSnrDb} dB)`).join(', ')}`,
  },
};

interface JsccState {
  width: number;
  height: number;
  /** Shape of the symbol tensor [1, c, H/4, W/4] of the padded image. */
  dims: number[];
}

const MULTIPLE = 4;

/** NCHW float tensor of the image in [0, 1], edge-replicated on the right and bottom to multiples of 4. */
function paddedInput(image: RgbImage): ort.Tensor {
  const w = Math.ceil(image.width / MULTIPLE) * MULTIPLE;
  const h = Math.ceil(image.height / MULTIPLE) * MULTIPLE;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(y, image.height - 1);
    for (let x = 0; x < w; x++) {
      const s = 3 * (sy * image.width + Math.min(x, image.width - 1));
      const d = y * w + x;
      out[d] = image.data[s] / 255;
      out[plane + d] = image.data[s + 1] / 255;
      out[2 * plane + d] = image.data[s + 2] / 255;
    }
  }
  return new ort.Tensor('float32', out, [1, 3, h, w]);
}

function croppedImage(t: ort.Tensor, width: number, height: number): RgbImage {
  const [, , h, w] = t.dims;
  const data = t.data as Float32Array;
  const plane = h * w;
  const img = createImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const v = data[c * plane + y * w + x] * 255;
        img.data[3 * (y * width + x) + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
  return img;
}

export function deepJsccCodec(name: string, session: SessionOptions = {}): AnalogImageCodec<JsccState> {
  const model = jsccModel(name);
  const ids = jsccModelIds(name);
  const run = async (id: string, input: ort.Tensor): Promise<ort.Tensor> => {
    const s = await modelSession(id, session);
    const entry = modelEntry(id);
    const out = await s.session.run({ [entry.inputs[0].name]: input });
    return out[entry.outputs[0].name];
  };
  return {
    id: `deep-jscc:${model.name}`,
    async encode(image) {
      const z = await run(ids.encoder, paddedInput(image));
      return { symbols: new Float32Array(z.data as Float32Array), state: { width: image.width, height: image.height, dims: [...z.dims] } };
    },
    async decode(encoded, received) {
      const y = await run(ids.decoder, new ort.Tensor('float32', received, encoded.state.dims));
      return croppedImage(y, encoded.state.width, encoded.state.height);
    },
  };
}

export const deepJsccFactory: SchemeFactory = {
  name: 'deep-jscc',
  summary: 'deep JSCC (Bourtsoulatze et al. 2019): conv encoder → power-normalised complex symbols (k/n = c/96), AWGN, conv decoder',
  options: JSCC_MODEL_OPTION,
  requiredModels: (o: SchemeOptions) => {
    const ids = jsccModelIds(jsccModel(String(o['jscc-model'] ?? DEFAULT_JSCC_MODEL)).name);
    return [ids.encoder, ids.decoder];
  },
  create(o, ctx) {
    const model = jsccModel(String(o['jscc-model'] ?? DEFAULT_JSCC_MODEL));
    const config = { model: model.name, c: model.c, trainSnrDb: model.trainSnrDb, encoder: model.encoder.sha256.slice(0, 16), decoder: model.decoder.sha256.slice(0, 16) };
    return new AnalogCodecScheme('deep-jscc', config, deepJsccCodec(model.name, ctx?.session));
  },
};
