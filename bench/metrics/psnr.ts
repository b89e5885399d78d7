import { RgbImage, sameSize } from '../image';
import { UserError } from '../errors';

/** Identifies how `psnr` numbers are made, so results computed differently are never mixed. */
export const PSNR_SIGNATURE = 'psnr:range=255|channels=rgb|mse=mean';

/**
 * Peak signal-to-noise ratio in dB on the 8-bit scale: 10·log10(255² / MSE), the MSE taken over
 * all H·W·3 values at once (not per channel and then averaged). Identical images give +Infinity.
 */
export function psnr(a: RgbImage, b: RgbImage): number {
  assertSameSize(a, b, 'PSNR');
  const x = a.data;
  const y = b.data;
  let sse = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    sse += d * d;
  }
  return sse === 0 ? Infinity : 10 * Math.log10((255 * 255 * x.length) / sse);
}

export function assertSameSize(a: Pick<RgbImage, 'width' | 'height'>, b: Pick<RgbImage, 'width' | 'height'>, metric: string): void {
  if (!sameSize(a, b)) {
    throw new UserError(
      `${metric} needs two images of the same size, got ${a.width}x${a.height} and ${b.width}x${b.height} ` +
        '(resize the reconstruction to the source size before scoring)',
    );
  }
}
