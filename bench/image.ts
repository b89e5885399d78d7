import sharp from 'sharp';
import { UserError } from './errors';

/**
 * The one in-memory image type of the harness: row-major, interleaved RGB, 8 bits per channel.
 * Float views (0..1) are made on demand with `toFloat`; every conversion lives in this module.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** length = width * height * 3, order R,G,B per pixel, rows top to bottom */
  readonly data: Uint8Array;
}

export function createImage(width: number, height: number, data?: Uint8Array): RgbImage {
  const n = width * height * 3;
  if (data && data.length !== n) {
    throw new Error(`image data has ${data.length} bytes, expected ${n} for ${width}x${height} RGB`);
  }
  return { width, height, data: data ?? new Uint8Array(n) };
}

/** Values in 0..1, same layout as `data`. */
export function toFloat(img: RgbImage): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i] / 255;
  return out;
}

/** Clips to 0..1 and rounds to the nearest 8-bit level. */
export function fromFloat(width: number, height: number, values: ArrayLike<number>): RgbImage {
  const img = createImage(width, height);
  for (let i = 0; i < img.data.length; i++) {
    const v = values[i] * 255;
    img.data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return img;
}

export function sameSize(a: Pick<RgbImage, 'width' | 'height'>, b: Pick<RgbImage, 'width' | 'height'>): boolean {
  return a.width === b.width && a.height === b.height;
}

/**
 * Decodes an image file (PNG, JPEG, ...) to RGB. A truncated or corrupt file is a UserError
 * naming the file: sharp is told to fail on any decoder warning, so a cut-off PNG never decodes
 * to a half-grey image silently.
 */
export async function loadImage(file: string | Buffer, label?: string): Promise<RgbImage> {
  const name = label ?? (typeof file === 'string' ? file : '<buffer>');
  try {
    const { data, info } = await sharp(file, { failOn: 'warning' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return createImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.length));
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new UserError(`cannot decode image ${name}: ${why} (the file is corrupt or truncated; replace it, or pass --skip-bad to skip it)`);
  }
}

/** An image file's width and height from its header (no decoding); null when it cannot be read. */
export async function imageFileSize(file: string): Promise<{ width: number; height: number } | null> {
  try {
    const m = await sharp(file).metadata();
    return m.width && m.height ? { width: m.width, height: m.height } : null;
  } catch {
    return null;
  }
}

/** Resized by sharp (its kernels filter when downscaling), back to 8-bit RGB. */
export async function resizeImage(
  img: RgbImage,
  width: number,
  height: number,
  opts: { fit?: 'fill' | 'cover'; kernel?: 'linear' | 'cubic' | 'lanczos3' } = {},
): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img;
  const { data, info } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    // 'cover' + centre = resize the shorter side to the target, then crop the middle.
    .resize(width, height, { fit: opts.fit ?? 'fill', position: 'centre', kernel: opts.kernel ?? 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return createImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.length));
}

export async function encodePng(img: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
