/**
 * Speed of the pixel metrics on two 768×512 Kodak images (kodim01 vs kodim02), one thread.
 * Run: `npm run bench:metrics` (Kodak24 is found like `bench run` finds it: --data-dir is not
 * taken here, so $MULTISC_DATA_DIR or the cache).
 */
import * as path from 'path';
import { ensureDataset } from '../../datasets';
import { loadImage, RgbImage } from '../image';
import { psnr } from './psnr';
import { msSsim, ssim } from './ms-ssim';

/** Median and fastest wall time of one call over `runs` calls (the JIT is warmed up beforehand). */
function timeCalls(f: () => number, runs = 21): { median: number; min: number } {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((p, q) => p - q);
  return { median: times[runs >> 1], min: times[0] };
}

async function main(): Promise<void> {
  const dir = (await ensureDataset('kodak24', { fetchIfMissing: true })).root;
  const a: RgbImage = await loadImage(path.join(dir, 'kodim01.png'));
  const b: RgbImage = await loadImage(path.join(dir, 'kodim02.png'));
  console.log(`images ${a.width}x${a.height} (kodim01 vs kodim02), node ${process.version}`);
  const rows: Array<[string, () => number]> = [
    ['psnr', () => psnr(a, b)],
    ['ssim', () => ssim(a, b)],
    ['ms-ssim', () => msSsim(a, b)],
  ];
  // Warm every metric up first: they share helpers, and a later first call would re-tune them.
  for (let i = 0; i < 5; i++) for (const [, f] of rows) f();
  for (const [name, f] of rows) {
    const t = timeCalls(f);
    const value = f().toFixed(6);
    console.log(`${name.padEnd(8)} ${t.median.toFixed(2).padStart(7)} ms/pair (median; fastest ${t.min.toFixed(2)})   value ${value}`);
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
