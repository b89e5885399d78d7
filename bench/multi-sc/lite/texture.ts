import type { Texture } from './caption-grammar';

/**
 * The four texture words as levels of a cell's fine-scale luminance spread: the captioner measures
 * σ = sqrt(mean(d²) / 2) over the differences d of L* between horizontally and vertically adjacent
 * pixels of the cell (σ of white noise exactly; a smooth gradient across the cell, which the
 * colour grid already carries, adds almost nothing) and quantises it to a word; the renderer paints
 * a word as noise of the level's amplitude.
 *
 * Thresholds: a 4-level Lloyd–Max quantiser of log σ fitted to the 3×3 cells of Kodak24 (whole
 * images and 2×2 blocks; levels 0.76, 2.13, 3.78, 6.72), rounded. Painted amplitudes: those
 * levels × 0.7, the scale with the best LPIPS and cosine on Kodak24 of the ones tried (0.7, 1,
 * 1.5) for the renderer's multi-scale noise.
 */
export const TEXTURE_THRESHOLDS: readonly number[] = [1.3, 2.8, 5.0];
export const TEXTURE_AMPLITUDE: Readonly<Record<Texture, number>> = { smooth: 0.5, grainy: 1.5, textured: 2.6, busy: 4.7 };

const ORDER: readonly Texture[] = ['smooth', 'grainy', 'textured', 'busy'];

export function textureOf(spread: number): Texture {
  let i = 0;
  while (i < TEXTURE_THRESHOLDS.length && spread >= TEXTURE_THRESHOLDS[i]) i++;
  return ORDER[i];
}
