import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { codeVersion } from '../../bench/code-version';
import { UserError } from '../../bench/errors';
import { createImage, encodePng, loadImage, type RgbImage } from '../../bench/image';
import { lastLine, runProcess } from './process';

/**
 * The BPG codec: HEVC intra coding of one picture (what BPG is: x265 plus a compact header).
 *
 * `ffmpeg` (default): ffmpeg with libx265 and its HEVC decoder, through pipes.
 *   - RGB → Y'CbCr with the BT.601 matrix at FULL range, as bpgenc does by default (its
 *     `-c ycbcr`, no `-limitedrange`); 4:2:0 (BPG's default) or 4:4:4, 8 bits. swscale runs with
 *     accurate rounding and full chroma interpolation; the decoder converts back with the same
 *     matrix and range (ffmpeg's own default would be limited range, so both sides say it).
 *     At QP 0 an encode–decode is near-lossless: 52.6 dB PSNR on kodim01 in 4:4:4 (max error 3),
 *     48 dB in 4:2:0 (the chroma subsampling).
 *   - x265: preset `--bpg-preset` (default medium; bpgenc's default level 8 is preset placebo,
 *     ~0.1 dB better at equal size on kodim01 for 3–9× the time), tune ssim (bpgenc's tune),
 *     constant QP (`qp`, 0–51; bpgenc's `-q q` runs x265 at qp q+1), one IDR frame (keyint 1),
 *     no x265 info SEI (`info=0`), no picture hash, VUI says full range and the BT.601 matrix.
 *   - The channel carries a 4-byte header (width and height, 16 bits each, big-endian: HEVC
 *     needs even dimensions in 4:2:0, so odd images are padded by repeating the last row/column
 *     and the receiver crops back) followed by the whole Annex-B stream: start codes, VPS, SPS,
 *     PPS and the slice. That is every byte the decoder needs; all are counted against the
 *     budget (kodim01: 4 + 84 bytes before the slice). A .bpg file has a 13-byte picture header
 *     for a Kodak image and a ~5-byte hevc_header in place of VPS+SPS (75 bytes here), keeps the
 *     PPS and drops the first start code: ~25 bytes where this sends 88.
 *   - Annex B allows trailing zero bytes after the last NAL unit, so a stream padded with zeros to
 *     a whole number of codewords decodes unchanged (tested).
 *
 * `bpgenc`: libbpg's bpgenc/bpgdec from the PATH (`-q qp -f 420|444`, its default colour space,
 *   range and compression level); the channel carries the whole .bpg file. These programs read
 *   and write files, so a private temp folder is used and removed after each call.
 */
export type BpgCodecName = 'ffmpeg' | 'bpgenc';
export type BpgChroma = '420' | '444';

export const BPG_QP_MIN = 0;
export const BPG_QP_MAX = 51;

/** Bytes the ffmpeg path adds in front of the Annex-B stream (width, height). */
export const FFMPEG_HEADER_BYTES = 4;

export interface BpgCodecConfig {
  codec: BpgCodecName;
  chroma: BpgChroma;
  /** x265 preset (ffmpeg codec only). */
  preset: string;
}

/** A stream the decoder could not turn into an image of the expected size. */
export class CodecDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecDecodeError';
  }
}

export interface BpgCodec {
  readonly config: BpgCodecConfig;
  /** The programs and their versions, e.g. `ffmpeg N-47683-g0e8eb07980-static`; keys caches. */
  readonly version: string;
  /**
   * What the streams depend on besides `config`, for the disk cache's key (store.ts): the version,
   * the SHA-256 of each program binary (computed once per process) and the code version of this
   * module. Computed on first use.
   */
  identity(): string;
  /** Everything the receiver needs to rebuild the image at this QP, as sent on the channel. */
  encode(img: RgbImage, qp: number): Promise<Uint8Array>;
  /** Decodes a possibly corrupted stream; CodecDecodeError when no image of a plausible size comes out. */
  decode(stream: Uint8Array): Promise<RgbImage>;
  /** Decodes intact streams of one image (own encodes), in as few processes as possible. */
  decodeMany(streams: readonly Uint8Array[]): Promise<RgbImage[]>;
}

export const X265_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'];

const FFMPEG_HINT = 'the @ffmpeg-installer/ffmpeg package ships it: run npm ci, or point MULTISC_FFMPEG at an ffmpeg built with libx265';
const BPG_HINT = "install libbpg's bpgenc and bpgdec on the PATH, or use --bpg-codec ffmpeg";

/** Builds the codec and checks that its programs are there; a missing one is a one-line UserError. */
export function createBpgCodec(config: BpgCodecConfig): BpgCodec {
  if (config.codec === 'ffmpeg') {
    if (!X265_PRESETS.includes(config.preset)) {
      throw new UserError(`--bpg-preset ${config.preset} is not an x265 preset: use one of ${X265_PRESETS.join(', ')}`);
    }
    return new FfmpegCodec(config, ffmpegPath());
  }
  if (config.codec === 'bpgenc') {
    const enc = findOnPath('bpgenc');
    const dec = findOnPath('bpgdec');
    if (!enc || !dec) {
      throw new UserError(`--bpg-codec bpgenc: ${!enc ? 'bpgenc' : 'bpgdec'} not found on the PATH (${BPG_HINT})`);
    }
    return new BpgencCodec(config, enc, dec);
  }
  throw new UserError(`--bpg-codec ${String(config.codec)} is not a codec: use ffmpeg or bpgenc`);
}

/** MULTISC_FFMPEG if set, else the binary of @ffmpeg-installer/ffmpeg; UserError if neither is there. */
export function ffmpegPath(): string {
  const fromEnv = process.env.MULTISC_FFMPEG;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new UserError(`cannot run ffmpeg at ${fromEnv} (from MULTISC_FFMPEG): not found or not executable; fix the path or unset it`);
    return fromEnv;
  }
  let p: string;
  try {
    p = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch (e) {
    throw new UserError(`cannot find ffmpeg for --bpg-codec ffmpeg: ${lastLine((e as Error).message)} (${FFMPEG_HINT})`);
  }
  if (!isExecutable(p)) throw new UserError(`cannot run ffmpeg at ${p}: not found or not executable (${FFMPEG_HINT})`);
  return p;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return null;
}

/** First line of `program args` (stdout or stderr) that names a version, for the codec signature. */
function versionLine(program: string, args: string[], pattern: RegExp, hint: string): string {
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 30000 });
  if (r.error) throw new UserError(`cannot run ${program}: ${r.error.message} (${hint})`);
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const m = pattern.exec(text);
  return m ? m[1] : 'unknown';
}

const binaryDigests = new Map<string, string>();

/** SHA-256 of a program binary, once per process (keyed by path, size and mtime). */
export function binaryDigest(file: string): string {
  const st = fs.statSync(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  let d = binaryDigests.get(key);
  if (!d) {
    d = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    binaryDigests.set(key, d);
  }
  return d;
}

/** The codec identity of `version` and these programs, under this module's code version. */
function identityOf(version: string, programs: readonly string[]): string {
  return JSON.stringify([version, ...programs.map((p) => binaryDigest(p)), codeVersion(__filename)]);
}

function checkQp(qp: number): void {
  if (!(Number.isInteger(qp) && qp >= BPG_QP_MIN && qp <= BPG_QP_MAX)) throw new RangeError(`BPG QP ${qp} outside ${BPG_QP_MIN}…${BPG_QP_MAX}`);
}

/** The image padded to even width/height by repeating its last column/row (4:2:0 needs even sizes). */
export function padToEven(img: RgbImage): RgbImage {
  const w = img.width + (img.width & 1);
  const h = img.height + (img.height & 1);
  if (w === img.width && h === img.height) return img;
  const out = createImage(w, h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(y, img.height - 1);
    out.data.set(img.data.subarray(sy * img.width * 3, (sy + 1) * img.width * 3), y * w * 3);
    if (w > img.width) out.data.copyWithin((y * w + w - 1) * 3, (y * w + w - 2) * 3, (y * w + w - 1) * 3);
  }
  return out;
}

/** The top-left width×height part of an image. */
export function crop(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return img;
  const out = createImage(width, height);
  for (let y = 0; y < height; y++) out.data.set(img.data.subarray(y * img.width * 3, (y * img.width + width) * 3), y * width * 3);
  return out;
}

const SWS_FLAGS = 'bicubic+accurate_rnd+full_chroma_int+full_chroma_inp';

class FfmpegCodec implements BpgCodec {
  readonly version: string;
  private readonly pixFmt: string;

  constructor(
    readonly config: BpgCodecConfig,
    private readonly ffmpeg: string,
  ) {
    this.version = `ffmpeg ${versionLine(ffmpeg, ['-hide_banner', '-version'], /ffmpeg version (\S+)/, FFMPEG_HINT)}`;
    this.pixFmt = config.chroma === '444' ? 'yuv444p' : 'yuv420p';
  }

  private id: string | undefined;
  identity(): string {
    return (this.id ??= identityOf(this.version, [this.ffmpeg]));
  }

  /** Encoded frame size: 4:2:0 needs even dimensions. */
  private codedSize(width: number, height: number): [number, number] {
    return this.config.chroma === '420' ? [width + (width & 1), height + (height & 1)] : [width, height];
  }

  async encode(img: RgbImage, qp: number): Promise<Uint8Array> {
    checkQp(qp);
    if (img.width > 0xffff || img.height > 0xffff) throw new UserError(`BPG: image ${img.width}x${img.height} too large (at most 65535 per side)`);
    const src = this.config.chroma === '420' ? padToEven(img) : img;
    // One x265 thread (pools=1, frame-threads=1): the sweep's workers already fill the cores, and
    // x265's output does not depend on its thread count (the BPG golden checks it bit for bit).
    const x265 = [`qp=${qp}`, 'keyint=1', 'min-keyint=1', 'info=0', 'hash=0', 'range=full', 'colormatrix=smpte170m', 'pools=1', 'frame-threads=1', 'log-level=error'].join(':');
    const args = [
      '-hide_banner', '-nostats', '-loglevel', 'error',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${src.width}x${src.height}`, '-i', 'pipe:0',
      '-vf', `scale=out_color_matrix=bt601:out_range=full:flags=${SWS_FLAGS},format=${this.pixFmt}`,
      '-frames:v', '1',
      '-c:v', 'libx265', '-preset', this.config.preset, '-tune', 'ssim', '-x265-params', x265,
      '-f', 'hevc', 'pipe:1',
    ];
    const r = await runProcess(this.ffmpeg, args, src.data, FFMPEG_HINT);
    if (r.code !== 0 || r.stdout.length === 0) {
      throw new Error(`ffmpeg/libx265 encode at QP ${qp} failed (exit ${r.code ?? r.signal}): ${lastLine(r.stderr)}`);
    }
    const out = new Uint8Array(FFMPEG_HEADER_BYTES + r.stdout.length);
    out[0] = img.width >>> 8;
    out[1] = img.width & 0xff;
    out[2] = img.height >>> 8;
    out[3] = img.height & 0xff;
    out.set(r.stdout, FFMPEG_HEADER_BYTES);
    return out;
  }

  private header(stream: Uint8Array): { width: number; height: number } {
    if (stream.length <= FFMPEG_HEADER_BYTES) throw new CodecDecodeError(`stream of ${stream.length} bytes has no picture`);
    const width = (stream[0] << 8) | stream[1];
    const height = (stream[2] << 8) | stream[3];
    if (width === 0 || height === 0) throw new CodecDecodeError(`header gives a ${width}x${height} picture`);
    return { width, height };
  }

  private async run(annexB: Uint8Array, frames: number, frameBytes: number): Promise<Buffer> {
    const args = [
      '-hide_banner', '-nostats', '-loglevel', 'error',
      '-threads', '1', '-f', 'hevc', '-i', 'pipe:0',
      '-vf', `scale=in_color_matrix=bt601:in_range=full:flags=${SWS_FLAGS},format=rgb24`,
      '-frames:v', String(frames), '-vsync', 'passthrough',
      '-f', 'rawvideo', 'pipe:1',
    ];
    const r = await runProcess(this.ffmpeg, args, annexB, FFMPEG_HINT);
    if (r.code !== 0) throw new CodecDecodeError(`HEVC decoder failed (exit ${r.code ?? r.signal}): ${lastLine(r.stderr)}`);
    if (r.stdout.length !== frames * frameBytes) {
      throw new CodecDecodeError(`HEVC decoder gave ${r.stdout.length} bytes, expected ${frames} picture(s) of ${frameBytes}`);
    }
    return r.stdout;
  }

  async decode(stream: Uint8Array): Promise<RgbImage> {
    return (await this.decodeSameSize([stream]))[0];
  }

  async decodeMany(streams: readonly Uint8Array[]): Promise<RgbImage[]> {
    // Independent IDR pictures concatenated form one valid Annex-B stream: one process decodes
    // all that share a size.
    const out: RgbImage[] = new Array(streams.length);
    const groups = new Map<string, number[]>();
    streams.forEach((s, i) => {
      const { width, height } = this.header(s);
      const key = `${width}x${height}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    for (const indices of groups.values()) {
      const images = await this.decodeSameSize(indices.map((i) => streams[i]));
      indices.forEach((i, j) => (out[i] = images[j]));
    }
    return out;
  }

  private async decodeSameSize(streams: readonly Uint8Array[]): Promise<RgbImage[]> {
    const { width, height } = this.header(streams[0]);
    const [cw, ch] = this.codedSize(width, height);
    const total = streams.reduce((n, s) => n + s.length - FFMPEG_HEADER_BYTES, 0);
    const annexB = new Uint8Array(total);
    let at = 0;
    for (const s of streams) {
      annexB.set(s.subarray(FFMPEG_HEADER_BYTES), at);
      at += s.length - FFMPEG_HEADER_BYTES;
    }
    const frameBytes = cw * ch * 3;
    const raw = await this.run(annexB, streams.length, frameBytes);
    return streams.map((_, i) => {
      const frame = new Uint8Array(frameBytes);
      frame.set(raw.subarray(i * frameBytes, (i + 1) * frameBytes));
      return crop(createImage(cw, ch, frame), width, height);
    });
  }
}

class BpgencCodec implements BpgCodec {
  readonly version: string;

  constructor(
    readonly config: BpgCodecConfig,
    private readonly bpgenc: string,
    private readonly bpgdec: string,
  ) {
    this.version = `bpgenc ${versionLine(bpgenc, ['-h'], /version\s+(\S+)/i, BPG_HINT)}`;
  }

  private id: string | undefined;
  identity(): string {
    return (this.id ??= identityOf(this.version, [this.bpgenc, this.bpgdec]));
  }

  private async inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bpg-'));
    try {
      return await work(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async encode(img: RgbImage, qp: number): Promise<Uint8Array> {
    checkQp(qp);
    const png = await encodePng(img);
    return this.inTempDir(async (dir) => {
      const input = path.join(dir, 'in.png');
      const output = path.join(dir, 'out.bpg');
      fs.writeFileSync(input, png);
      const r = await runProcess(this.bpgenc, ['-q', String(qp), '-f', this.config.chroma, '-b', '8', '-o', output, input], null, BPG_HINT);
      if (r.code !== 0 || !fs.existsSync(output)) throw new Error(`bpgenc at -q ${qp} failed (exit ${r.code ?? r.signal}): ${lastLine(r.stderr)}`);
      return new Uint8Array(fs.readFileSync(output));
    });
  }

  async decode(stream: Uint8Array): Promise<RgbImage> {
    return this.inTempDir(async (dir) => {
      const input = path.join(dir, 'in.bpg');
      const output = path.join(dir, 'out.png');
      fs.writeFileSync(input, stream);
      const r = await runProcess(this.bpgdec, ['-o', output, input], null, BPG_HINT);
      if (r.code !== 0 || !fs.existsSync(output)) throw new CodecDecodeError(`bpgdec failed (exit ${r.code ?? r.signal}): ${lastLine(r.stderr)}`);
      try {
        return await loadImage(fs.readFileSync(output), 'bpgdec output');
      } catch (e) {
        throw new CodecDecodeError((e as Error).message);
      }
    });
  }

  async decodeMany(streams: readonly Uint8Array[]): Promise<RgbImage[]> {
    const out: RgbImage[] = [];
    for (const s of streams) out.push(await this.decode(s));
    return out;
  }
}
