import { UserError } from '../../bench/errors';
import { createImage, type RgbImage } from '../../bench/image';
import { psnr } from '../../bench/metrics/psnr';
import { timed, timedSync } from '../../bench/phase-timer';
import type { LlrMethod } from '../../bench/phy/demapper';
import type { LdpcAlgorithm } from '../../bench/phy/ldpc/decoder';
import { cacheDir } from '../../bench/fetch/cache-dir';
import type { Scheme, SchemeContext, SchemeFactory, SchemeOptions, SchemeOptionSpec, TransmitContext, TransmitResult } from '../../bench/schemes/scheme';
import { parseBandwidthRatio, symbolCap } from '../../bench/schemes/bandwidth-ratio';
import {
  capacityBudgetBytes,
  ldpcBudget,
  parseMcsChoice,
  type McsChoice,
  symbolsFor,
  codewordsFor,
  type Mcs,
} from './budget';
import { CodecDecodeError, createBpgCodec, type BpgChroma, type BpgCodec, type BpgCodecName } from './codec';
import { linkDecoderName, sendOverLink, type LinkOptions } from './link';
import { imageHash } from '../../bench/models/image-cache';
import { encodesFor } from './store';
import { arrivalProbability, checkTableFits, MAX_IMAGE_FAILURE, mcsBlerTable, tableBler, type McsBlerTable } from './mcs-table';

/**
 * BPG-LDPC, the separate source–channel coding baseline, and its ideal upper bound.
 *
 * `bpg-ldpc`: the image is BPG-coded (codec.ts) at the lowest QP whose stream fits the budget of
 * an MCS (budget.ts), sent over LDPC + QAM + AWGN (link.ts), and decoded. Any codeword that fails
 * its parity checks makes the stream unusable: the receiver outputs the failure image, mid-grey
 * (128 in every channel) — the source's mean colour is not known to the receiver. With
 * `--on-failure decode` the damaged stream goes to the HEVC decoder instead (its error
 * concealment); if that yields no picture of the right size, mid-grey (counted in `detail`).
 * `--bpg-mcs auto` (default) picks one pair per cell as a transmitter could: from the SNR and its
 * own streams, with simulated BLER curves (mcs-table.ts), never from the noise draw.
 * `--bpg-mcs oracle` tries every (rate, modulation) pair and keeps, per image and SNR, the one
 * with the highest PSNR of the reconstruction against the source — a genie, as in public
 * reproductions; PSNR is the primary metric for it. Ties go to the pair with fewer channel
 * symbols, then to the earlier pair of the list. The pair, QP and outcome are in `detail`.
 *
 * `bpg-capacity`: the same codec with n·log2(1 + SNR) bits (the complex AWGN capacity of the n
 * symbols) and no errors: the ideal separate-coding bound. It spends all n symbols.
 */

/** The failure image's level in every channel. */
export const FAILURE_LEVEL = 128;

export type OnFailure = 'grey' | 'decode';

interface BpgCommonConfig {
  codec: BpgCodecName;
  codecVersion: string;
  chroma: BpgChroma;
  preset: string;
  /** The ratio as given (`1/6`) and its value. */
  ratio: string;
}

interface BpgLdpcConfig extends BpgCommonConfig {
  mcs: string;
  /** `auto(p_fail≤0.1)` or `oracle`. */
  mcsChoice: string;
  decoder: string;
  iterations: number;
  demap: LlrMethod;
  onFailure: OnFailure;
}

/** What a pair's budget allows (SNR-independent). */
interface PairPlan {
  mcs: string;
  budgetBytes: number;
  maxCodewords: number;
  /** null: even QP 51 does not fit, nothing is sent. */
  qp: number | null;
}

/** bpg-ldpc's prepared data: plain values and typed arrays (survives v8.serialize). */
export interface BpgLdpcPrepared {
  width: number;
  height: number;
  source: Uint8Array;
  key: string;
  /** n: channel symbols available. */
  n: number;
  failurePsnr: number;
  plans: PairPlan[];
  /** The chosen QPs' streams and their decoded PSNR. */
  streams: Array<[number, Uint8Array]>;
  psnrByQp: Array<[number, number]>;
  /** Encoder runs the QP search needed (0 when every stream was already known: in memory or on disk). */
  encodes: number;
}

export function failureImage(width: number, height: number): RgbImage {
  return createImage(width, height, new Uint8Array(width * height * 3).fill(FAILURE_LEVEL));
}

function sourceOf(p: { width: number; height: number; source: Uint8Array }): RgbImage {
  return createImage(p.width, p.height, p.source);
}

/** One pair of the list for a cell: its plan, the symbols its stream needs and its best possible PSNR. */
interface Candidate {
  mcs: Mcs;
  plan: PairPlan;
  index: number;
  symbols: number;
  bound: number;
}

/** Higher PSNR first; ties: fewer symbols, then list order. */
function betterPlan(a: { psnr: number; symbols: number; index: number }, b: { psnr: number; symbols: number; index: number }): boolean {
  return a.psnr > b.psnr || (a.psnr === b.psnr && (a.symbols < b.symbols || (a.symbols === b.symbols && a.index < b.index)));
}

/** How one pair's transmission ended. */
type OutcomeKind = 'ok' | 'none' | 'failed' | 'undetected' | 'concealed' | 'conceal-failed';

interface Outcome {
  mcs: Mcs;
  plan: PairPlan;
  kind: OutcomeKind;
  psnr: number;
  symbols: number;
  codedBits: number;
  failedCodewords: number | null;
  /** The reconstruction when it is not the QP's clean decode or the failure image. */
  image?: RgbImage;
  /** `auto`: the predicted probability that the chosen pair's stream arrives whole. */
  arrival?: number;
}

class BpgLdpcScheme implements Scheme<BpgLdpcPrepared> {
  readonly name = 'bpg-ldpc';
  readonly prepareCache = 'disk' as const;
  readonly config: Readonly<BpgLdpcConfig>;
  private readonly link: LinkOptions;
  private readonly table: McsBlerTable | null;

  constructor(
    private readonly codec: BpgCodec,
    private readonly cacheRoot: string | null,
    private readonly ratio: number,
    private readonly mcs: Mcs[],
    private readonly choice: McsChoice,
    common: BpgCommonConfig,
    algorithm: LdpcAlgorithm,
    iterations: number,
    demap: LlrMethod,
    private readonly onFailure: OnFailure,
  ) {
    this.link = { algorithm, maxIterations: iterations, demap };
    // One pair leaves nothing to choose: no table needed.
    this.table = choice === 'auto' && mcs.length > 1 ? mcsBlerTable() : null;
    if (this.table) checkTableFits(this.table, mcs, this.link);
    this.config = {
      ...common,
      mcs: mcs.map((m) => m.name).join(','),
      mcsChoice: choice === 'auto' ? `auto(p_fail<=${MAX_IMAGE_FAILURE})` : 'oracle',
      decoder: linkDecoderName(mcs[0], this.link),
      iterations,
      demap,
      onFailure,
    };
  }

  async prepare(image: RgbImage): Promise<BpgLdpcPrepared> {
    const key = imageHash(image);
    const store = encodesFor(this.codec, image, key, this.cacheRoot);
    const before = store.encodeCount;
    const n = symbolCap(this.ratio, image.width, image.height);
    const budgets = this.mcs.map((m) => ldpcBudget(n, m));
    // Smallest budget first: each answer and its neighbour give the local size slope from which
    // the next, larger budget's QP is extrapolated (kodim01: 23 encodes for 12 QPs, vs 25 the other way).
    const order = budgets.map((_, i) => i).sort((a, b) => budgets[a].bytes - budgets[b].bytes);
    const qps: (number | null)[] = new Array(this.mcs.length);
    for (const i of order) qps[i] = await store.search.bestQp(budgets[i].bytes);
    const plans: PairPlan[] = this.mcs.map((m, i) => ({ mcs: m.name, budgetBytes: budgets[i].bytes, maxCodewords: budgets[i].maxCodewords, qp: qps[i] }));
    const chosen = [...new Set(qps.filter((q): q is number => q !== null))].sort((a, b) => a - b);
    const decoded = await store.decodedAt(chosen);
    for (const d of decoded) if (d.width !== image.width || d.height !== image.height) throw new Error(`BPG decode gave ${d.width}x${d.height} for a ${image.width}x${image.height} image`);
    return {
      width: image.width,
      height: image.height,
      source: image.data.slice(),
      key,
      n,
      failurePsnr: psnr(image, failureImage(image.width, image.height)),
      plans,
      streams: await Promise.all(chosen.map(async (q): Promise<[number, Uint8Array]> => [q, await store.stream(q)])),
      psnrByQp: chosen.map((q, i) => [q, psnr(image, decoded[i])]),
      encodes: store.encodeCount - before,
    };
  }

  async transmit(p: BpgLdpcPrepared, ctx: TransmitContext): Promise<TransmitResult> {
    const source = sourceOf(p);
    const streams = new Map(p.streams);
    const psnrAt = new Map(p.psnrByQp);
    const candidates = this.mcs.map((mcs, index): Candidate => {
      const plan = p.plans[index];
      if (!plan || plan.mcs !== mcs.name) throw new Error(`bpg-ldpc: prepared data for ${plan?.mcs} where ${mcs.name} was expected`);
      const bytes = plan.qp === null ? 0 : streams.get(plan.qp)!.length;
      const symbols = plan.qp === null ? 0 : symbolsFor(codewordsFor(bytes, mcs), mcs);
      // The best PSNR the pair can give: its clean decode, or the failure image.
      const bound = plan.qp === null ? p.failurePsnr : Math.max(psnrAt.get(plan.qp)!, p.failurePsnr);
      return { mcs, plan, index, symbols, bound };
    });
    const best = this.choice === 'oracle' ? await this.oracle(candidates, streams, psnrAt, p, source, ctx) : await this.auto(candidates, streams, psnrAt, p, source, ctx);

    let reconstruction: RgbImage;
    if (best.image) reconstruction = best.image;
    else if (best.kind === 'ok') {
      const store = encodesFor(this.codec, source, p.key, this.cacheRoot);
      for (const [q, s] of streams) store.remember(q, s);
      reconstruction = (await store.decodedAt([best.plan.qp!]))[0];
    } else reconstruction = failureImage(p.width, p.height);

    const bytes = best.plan.qp === null ? 0 : streams.get(best.plan.qp)!.length;
    const detail = [
      `mcs=${best.mcs.name}`,
      ...(best.arrival !== undefined ? [`p_arrive=${best.arrival.toPrecision(3)}`] : []),
      `qp=${best.plan.qp ?? 'none'}`,
      `bytes=${bytes}`,
      `budget=${best.plan.budgetBytes}`,
      `codewords=${best.plan.qp === null ? 0 : codewordsFor(bytes, best.mcs)}`,
      `failed=${best.failedCodewords ?? '1+'}`,
      `outcome=${best.kind}`,
    ].join(' ');
    return { reconstruction, channelSymbols: best.symbols, bitsSent: best.codedBits, detail };
  }

  /**
   * `auto`: the pair a transmitter would pick knowing the SNR and its own streams (mcs-table.ts):
   * the best clean PSNR among those whose stream arrives whole with probability ≥ 1 − MAX_IMAGE_FAILURE,
   * else the most likely to arrive. Only that pair is sent.
   */
  private async auto(candidates: Candidate[], streams: Map<number, Uint8Array>, psnrAt: Map<number, number>, p: BpgLdpcPrepared, source: RgbImage, ctx: TransmitContext): Promise<Outcome> {
    const table = this.table;
    const rated = candidates.map((c) => {
      const codewords = c.plan.qp === null ? 0 : codewordsFor(streams.get(c.plan.qp)!.length, c.mcs);
      const arrival = !table ? 1 : c.plan.qp === null ? 1 : arrivalProbability(tableBler(table, c.mcs.name, ctx.snrDb)!, codewords);
      return { ...c, arrival };
    });
    const qualified = rated.filter((c) => c.arrival >= 1 - MAX_IMAGE_FAILURE);
    const pick = qualified.length
      ? qualified.reduce((a, b) => (betterPlan({ ...b, psnr: b.bound }, { ...a, psnr: a.bound }) ? b : a))
      : rated.reduce((a, b) => (b.arrival > a.arrival ? b : a));
    const outcome = await this.send(pick.mcs, pick.plan, streams, psnrAt, p, source, ctx);
    return { ...outcome, arrival: table ? pick.arrival : undefined };
  }

  /** `oracle`: every pair is sent, the best reconstruction kept (a genie: it sees the noise draw). */
  private async oracle(candidates: Candidate[], streams: Map<number, Uint8Array>, psnrAt: Map<number, number>, p: BpgLdpcPrepared, source: RgbImage, ctx: TransmitContext): Promise<Outcome> {
    const before = betterPlan;
    const ordered = [...candidates].sort((a, b) => (before({ ...a, psnr: a.bound }, { ...b, psnr: b.bound }) ? -1 : 1));

    let best: (Outcome & { index: number }) | null = null;
    for (const c of ordered) {
      // In grey mode no outcome beats its bound, so the search stops when no pair left can win.
      // With concealment a damaged stream's PSNR is not bounded: every pair is tried.
      if (best && this.onFailure === 'grey' && !before({ psnr: c.bound, symbols: c.symbols, index: c.index }, { ...best })) {
        if (c.bound < best.psnr) break;
        continue;
      }
      const outcome = await this.send(c.mcs, c.plan, streams, psnrAt, p, source, ctx);
      if (!best || before({ ...outcome, index: c.index }, { ...best })) best = { ...outcome, index: c.index };
    }
    if (!best) throw new Error('bpg-ldpc: no MCS to evaluate');
    return best;
  }

  private async send(
    mcs: Mcs,
    plan: PairPlan,
    streams: Map<number, Uint8Array>,
    psnrAt: Map<number, number>,
    p: BpgLdpcPrepared,
    source: RgbImage,
    ctx: TransmitContext,
  ): Promise<Outcome> {
    if (plan.qp === null) return { mcs, plan, kind: 'none', psnr: p.failurePsnr, symbols: 0, codedBits: 0, failedCodewords: 0 };
    const stream = streams.get(plan.qp)!;
    const conceal = this.onFailure === 'decode';
    const r = timedSync('ldpc-link', () => sendOverLink(stream, mcs, ctx.snrDb, ctx.rng(`awgn ${mcs.name}`), this.link, !conceal, ctx.channel));
    const base = { mcs, plan, symbols: r.symbols, codedBits: r.codedBits, failedCodewords: r.stoppedEarly ? null : r.failedCodewords };
    if (r.failedCodewords > 0 && !conceal) return { ...base, kind: 'failed', psnr: p.failurePsnr };
    const received = r.received!;
    if (r.failedCodewords === 0 && intact(stream, received)) {
      // The channel was transparent: the receiver decodes exactly the sent stream.
      return { ...base, kind: 'ok', psnr: psnrAt.get(plan.qp)! };
    }
    // A damaged stream reaches the decoder: concealment, or a codeword that passed its checks
    // with wrong bits (undetected error; the receiver cannot know).
    const kind: OutcomeKind = r.failedCodewords > 0 ? 'concealed' : 'undetected';
    try {
      const image = await timed('x265-decode', () => this.codec.decode(received));
      if (image.width !== p.width || image.height !== p.height) throw new CodecDecodeError(`decoded ${image.width}x${image.height}`);
      return { ...base, kind, psnr: psnr(source, image), image };
    } catch (e) {
      if (!(e instanceof CodecDecodeError)) throw e;
      return { ...base, kind: kind === 'concealed' ? 'conceal-failed' : 'failed', psnr: p.failurePsnr };
    }
  }
}

/** The received bytes are the sent stream followed by zero padding. */
function intact(stream: Uint8Array, received: Uint8Array): boolean {
  for (let i = 0; i < stream.length; i++) if (stream[i] !== received[i]) return false;
  return true;
}

export interface BpgCapacityPrepared {
  width: number;
  height: number;
  source: Uint8Array;
  key: string;
  n: number;
}

class BpgCapacityScheme implements Scheme<BpgCapacityPrepared> {
  readonly name = 'bpg-capacity';
  // The QP search depends on the SNR; the encodes it needs are shared in memory by QP (store.ts).
  readonly prepareCache = 'memory' as const;

  constructor(
    private readonly codec: BpgCodec,
    private readonly cacheRoot: string | null,
    private readonly ratio: number,
    readonly config: Readonly<BpgCommonConfig>,
  ) {}

  async prepare(image: RgbImage): Promise<BpgCapacityPrepared> {
    return { width: image.width, height: image.height, source: image.data, key: imageHash(image), n: symbolCap(this.ratio, image.width, image.height) };
  }

  async transmit(p: BpgCapacityPrepared, ctx: TransmitContext): Promise<TransmitResult> {
    const store = encodesFor(this.codec, sourceOf(p), p.key, this.cacheRoot);
    const budget = capacityBudgetBytes(p.n, ctx.snrDb);
    const qp = await store.capacitySearch.bestQp(budget);
    if (qp === null) {
      return { reconstruction: failureImage(p.width, p.height), channelSymbols: 0, bitsSent: 0, detail: `qp=none bytes=0 budget=${budget}` };
    }
    const stream = await store.stream(qp);
    const [image] = await store.decodedAt([qp]);
    return { reconstruction: image, channelSymbols: p.n, bitsSent: 8 * stream.length, detail: `qp=${qp} bytes=${stream.length} budget=${budget}` };
  }
}

const COMMON_OPTIONS: Record<string, SchemeOptionSpec> = {
  'bpg-codec': { type: 'string', default: 'ffmpeg', describe: 'BPG codec: ffmpeg (libx265 + HEVC decoder, bundled) | bpgenc (bpgenc/bpgdec on the PATH)' },
  'bpg-chroma': { type: 'string', default: '420', describe: 'BPG chroma format: 420 | 444' },
  'bpg-preset': { type: 'string', default: 'medium', describe: 'x265 preset of the ffmpeg BPG codec (bpgenc\'s own default is placebo)' },
  'bpg-ratio': { type: 'string', default: '1/6', describe: 'BPG bandwidth ratio k/n: channel symbols per source value (H·W·3)' },
};

/**
 * The cache folder of the run (the sweep's --cache-dir, else $MULTISC_CACHE_DIR or the default):
 * its `bpg/` holds the encoded streams and decoded pictures (store.ts). `bpg-cache: off` keeps
 * them in memory only.
 */
function cacheRootFrom(options: SchemeOptions, ctx: SchemeContext | undefined): string | null {
  return options['bpg-cache'] === 'off' ? null : cacheDir(ctx?.session?.cacheDir);
}

/** The ratio is `--budget` when the run has one (the CLI refuses it beside --bpg-ratio), else --bpg-ratio. */
function commonFrom(options: SchemeOptions, ctx: SchemeContext | undefined): { codec: BpgCodec; ratio: number; common: BpgCommonConfig } {
  const codecName = String(options['bpg-codec'] ?? 'ffmpeg');
  const chroma = String(options['bpg-chroma'] ?? '420');
  const preset = String(options['bpg-preset'] ?? 'medium');
  const ratioText = ctx?.budget?.text ?? String(options['bpg-ratio'] ?? '1/6').trim();
  if (codecName !== 'ffmpeg' && codecName !== 'bpgenc') throw new UserError(`--bpg-codec ${codecName} is not a codec: use ffmpeg or bpgenc`);
  if (chroma !== '420' && chroma !== '444') throw new UserError(`--bpg-chroma ${chroma} is not a chroma format: use 420 or 444`);
  const ratio = ctx?.budget?.ratio ?? parseBandwidthRatio(ratioText, 'bpg-ratio');
  const codec = createBpgCodec({ codec: codecName, chroma, preset });
  return {
    codec,
    ratio,
    common: { codec: codecName, codecVersion: codec.version, chroma, preset: codecName === 'ffmpeg' ? preset : 'bpgenc-default', ratio: ratioText },
  };
}

export const bpgLdpcFactory: SchemeFactory = {
  sourceFile: __filename,
  name: 'bpg-ldpc',
  summary: 'BPG (HEVC intra) at the best QP that fits the budget, 5G NR LDPC + QAM, AWGN, soft demapping; failed block → mid-grey image',
  options: {
    ...COMMON_OPTIONS,
    'bpg-mcs': { type: 'string', default: 'auto', describe: 'BPG-LDPC rate:modulation pairs (every 1/3,1/2,2/3,3/4 × bpsk,qpsk,16qam,64qam, or a comma list such as 2/3:16qam) and the choice per cell: auto (from the SNR and simulated BLER curves, as a transmitter could) or oracle (every pair sent, the best reconstruction kept: a genie)' },
    'bpg-decoder': { type: 'string', default: 'min-sum', describe: 'BPG-LDPC decoder: min-sum (layered normalised, WebAssembly SIMD) | sum-product' },
    'bpg-iterations': { type: 'number', default: 20, describe: 'BPG-LDPC decoder iterations at most' },
    'bpg-demap': { type: 'string', default: 'exact', describe: 'BPG-LDPC soft demapper: exact | maxlog' },
    'on-failure': { type: 'string', default: 'grey', describe: 'BPG-LDPC receiver when a codeword fails: grey (mid-grey image) | decode (HEVC error concealment)' },
  },
  create(options: SchemeOptions, ctx?: SchemeContext): Scheme {
    const decoder = String(options['bpg-decoder'] ?? 'min-sum');
    if (decoder !== 'min-sum' && decoder !== 'sum-product') throw new UserError(`--bpg-decoder ${decoder} is not a decoder: use min-sum or sum-product`);
    const iterations = Number(options['bpg-iterations'] ?? 20);
    if (!(Number.isInteger(iterations) && iterations >= 1 && iterations <= 1000)) throw new UserError(`--bpg-iterations ${String(options['bpg-iterations'])}: give a whole number in 1…1000`);
    const demap = String(options['bpg-demap'] ?? 'exact');
    if (demap !== 'exact' && demap !== 'maxlog') throw new UserError(`--bpg-demap ${demap} is not a demapper: use exact or maxlog`);
    const onFailure = String(options['on-failure'] ?? 'grey');
    if (onFailure !== 'grey' && onFailure !== 'decode') throw new UserError(`--on-failure ${onFailure}: use grey (mid-grey image) or decode (HEVC error concealment)`);
    const { choice, list } = parseMcsChoice(String(options['bpg-mcs'] ?? 'auto'));
    if (choice === 'auto' && list.length > 1 && ctx?.channel && ctx.channel.kind !== 'awgn') {
      // Its BLER curves were simulated over AWGN: under fading they would promise what the link cannot keep.
      throw new UserError('--bpg-mcs auto chooses from BLER curves simulated over AWGN; under --channel rayleigh use --bpg-mcs oracle (or oracle:LIST, or one pair)');
    }
    const { codec, ratio, common } = commonFrom(options, ctx);
    return new BpgLdpcScheme(codec, cacheRootFrom(options, ctx), ratio, list, choice, common, decoder, iterations, demap, onFailure);
  },
};

export const bpgCapacityFactory: SchemeFactory = {
  sourceFile: __filename,
  name: 'bpg-capacity',
  summary: 'BPG at the best QP within n·log2(1+SNR) bits, error-free: the ideal separate source–channel coding bound',
  options: COMMON_OPTIONS,
  create(options: SchemeOptions, ctx?: SchemeContext): Scheme {
    if (ctx?.channel && ctx.channel.kind !== 'awgn') throw new UserError('bpg-capacity is the AWGN capacity bound: it has no meaning under --channel rayleigh; leave it out of --schemes');
    const { codec, ratio, common } = commonFrom(options, ctx);
    return new BpgCapacityScheme(codec, cacheRootFrom(options, ctx), ratio, common);
  },
};
