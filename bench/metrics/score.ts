import type { RgbImage } from '../image';
import { MS_SSIM_SIGNATURE, msSsim } from './ms-ssim';
import { PSNR_SIGNATURE, psnr } from './psnr';

/** The image-quality columns every row gets; model-based metrics join here as they land. */
export interface ImageScores {
  psnr: number;
  ms_ssim: number;
}

export function scoreImage(source: RgbImage, reconstruction: RgbImage): ImageScores {
  return { psnr: psnr(source, reconstruction), ms_ssim: msSsim(source, reconstruction) };
}

/** Signatures of the metrics behind the columns, stored in run.json (sacreBLEU-style). */
export function metricSignatures(): Record<string, string> {
  return { psnr: PSNR_SIGNATURE, ms_ssim: MS_SSIM_SIGNATURE };
}
