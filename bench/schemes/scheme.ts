import type { RgbImage } from '../image';
import type { Profile } from '../models/registry';
import type { SessionOptions } from '../models/session';
import type { ChannelSpec } from '../phy/channel';
import type { BandwidthBudget } from './bandwidth-ratio';
import type { Rng } from '../phy/rng';

/**
 * The contract every transmission scheme implements. A scheme splits its work in two:
 * `prepare` (transmitter work that does not depend on the SNR, done once per image and cached)
 * and `transmit` (channel + receiver at one SNR and seed).
 */
export interface Scheme<P = unknown> {
  readonly name: string;
  /**
   * Everything that changes this scheme's output. It keys the prepare cache and is recorded
   * in run.json; a resumed run must have the same config.
   */
  readonly config: Readonly<Record<string, string | number | boolean>>;
  /**
   * Where prepared data is kept between cells: 'memory' when preparing is cheaper than reading
   * a file back, 'disk' when it is expensive (models) so that a re-run skips it. Disk-cached
   * data must survive `v8.serialize`.
   */
  readonly prepareCache: 'memory' | 'disk';
  /** `source` says where the image comes from (the sweep always passes it; other callers may not). */
  prepare(image: RgbImage, source?: ImageSource): Promise<P>;
  transmit(prepared: P, ctx: TransmitContext): Promise<TransmitResult>;
}

/** Where an image comes from: its dataset, id, file and, for VOC, its ground-truth class mask. */
export interface ImageSource {
  dataset: string;
  id: string;
  path: string;
  maskPath?: string;
}

export interface TransmitContext {
  snrDb: number;
  seed: number;
  /** The run's channel (absent: AWGN); fading gains are known to the receiver. */
  channel?: ChannelSpec;
  /** The cell's random streams; `stream` names one independent use (e.g. 'awgn'). */
  rng(stream: string): Rng;
}

export interface TransmitResult {
  reconstruction: RgbImage;
  /** Complex channel uses spent on this image, side information included. */
  channelSymbols: number;
  /** Payload bits put on the channel by digital schemes; null for analog ones. */
  bitsSent: number | null;
  /** Text schemes: what was sent, received and corrected, block texts joined in block order. */
  texts?: { sent: string; received: string; corrected: string };
  /**
   * Optional one-line, machine-readable account of how the cell was sent (`key=value` pairs
   * separated by spaces), e.g. BPG-LDPC's chosen MCS, QP and outcome. Not part of metrics.csv.
   */
  detail?: string;
}

/**
 * Command-line options of the schemes, keyed by flag name without dashes (`analog-rx`). Each
 * scheme reads the ones it declared; the CLI collects every scheme's declarations into `bench run`.
 */
export type SchemeOptions = Readonly<Record<string, string | number | boolean | undefined>>;

export interface SchemeOptionSpec {
  type: 'string' | 'number' | 'boolean';
  default: string | number | boolean;
  describe: string;
}

export interface SchemeFactory {
  readonly name: string;
  readonly summary: string;
  /**
   * The module that defines the factory (its `__filename`): the root of the code whose version
   * (bench/code-version.ts) keys the scheme's prepared data on disk.
   */
  readonly sourceFile: string;
  /** The flags this scheme reads (shared flags may be declared by several schemes, identically). */
  readonly options?: Readonly<Record<string, SchemeOptionSpec>>;
  /**
   * Model ids the scheme needs with these options and profile: checked (lite: also fetched)
   * before a sweep starts.
   */
  requiredModels?(options: SchemeOptions, profile?: Profile): string[];
  create(options: SchemeOptions, ctx?: SchemeContext): Scheme;
}

/** What a scheme may need from the run besides its own options. */
export interface SchemeContext {
  /** Where models are found and how ONNX sessions are made (--models-dir, --threads, --device). */
  session?: SessionOptions;
  /** The dataset of the run (a scheme that needs its annotations refuses others at once). */
  dataset?: string;
  /** Which models fill the scheme's roles (captioner, corrector, segmenter, generator); default lite. */
  profile?: Profile;
  /** The run's channel (absent: AWGN): a scheme that cannot use it refuses at once. */
  channel?: ChannelSpec;
  /**
   * `--budget k/n`: every image within ⌊k/n·H·W·3⌋ channel symbols, side information included
   * (absent: each scheme's own ratio). A scheme that cannot meet it on an image says so in one line.
   */
  budget?: BandwidthBudget;
}
