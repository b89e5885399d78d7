import { analogCodec } from '../../baselines/analog/analog';
import { DEFAULT_DETECTOR } from '../models/detector';
import { DEFAULT_SEGMENTER } from '../models/segmenter';
import { deepJsccCodec, JSCC_MODEL_OPTION, DEFAULT_JSCC_MODEL } from '../../baselines/deep-jscc/deep-jscc';
import { UserError } from '../errors';
import type { RgbImage } from '../image';
import { VOC_GT_SEGMENTER } from '../models/voc-ground-truth';
import type { Segmentation } from '../models/segmenter';
import { SAMPLERS, type SamplerName } from '../diffusion/schedulers';
import { checkSdSettings, SD_DEFAULTS, type SdSettings } from '../diffusion/sd-ip-adapter';
import { captionerModels, CORRECTOR_MODELS, DEFAULT_PAPER_DTYPE, PAPER_DTYPES, PAPER_SEGMENTER, paperDtypeOf, paperSemanticModels } from '../models/paper-profile';
import type { Profile } from '../models/registry';
import type { SessionOptions } from '../models/session';
import { timed, timedSync } from '../phase-timer';
import { AWGN, sendSymbols } from '../phy/channel';
import { linkSymbols, type BitLinkConfig } from '../phy/bit-link';
import { parseLdpcSpec } from '../phy/ldpc/codes';
import { modulationFromName } from '../phy/modulation';
import { decodeTimed, encodeWithinTimed, scaledCodec, type AnalogEncoded, type AnalogImageCodec, type ScaledCodec } from '../schemes/analog-image-codec';
import { BudgetRefusal, symbolCap, type BandwidthBudget } from '../schemes/bandwidth-ratio';
import type { ImageSource, Scheme, SchemeContext, SchemeFactory, SchemeOptions, SchemeOptionSpec, TransmitContext, TransmitResult } from '../schemes/scheme';
import type { GridSize } from './lite/caption-grammar';
import { cropImage } from './lite/template-captioner';
import { liteRoles, paperRoles, type ReceivedSlice, type SemanticRoles } from './roles';
import { sendRepeated, sendText } from './text-link';

/**
 * The three text-based schemes of the letter, one pipeline (DESIGN.md):
 *
 *   transmitter: segmenter → main-object slice (Multi-SC, single-text SC); the image cut into
 *                blocks (2×2 for Multi-SC, 1×1 otherwise); one caption per block
 *   channel:     each caption, the slice and its side information on orthogonal links at the
 *                cell's SNR
 *   receiver:    corrector → captions fused in block order → generator with the received
 *                slice and weight λ (lite: the layout renderer, the slice pasted under its mask)
 *
 * Who segments, captions, corrects and generates is the profile's (roles.ts): the pipeline is one.
 * VLM-CSC sends one caption and no slice. The slice is the box crop, pasted under the mask at the
 * receiver. Side information: the slice's box (4 × 16 bits) with a
 * 5-fold repetition code and its mask, downsampled 8× per side, with a 3-fold repetition code,
 * both on the text link's modulation, uncoded. A box that arrives inconsistent with the slice's
 * symbol count (the receiver knows the frame length) means the slice cannot be placed: the image
 * is then rendered from text alone.
 */
export type SemanticVariant = 'multi-sc' | 'single-text' | 'vlm-csc';

const BOX_REPETITIONS = 5;
const MASK_REPETITIONS = 3;
const MASK_DOWNSAMPLE = 8;

/** The flags of the three schemes (declared once, shared). */
export const SEMANTIC_OPTIONS: Readonly<Record<string, SchemeOptionSpec>> = {
  blocks: { type: 'string', default: '2x2', describe: 'Multi-SC: blocks the image is cut into, one caption each (RxC)' },
  'cell-grid': { type: 'string', default: '3x3', describe: 'lite captioner: colour cells described per block (RxC, ≤ 5x5)' },
  'ip-weight': { type: 'number', default: 1, describe: 'λ: weight of the received slice against the text-generated image (0 = text only)' },
  'text-mod': { type: 'string', default: 'bpsk', describe: 'text link modulation: bpsk | qpsk | 16qam | 64qam' },
  'text-code': { type: 'string', default: 'none', describe: 'text link LDPC code, e.g. nr:1536:4608, or none (uncoded, hard decisions)' },
  corrector: { type: 'string', default: 'symspell', describe: 'receiver spelling corrector: symspell | none' },
  'slice-codec': { type: 'string', default: 'analog', describe: 'how the main-object slice is sent: analog (uncoded, LMMSE) | deep-jscc (--jscc-model)' },
  ...JSCC_MODEL_OPTION,
  segmenter: { type: 'string', default: DEFAULT_SEGMENTER, describe: 'main-object segmenter: isnet-general, isnet-general-small (salient object), fcn-resnet50-11 (the letter\'s FCN, largest class; fetched on first use, 141 MB), or voc-gt: the VOC2012 ground-truth mask, an oracle (largest class)' },
  detector: { type: 'string', default: DEFAULT_DETECTOR, describe: 'object detector model id behind the template captioner' },
  dtype: { type: 'string', default: DEFAULT_PAPER_DTYPE, describe: `paper profile: weights of the captioner (nanoLLaVA): ${PAPER_DTYPES.join(' | ')}` },
  'sd-steps': { type: 'number', default: SD_DEFAULTS.steps, describe: 'paper profile: diffusion sampling steps' },
  guidance: { type: 'number', default: SD_DEFAULTS.guidance, describe: 'paper profile: classifier-free guidance scale (1: none)' },
  sampler: { type: 'string', default: SD_DEFAULTS.sampler, describe: `paper profile: diffusion sampler: ${SAMPLERS.join(' | ')}` },
};

interface SemanticConfig {
  [key: string]: string | number | boolean;
  variant: SemanticVariant;
  blocks: string;
  cellGrid: string;
  ipWeight: number;
  textMod: string;
  textCode: string;
  corrector: string;
  sliceCodec: string;
  segmenter: string;
  detector: string;
  generator: string;
  slice: string;
}

interface PreparedSlice {
  box: { x: number; y: number; width: number; height: number };
  /** The box crop as the slice codec encoded it. */
  encoded: AnalogEncoded;
  /** The slice mask downsampled by MASK_DOWNSAMPLE: what the receiver gets. */
  coarseMask: Uint8Array;
}

interface SemanticPrepared {
  width: number;
  height: number;
  captions: string[];
  slice: PreparedSlice | null;
}

function parseGrid(text: string, flag: string, max: number): GridSize {
  const m = /^\s*(\d+)\s*x\s*(\d+)\s*$/i.exec(text);
  const rows = m ? Number(m[1]) : NaN;
  const cols = m ? Number(m[2]) : NaN;
  if (!m || rows < 1 || cols < 1 || rows > max || cols > max) throw new UserError(`--${flag} ${text}: write RxC with 1 ≤ R, C ≤ ${max}, e.g. 2x2`);
  return { rows, cols };
}

function coarseMaskOf(mask: Uint8Array, width: number, height: number): Uint8Array {
  const cw = Math.ceil(width / MASK_DOWNSAMPLE);
  const ch = Math.ceil(height / MASK_DOWNSAMPLE);
  const out = new Uint8Array(cw * ch);
  for (let cy = 0; cy < ch; cy++)
    for (let cx = 0; cx < cw; cx++) {
      let ones = 0;
      let n = 0;
      for (let y = cy * MASK_DOWNSAMPLE; y < Math.min(height, (cy + 1) * MASK_DOWNSAMPLE); y++)
        for (let x = cx * MASK_DOWNSAMPLE; x < Math.min(width, (cx + 1) * MASK_DOWNSAMPLE); x++) {
          ones += mask[y * width + x];
          n++;
        }
      out[cy * cw + cx] = 2 * ones >= n ? 1 : 0;
    }
  return out;
}

function fineMaskOf(coarse: Uint8Array, width: number, height: number): Uint8Array {
  const cw = Math.ceil(width / MASK_DOWNSAMPLE);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) out[y * width + x] = coarse[Math.floor(y / MASK_DOWNSAMPLE) * cw + Math.floor(x / MASK_DOWNSAMPLE)];
  return out;
}

function boxBits(box: PreparedSlice['box']): Uint8Array {
  const bits = new Uint8Array(64);
  [box.x, box.y, box.width, box.height].forEach((v, i) => {
    for (let j = 0; j < 16; j++) bits[16 * i + j] = (v >> (15 - j)) & 1;
  });
  return bits;
}

function boxFromBits(bits: Uint8Array): PreparedSlice['box'] {
  const v = [0, 1, 2, 3].map((i) => bits.subarray(16 * i, 16 * i + 16).reduce((a, b) => (a << 1) | b, 0));
  return { x: v[0], y: v[1], width: v[2], height: v[3] };
}

class SemanticScheme implements Scheme<SemanticPrepared> {
  readonly prepareCache = 'disk' as const;
  private readonly blocks: GridSize;
  private readonly link: BitLinkConfig;
  /** The box and mask's link: the text link's modulation, uncoded (repetition only). */
  private readonly sideLink: BitLinkConfig;
  /** How the slice is sent (fitted to what a budget leaves); null for VLM-CSC, which sends none. */
  private readonly sliceCodec: ScaledCodec<unknown> | null;

  constructor(
    readonly name: SemanticVariant,
    readonly config: SemanticConfig,
    /** Who segments, captions, corrects and generates (roles.ts): the profile's models. */
    private readonly roles: SemanticRoles,
    sliceCodec: AnalogImageCodec | null,
    /** `--budget`: text, side information and slice within ⌊k/n·H·W·3⌋ symbols; null: no budget. */
    private readonly budget: BandwidthBudget | null,
  ) {
    this.sliceCodec = sliceCodec ? scaledCodec(sliceCodec) : null;
    this.blocks = name === 'multi-sc' ? parseGrid(config.blocks, 'blocks', 8) : { rows: 1, cols: 1 };
    this.link = {
      modulation: modulationFromName(config.textMod),
      code: config.textCode === 'none' ? null : parseLdpcSpec(config.textCode),
      demap: 'maxlog',
    };
    this.sideLink = { modulation: this.link.modulation, code: null };
  }

  async prepare(image: RgbImage, source?: ImageSource): Promise<SemanticPrepared> {
    let mask: Uint8Array | null = null;
    let seg: Segmentation | null = null;
    if (this.sliceCodec) {
      const segmenter = await this.roles.segmenter();
      seg = await timed('segmentation', () => segmenter.segment(image, source));
      if (seg.box) mask = seg.mask;
    }
    const captions = await (await this.roles.captioner()).caption(image, this.blocks, mask);
    const textSymbols = captions.reduce((a, c) => a + linkSymbols(8 * new TextEncoder().encode(c).length, this.link), 0);
    const cap = this.budget ? symbolCap(this.budget.ratio, image.width, image.height) : Infinity;
    const over = (what: string, need: number): never => {
      throw new BudgetRefusal(
        this.name,
        `${this.name} cannot meet --budget ${this.budget!.text} on ${source?.id ?? `a ${image.width}×${image.height} image`}: ${what} take ${need} channel symbols, the budget allows ${cap}; raise --budget to at least ${need}/${image.width * image.height * 3} or leave ${this.name} out`,
      );
    };
    if (textSymbols > cap) over(`its captions (${this.link.modulation.name}, ${this.config.textCode})`, textSymbols);
    let slice: PreparedSlice | null = null;
    if (this.sliceCodec && seg?.box) {
      const box = seg.box;
      const coarseMask = coarseMaskOf(seg.sliceMask, box.width, box.height);
      const side = linkSymbols(64 * BOX_REPETITIONS, this.sideLink) + linkSymbols(coarseMask.length * MASK_REPETITIONS, this.sideLink);
      // The whole box is sent and only its masked part is pasted: zeroing the background first
      // would leave a black halo wherever the coarse received mask overhangs the object. Within a
      // budget the slice gets what the text and side information leave, downscaled to fit.
      const encoded = await encodeWithinTimed(this.sliceCodec, cropImage(image, box), cap - textSymbols - side);
      if (!encoded) over('its captions, the slice\'s box and mask and the smallest slice', textSymbols + side + this.sliceCodec.symbolsFor(1, 1));
      slice = { box, encoded: encoded!, coarseMask };
    }
    return { width: image.width, height: image.height, captions, slice };
  }

  async transmit(p: SemanticPrepared, ctx: TransmitContext): Promise<TransmitResult> {
    const corrector = await this.roles.corrector();
    const channel = ctx.channel ?? AWGN;
    // Text, side information and slice share the run's channel; fading gains are known at the receiver.
    const link: BitLinkConfig = channel.kind === 'awgn' ? this.link : { ...this.link, channel };
    let symbols = 0;
    let bits = 0;
    const received: string[] = [];
    const corrected: string[] = [];
    for (const [i, caption] of p.captions.entries()) {
      const r = timedSync('text-link', () => sendText(caption, ctx.snrDb, ctx.rng(`text${i}`), link));
      symbols += r.channelSymbols;
      bits += r.channelBits;
      received.push(r.received);
      corrected.push(await corrector.correct(r.received));
    }
    // What became of the slice: none (VLM-CSC, or no main object), dropped (its box arrived
    // inconsistent: sent, counted, not pasted) or pasted.
    let sliceOutcome: 'none' | 'dropped' | 'pasted' = 'none';
    let receivedSlice: ReceivedSlice | null = null;
    if (p.slice && this.sliceCodec) {
      sliceOutcome = 'dropped';
      const side: BitLinkConfig = channel.kind === 'awgn' ? this.sideLink : { ...this.sideLink, channel };
      const slice = p.slice;
      const box = timedSync('text-link', () => sendRepeated(boxBits(slice.box), BOX_REPETITIONS, ctx.snrDb, ctx.rng('box'), side));
      const mask = timedSync('text-link', () => sendRepeated(slice.coarseMask, MASK_REPETITIONS, ctx.snrDb, ctx.rng('mask'), side));
      const { y, gains } = timedSync('channel', () => sendSymbols(slice.encoded.symbols, ctx.snrDb, ctx.rng('slice'), channel));
      symbols += box.channelSymbols + mask.channelSymbols + p.slice.encoded.symbols.length / 2;
      bits += box.channelSymbols * this.link.modulation.bitsPerSymbol + mask.channelSymbols * this.link.modulation.bitsPerSymbol;
      const b = boxFromBits(box.bits);
      const fits = b.width === p.slice.box.width && b.height === p.slice.box.height && b.x + b.width <= p.width && b.y + b.height <= p.height;
      if (fits) {
        receivedSlice = { image: await decodeTimed(this.sliceCodec, slice.encoded, y, ctx.snrDb, gains), mask: fineMaskOf(mask.bits, b.width, b.height), box: b };
        sliceOutcome = 'pasted';
      }
    }
    const generator = await this.roles.generator();
    const image = await generator.generate(corrected, this.blocks, p.width, p.height, receivedSlice, this.config.ipWeight, ctx.rng('latents'));
    return {
      reconstruction: image,
      channelSymbols: symbols,
      bitsSent: bits,
      texts: { sent: p.captions.join(' '), received: received.join(' '), corrected: corrected.join(' ') },
      detail: `slice=${sliceOutcome}`,
    };
  }
}

/** The slice codec the options ask for; its id (`analog:mmse`, `deep-jscc:c16-snr19`) goes into the config. */
function sliceCodecOf(o: SchemeOptions, session: SessionOptions = {}): AnalogImageCodec {
  const codec = String(o['slice-codec'] ?? 'analog');
  if (codec === 'analog') return analogCodec('mmse');
  if (codec === 'deep-jscc') return deepJsccCodec(String(o['jscc-model'] ?? DEFAULT_JSCC_MODEL), session) as AnalogImageCodec;
  throw new UserError(`--slice-codec ${codec}: use analog or deep-jscc`);
}

/** The config values both profiles share, λ checked; the codec that sends the slice (none for VLM-CSC). */
function sharedConfig(variant: SemanticVariant, o: SchemeOptions, session: SessionOptions | undefined) {
  const sliceCodec = variant === 'vlm-csc' ? null : sliceCodecOf(o, session);
  const str = (k: string) => String(o[k] ?? SEMANTIC_OPTIONS[k].default);
  const ipWeight = Number(o['ip-weight'] ?? 1);
  if (!(ipWeight >= 0 && ipWeight <= 1)) throw new UserError(`--ip-weight ${String(o['ip-weight'])}: λ must be in 0..1`);
  return {
    sliceCodec,
    str,
    common: {
      blocks: variant === 'multi-sc' ? str('blocks') : '1x1',
      ipWeight: variant === 'vlm-csc' ? 0 : ipWeight,
      textMod: str('text-mod'),
      textCode: str('text-code'),
      sliceCodec: sliceCodec?.id ?? 'none',
      slice: variant === 'vlm-csc' ? 'none' : `box-crop|mask/${MASK_DOWNSAMPLE}x${MASK_REPETITIONS}|box16x${BOX_REPETITIONS}`,
    },
  };
}

/** The config with the run's budget last (absent without one, so configs of earlier runs still match). */
function withBudget(config: SemanticConfig, ctx: SchemeContext | undefined): SemanticConfig {
  return ctx?.budget ? { ...config, budget: ctx.budget.text } : config;
}

function semanticFactory(variant: SemanticVariant, summary: string): SchemeFactory {
  return {
    name: variant,
    summary,
    sourceFile: __filename,
    options: SEMANTIC_OPTIONS,
    requiredModels: (o: SchemeOptions, profile?: Profile) => {
      if (profile === 'paper') {
        const models = paperSemanticModels(variant, paperDtypeOf(String(o.dtype ?? DEFAULT_PAPER_DTYPE)));
        return variant === 'vlm-csc' ? models : [...models, ...sliceCodecOf(o).models];
      }
      const detector = String(o.detector ?? DEFAULT_DETECTOR);
      if (variant === 'vlm-csc') return [detector];
      const segmenter = String(o.segmenter ?? DEFAULT_SEGMENTER);
      return [...(segmenter === VOC_GT_SEGMENTER ? [] : [segmenter]), detector, ...sliceCodecOf(o).models];
    },
    create(o: SchemeOptions, ctx?: SchemeContext): Scheme {
      if (ctx?.profile === 'paper') return createPaper(variant, o, ctx);
      if (variant !== 'vlm-csc' && o.segmenter === VOC_GT_SEGMENTER && ctx?.dataset !== undefined && ctx.dataset !== 'voc2012') {
        throw new UserError(`--segmenter voc-gt reads VOC2012's ground-truth masks; dataset ${ctx.dataset} has none: use --dataset voc2012, or --segmenter isnet-general`);
      }
      const { sliceCodec, str, common } = sharedConfig(variant, o, ctx?.session);
      // Field order as run.json has always written it (a resumed run compares configs as JSON).
      const config: SemanticConfig = {
        variant,
        blocks: common.blocks,
        cellGrid: str('cell-grid'),
        ipWeight: common.ipWeight,
        textMod: common.textMod,
        textCode: common.textCode,
        corrector: str('corrector'),
        sliceCodec: common.sliceCodec,
        segmenter: variant === 'vlm-csc' ? 'none' : str('segmenter'),
        detector: str('detector'),
        generator: 'lite-layout-renderer',
        slice: common.slice,
      };
      if (config.corrector !== 'symspell' && config.corrector !== 'none') throw new UserError(`--corrector ${config.corrector}: use symspell or none`);
      const roles = liteRoles(
        { segmenter: config.segmenter, detector: config.detector, cellGrid: parseGrid(config.cellGrid, 'cell-grid', 5), corrector: config.corrector },
        ctx?.session ?? {},
      );
      return new SemanticScheme(variant, withBudget(config, ctx), roles, sliceCodec, ctx?.budget ?? null);
    },
  };
}

/** The same scheme on the letter's models (roles.ts: FCN, nanoLLaVA, BART, SD 1.5 + IP-Adapter). */
function createPaper(variant: SemanticVariant, o: SchemeOptions, ctx: SchemeContext): Scheme {
  const dtype = paperDtypeOf(String(o.dtype ?? DEFAULT_PAPER_DTYPE));
  const sd: SdSettings = {
    steps: Number(o['sd-steps'] ?? SD_DEFAULTS.steps),
    guidance: Number(o.guidance ?? SD_DEFAULTS.guidance),
    sampler: String(o.sampler ?? SD_DEFAULTS.sampler) as SamplerName,
  };
  checkSdSettings(sd);
  const { sliceCodec, common } = sharedConfig(variant, o, ctx.session);
  const captioner = captionerModels(dtype).decoder;
  const config: SemanticConfig = {
    variant,
    blocks: common.blocks,
    cellGrid: 'none',
    ipWeight: common.ipWeight,
    textMod: common.textMod,
    textCode: common.textCode,
    corrector: CORRECTOR_MODELS.decoder,
    sliceCodec: common.sliceCodec,
    segmenter: variant === 'vlm-csc' ? 'none' : PAPER_SEGMENTER,
    detector: 'none',
    // VLM-CSC's captioner in the letter is BLIP, which has no export here: nanoLLaVA stands in.
    captioner: variant === 'vlm-csc' ? `${captioner} (substitute for the letter's BLIP)` : captioner,
    generator: `sd15+ip-adapter|sampler=${sd.sampler}|steps=${sd.steps}|cfg=${sd.guidance}`,
    slice: common.slice,
  };
  return new SemanticScheme(variant, withBudget(config, ctx), paperRoles(dtype, ctx.session ?? {}, sd), sliceCodec, ctx.budget ?? null);
}

export const multiScFactory = semanticFactory('multi-sc', 'Multi-SC: main-object slice + one caption per block (2×2), corrected, fused, rendered (lite: layout renderer)');
export const singleTextFactory = semanticFactory('single-text', 'single-text SC: main-object slice + one caption of the whole image');
export const vlmCscFactory = semanticFactory('vlm-csc', 'VLM-CSC: one caption of the whole image, no slice; image from text alone');
