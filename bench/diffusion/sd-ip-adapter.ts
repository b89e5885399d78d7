import * as ort from 'onnxruntime-node';
import { UserError } from '../errors';
import { createImage, resizeImage, type RgbImage } from '../image';
import { int64Tensor, loadTokenizer, readModelJson } from '../models/generation';
import { imagesToTensor } from '../models/image-input';
import { modelEntry } from '../models/registry';
import { modelSession, type SessionOptions } from '../models/session';
import { timed } from '../phase-timer';
import type { Rng } from '../phy/rng';
import { createSampler, SAMPLERS, schedulerConfigFrom, type SamplerName } from './schedulers';

/**
 * The letter's receiver generator: Stable Diffusion 1.5 with IP-Adapter, on ONNX Runtime.
 *
 *   prompt  → CLIP tokenizer (77 tokens: start, ≤ 75, end, padded) → text encoder
 *   slice   → image encoder (CLIP ViT-H/14, 224 centre crop) → projection → 4 image-prompt tokens
 *   latents ~ N(0, 1)·σ₀ from the cell's seeded stream, (H/8)×(W/8)×4
 *   each step: ε = ε(∅) + g·(ε(text, image) − ε(∅)) (classifier-free guidance, the unconditional
 *   pass with the empty prompt and the projection of a zero image embedding), λ = ip_scale weights
 *   the image prompt's cross-attention against the text's (λ = 0: plain text-to-image)
 *   VAE decoder on latents / 0.18215 → [−1, 1] → 8-bit RGB, resized to the source (lanczos3).
 *
 * Generation size: the source scaled so its shorter side is 512 (SD 1.5's training size), each
 * side rounded to a multiple of 64. The UNet's timestep input takes the element type the session
 * declares (int64 truncates Euler's fractional timesteps, as optimum's pipelines do).
 */
export interface SdSettings {
  steps: number;
  guidance: number;
  sampler: SamplerName;
}

export const SD_DEFAULTS: Readonly<SdSettings> = { steps: 25, guidance: 7.5, sampler: 'ddim' };
export const VAE_SCALING = 0.18215;
export const SD_SHORTER_SIDE = 512;

export const SD_MODELS = {
  tokenizer: 'sd15-tokenizer',
  tokenizerConfig: 'sd15-tokenizer-config',
  textEncoder: 'sd15-text-encoder',
  unet: 'sd15-unet-ip-adapter',
  vaeDecoder: 'sd15-vae-decoder',
  schedulerConfig: 'sd15-scheduler-config',
  imageEncoder: 'ip-adapter-image-encoder',
  projection: 'ip-adapter-projection',
} as const;

/** The image prompt: the received slice (its box), with pixels outside its mask set to mid grey. */
export interface ImagePrompt {
  image: RgbImage;
  mask: Uint8Array;
}

export interface SdGenerator {
  readonly signature: string;
  generate(prompt: string, imagePrompt: ImagePrompt | null, ipWeight: number, width: number, height: number, rng: Rng): Promise<RgbImage>;
}

/** Generation size for a width×height source: shorter side 512, sides multiples of 64. */
export function generationSize(width: number, height: number): { width: number; height: number } {
  const scale = SD_SHORTER_SIDE / Math.min(width, height);
  const round64 = (v: number) => Math.max(64, Math.round((v * scale) / 64) * 64);
  return { width: round64(width), height: round64(height) };
}

/** CLIP token ids: start, the text's tokens (cut to fit), end, then padding to `length`. */
export function clipTokenIds(encoded: readonly number[], bos: number, eos: number, pad: number, length = 77): number[] {
  const body = encoded.filter((t, i) => !(i === 0 && t === bos) && !(i === encoded.length - 1 && t === eos));
  const ids = [bos, ...body.slice(0, length - 2), eos];
  return [...ids, ...Array<number>(length - ids.length).fill(pad)];
}

function tensorTypeOf(session: ort.InferenceSession, input: string): string {
  const meta = session.inputMetadata.find((m) => m.name === input);
  return meta && meta.isTensor ? String(meta.type) : 'float32';
}

/** One line for diffusion settings outside what the samplers take (the steps' upper bound comes with the scheduler). */
export function checkSdSettings(s: SdSettings): void {
  if (!(SAMPLERS as readonly string[]).includes(s.sampler)) throw new UserError(`--sampler ${s.sampler}: use ${SAMPLERS.join(' or ')}`);
  if (!Number.isInteger(s.steps) || s.steps < 1) throw new UserError(`--sd-steps ${s.steps}: use a whole number ≥ 1`);
  if (!(s.guidance >= 1)) throw new UserError(`--guidance ${s.guidance}: use 1 or more (1: no classifier-free guidance)`);
}

export async function createSdGenerator(opts: SessionOptions, settings: SdSettings = SD_DEFAULTS): Promise<SdGenerator> {
  const scheduler = schedulerConfigFrom(await readModelJson(SD_MODELS.schedulerConfig, opts), SD_MODELS.schedulerConfig);
  // Timesteps and σ depend on the settings only: one sampler serves every cell.
  const sampler = createSampler(settings.sampler, scheduler, settings.steps);
  checkSdSettings(settings);
  const { tokenizer, config: tokenizerConfig } = await loadTokenizer(SD_MODELS.tokenizer, SD_MODELS.tokenizerConfig, opts);
  const idOf = (field: string): number => {
    const token = tokenizerConfig[field];
    const ids = typeof token === 'string' ? tokenizer.encode(token, { add_special_tokens: false }).ids : [];
    if (ids.length !== 1) throw new UserError(`model ${SD_MODELS.tokenizerConfig}: ${field} ${JSON.stringify(token)} is not one token`);
    return ids[0];
  };
  const [bos, eos, pad] = [idOf('bos_token'), idOf('eos_token'), idOf('pad_token')];
  const textEncoder = await modelSession(SD_MODELS.textEncoder, opts);
  const unetModel = await modelSession(SD_MODELS.unet, opts);
  const vae = (await modelSession(SD_MODELS.vaeDecoder, opts)).session;
  const imageEncoder = (await modelSession(SD_MODELS.imageEncoder, opts)).session;
  const projection = (await modelSession(SD_MODELS.projection, opts)).session;
  const text = textEncoder.session;
  const unet = unetModel.session;
  const idsType = tensorTypeOf(text, 'input_ids');
  const timestepType = tensorTypeOf(unet, 'timestep');
  if (timestepType !== 'int64' && timestepType !== 'float32') {
    throw new UserError(`model ${SD_MODELS.unet}: timestep input of type ${timestepType} is not supported (int64 or float32)`);
  }
  // int64 truncates Euler's fractional timesteps, as optimum's pipelines do.
  const timestepTensor = (t: number): ort.Tensor => (timestepType === 'int64' ? int64Tensor([Math.trunc(t)], [1]) : new ort.Tensor('float32', Float32Array.from([t]), [1]));
  const imageSpec = modelEntry(SD_MODELS.imageEncoder).imageInput!;

  const encodeText = async (prompt: string): Promise<ort.Tensor> => {
    const ids = clipTokenIds(tokenizer.encode(prompt).ids, bos, eos, pad);
    const input = idsType === 'int64' ? int64Tensor(ids, [1, ids.length]) : new ort.Tensor('int32', Int32Array.from(ids), [1, ids.length]);
    return (await text.run({ input_ids: input })).last_hidden_state;
  };
  const project = async (embeds: ort.Tensor): Promise<ort.Tensor> => (await projection.run({ image_embeds: embeds })).ip_tokens;
  const embedImage = async (image: RgbImage): Promise<ort.Tensor> => (await imageEncoder.run({ pixel_values: await imagesToTensor([image], imageSpec) })).image_embeds;
  // The unconditional image prompt: the projection of a zero image embedding (as diffusers does).
  const embedWidth = (await embedImage(createImage(224, 224))).dims[1];
  const uncondTokens = await project(new ort.Tensor('float32', new Float32Array(embedWidth), [1, embedWidth]));
  const emptyText = await encodeText('');

  /** The slice's box with the pixels outside its mask at mid grey, as the image prompt. */
  const imageTokens = async (p: ImagePrompt): Promise<ort.Tensor> => {
    const masked = createImage(p.image.width, p.image.height, Uint8Array.from(p.image.data));
    for (let i = 0; i < p.mask.length; i++) if (!p.mask[i]) masked.data.fill(128, 3 * i, 3 * i + 3);
    return project(await embedImage(masked));
  };

  return {
    signature:
      `sd15+ip-adapter:unet=${unetModel.file.sha256.slice(0, 12)}|sampler=${settings.sampler}|steps=${settings.steps}|cfg=${settings.guidance}` +
      `|size=short${SD_SHORTER_SIDE}/64|vae=${VAE_SCALING}|out=lanczos3`,
    async generate(prompt, imagePrompt, ipWeight, width, height, rng) {
      const size = generationSize(width, height);
      const [h, w] = [size.height / 8, size.width / 8];
      const cond = await timed('text-encoder', () => encodeText(prompt));
      // Without a slice the image prompt is absent: λ = 0 and the zero embedding's tokens.
      const ipCond = imagePrompt ? await timed('image-encoder', () => imageTokens(imagePrompt)) : uncondTokens;
      const lambda = new ort.Tensor('float32', Float32Array.from([imagePrompt ? ipWeight : 0]), [1]);
      let latents: Float32Array = new Float32Array(4 * h * w);
      for (let i = 0; i < latents.length; i++) latents[i] = rng.normal() * sampler.initNoiseSigma;
      for (let i = 0; i < sampler.timesteps.length; i++) {
        const sample = new ort.Tensor('float32', sampler.scaleModelInput(latents, i), [1, 4, h, w]);
        const timestep = timestepTensor(sampler.timesteps[i]);
        const run = (ehs: ort.Tensor, ip: ort.Tensor) =>
          timed('unet', async () => (await unet.run({ sample, timestep, encoder_hidden_states: ehs, ip_tokens: ip, ip_scale: lambda })).out_sample.data as Float32Array);
        const epsCond = await run(cond, ipCond);
        let eps: Float32Array = epsCond;
        if (settings.guidance !== 1) {
          const epsUncond = await run(emptyText, uncondTokens);
          eps = epsUncond.map((u, k) => u + settings.guidance * (epsCond[k] - u));
        }
        latents = sampler.step(eps, i, latents);
      }
      const scaled = new ort.Tensor('float32', latents.map((v) => v / VAE_SCALING), [1, 4, h, w]);
      const decoded = await timed('vae-decoder', async () => (await vae.run({ latent_sample: scaled })).sample);
      const [, , outH, outW] = decoded.dims;
      const data = decoded.data as Float32Array;
      const image = createImage(outW, outH);
      const plane = outW * outH;
      for (let p = 0; p < plane; p++)
        for (let c = 0; c < 3; c++) image.data[3 * p + c] = Math.round(Math.min(1, Math.max(0, (data[c * plane + p] + 1) / 2)) * 255);
      return resizeImage(image, width, height, { fit: 'fill', kernel: 'lanczos3' });
    },
  };
}
