/**
 * Speed of the metrics on two 768×512 Kodak images (kodim01 vs kodim02): the pixel metrics on
 * one thread, LPIPS and cosine (both embeddings) on 1 and 2 ONNX Runtime threads. Then LPIPS per
 * reconstruction as a sweep scores it, on the Kodak timing set (`--images 6`, the first image
 * only warms up; each image against a noisy copy of itself): the split path (source features
 * once, then the score net per reconstruction) next to the unsplit pair model, median over the
 * images of wall and process CPU time (CPU time is less disturbed by other load), and the
 * largest |split − pair|.
 * Run: `npm run bench:metrics [-- --images 6 --reps 3]` (Kodak24 is found like `bench run` finds
 * it: --data-dir is not taken here, so $MULTISC_DATA_DIR or the cache).
 */
import * as os from 'os';
import * as path from 'path';
import { ensureDataset } from '../../datasets';
import { benchOption, kodakTimingImages, median } from '../bench-options';
import { createImage, loadImage, RgbImage } from '../image';
import { rngFromText } from '../phy/rng';
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
  // The pair model on one pair (per reconstruction as a sweep scores it: below).
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
    await timed('lpips', async () => (await lpips.pairDistances([[a, b]]))[0]);
    await timed('cosine', async () => {
      const [ea, eb] = await embedder.embed([a, b]);
      return cosineSimilarity(ea, eb);
    });
  }
  await lpipsPerReconstruction(models.lpips);
}

/** A deterministic noisy copy (Gaussian σ on 0..255, clamped): the reconstruction. */
function noisy(img: RgbImage, sigma: number, seed: string): RgbImage {
  const r = rngFromText(seed);
  const out = createImage(img.width, img.height);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.max(0, Math.min(255, Math.round(img.data[i] + sigma * r.normal())));
  return out;
}

/** Wall and process CPU milliseconds of one call. */
async function clock<T>(f: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

/** LPIPS per reconstruction: the split (features once per source, score net per reconstruction) vs the pair model. */
async function lpipsPerReconstruction(modelId: string): Promise<void> {
  const count = Number(benchOption('images', '6'));
  const reps = Number(benchOption('reps', '3'));
  const { warmup, warmupId, images, ids } = await kodakTimingImages(count);
  console.log(
    `\nLPIPS (${modelId}) per reconstruction: ${images.length} Kodak images (${ids.join(' ')}) vs a noisy copy (σ 10), warm-up ${warmupId}, ` +
      `${reps} rep(s) each; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`,
  );
  for (const threads of [1, 2]) {
    const lpips = await createLpips(modelId, { threads });
    const w = noisy(warmup, 10, 'warmup');
    await lpips.pairDistances([[warmup, w]]);
    await lpips.distanceTo(await lpips.features(warmup), w);
    const t = { pairWall: [] as number[], pairCpu: [] as number[], splitWall: [] as number[], splitCpu: [] as number[], srcWall: [] as number[], srcCpu: [] as number[] };
    let maxAbs = 0;
    let maxRel = 0;
    for (const [k, image] of images.entries()) {
      const rec = noisy(image, 10, ids[k]);
      const src = await clock(() => lpips.features(image));
      t.srcWall.push(src.wall);
      t.srcCpu.push(src.cpu);
      const per = { pairWall: [] as number[], pairCpu: [] as number[], splitWall: [] as number[], splitCpu: [] as number[] };
      for (let r = 0; r < reps; r++) {
        const pair = await clock(async () => (await lpips.pairDistances([[image, rec]]))[0]);
        const split = await clock(() => lpips.distanceTo(src.value, rec));
        per.pairWall.push(pair.wall);
        per.pairCpu.push(pair.cpu);
        per.splitWall.push(split.wall);
        per.splitCpu.push(split.cpu);
        const d = Math.abs(split.value - pair.value);
        maxAbs = Math.max(maxAbs, d);
        maxRel = Math.max(maxRel, d / Math.abs(pair.value));
      }
      t.pairWall.push(median(per.pairWall));
      t.pairCpu.push(median(per.pairCpu));
      t.splitWall.push(median(per.splitWall));
      t.splitCpu.push(median(per.splitCpu));
    }
    const ms = (xs: number[]) => median(xs).toFixed(1).padStart(6);
    console.log(
      `  ${threads} thread(s): pair ${ms(t.pairWall)} ms/reconstruction (CPU ${ms(t.pairCpu)})   split ${ms(t.splitWall)} ms/reconstruction (CPU ${ms(t.splitCpu)})` +
        `   + source features ${ms(t.srcWall)} ms once per image (CPU ${ms(t.srcCpu)})   max |split − pair| ${maxAbs.toExponential(2)} (relative ${maxRel.toExponential(2)})`,
    );
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
