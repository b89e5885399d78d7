/**
 * Speed of the metrics on two 768×512 Kodak images (kodim01 vs kodim02): the pixel metrics on
 * one thread, LPIPS and cosine (both embeddings) on 1 and 2 ONNX Runtime threads.
 * Run: `npm run bench:metrics` (Kodak24 is found like `bench run` finds it: --data-dir is not
 * taken here, so $MULTISC_DATA_DIR or the cache).
 */
import * as path from 'path';
import { ensureDataset } from '../../datasets';
import { loadImage, RgbImage } from '../image';
import { psnr } from './psnr';
import { cosineSimilarity, createImageEmbedder } from './cosine';
import { createLpips } from './lpips';
import { msSsim, ssim } from './ms-ssim';
import { METRIC_MODEL_SETS, metricModelSetFrom } from './score';

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
  // The model metrics, with the metric-model set of --metric-models / MULTISC_METRIC_MODELS.
  const models = METRIC_MODEL_SETS[metricModelSetFrom(undefined)];
  for (const threads of [1, 2]) {
    const lpips = await createLpips(models.lpips, { threads });
    const embedder = await createImageEmbedder(models.cosine, { threads });
    const timed = async (name: string, f: () => Promise<number>): Promise<void> => {
      for (let i = 0; i < 2; i++) await f();
      const times: number[] = [];
      let value = 0;
      for (let r = 0; r < 7; r++) {
        const t0 = process.hrtime.bigint();
        value = await f();
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      times.sort((p, q) => p - q);
      console.log(`${name.padEnd(8)} ${times[3].toFixed(1).padStart(7)} ms/pair (median of 7, ${threads} thread(s); fastest ${times[0].toFixed(1)})   value ${value.toFixed(6)}`);
    };
    await timed('lpips', () => lpips.distance(a, b));
    await timed('cosine', async () => {
      const [ea, eb] = await embedder.embed([a, b]);
      return cosineSimilarity(ea, eb);
    });
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
