import { ensureDataset } from '../datasets';
import { loadImage, type RgbImage } from './image';

/**
 * What the `npm run bench:*` measurement scripts share: their `--name value` options (a script
 * of a few flags, not a command line worth yargs), the median they report, and the Kodak images
 * they time on.
 */
export function benchOption(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** The upper median (the middle element, or the upper of the two middle ones). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((p, q) => p - q)[xs.length >> 1];
}

/**
 * The first `count + 1` Kodak images, found as `bench run` finds them (never downloaded here): the
 * first only warms sessions up, the others are timed.
 */
export async function kodakTimingImages(count: number): Promise<{ warmup: RgbImage; warmupId: string; images: RgbImage[]; ids: string[] }> {
  const kodak = await ensureDataset('kodak24', { fetchIfMissing: false, limit: count + 1 });
  const [warmup, ...images] = await Promise.all(kodak.images.map((im) => loadImage(im.path)));
  return { warmup, warmupId: kodak.images[0].id, images, ids: kodak.images.slice(1).map((im) => im.id) };
}
