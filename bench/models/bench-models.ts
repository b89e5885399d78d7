/**
 * Time per Kodak image of the segmenters (both IS-Net builds) and the detector, at each thread
 * count, end to end (resize, model, post-processing; caches off), plus how far the quantized
 * IS-Net's masks are from the fp32 ones (IoU). Run after `npx tsc -p .`:
 *
 *     node dist/bench/models/bench-models.js [--images 6] [--threads 1,2]
 *
 * Kodak24 and the models are found as `bench run` finds them (MULTISC_DATA_DIR,
 * MULTISC_MODELS_DIR, MULTISC_CACHE_DIR). The first image only warms each session up.
 */
import * as os from 'os';
import { benchOption, kodakTimingImages, median } from '../bench-options';
import type { RgbImage } from '../image';
import { createDetector } from './detector';
import { createSegmenter } from './segmenter';

const SEGMENTERS = ['isnet-general', 'isnet-general-small'];
const DETECTOR = 'yolox-nano-coco';

const now = () => performance.now();

interface Timing {
  model: string;
  threads: number;
  openMs: number;
  perImageMs: number[];
  /** Process CPU time per image (user + system, all threads): less disturbed than wall time by other load. */
  cpuMsPerImage: number[];
}

/** Opens the adapter, warms it up on `warmup`, then times one call per image. */
async function time<T>(
  model: string,
  threads: number,
  open: () => Promise<(image: RgbImage) => Promise<T>>,
  warmup: RgbImage,
  images: readonly RgbImage[],
): Promise<{ timing: Timing; results: T[] }> {
  let t = now();
  const run = await open();
  const openMs = now() - t;
  await run(warmup);
  const perImageMs: number[] = [];
  const cpuMsPerImage: number[] = [];
  const results: T[] = [];
  for (const image of images) {
    t = now();
    const cpu = process.cpuUsage();
    results.push(await run(image));
    perImageMs.push(now() - t);
    const used = process.cpuUsage(cpu);
    cpuMsPerImage.push((used.user + used.system) / 1000);
  }
  return { timing: { model, threads, openMs, perImageMs, cpuMsPerImage }, results };
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union === 0 ? 1 : inter / union;
}

async function main(): Promise<void> {
  const count = Number(benchOption('images', '6'));
  const threadCounts = benchOption('threads', '1,2').split(',').map(Number);
  const { warmup, warmupId, images, ids } = await kodakTimingImages(count);
  // Other work on the machine inflates wall times (not CPU times): the load average says how much.
  const load = () => os.loadavg()[0].toFixed(1);
  console.log(`${images.length} Kodak images (${ids.join(' ')}), warm-up ${warmupId}; ${os.cpus().length} CPUs, load ${load()}, node ${process.version}`);

  const timings: Timing[] = [];
  const masks = new Map<string, Uint8Array[]>();
  for (const threads of threadCounts) {
    for (const model of SEGMENTERS) {
      const open = async () => {
        const segmenter = await createSegmenter(model, { threads, cache: false });
        return (image: RgbImage) => segmenter.segment(image);
      };
      const { timing, results } = await time(model, threads, open, warmup, images);
      timings.push(timing);
      masks.set(model, results.map((s) => s.mask));
    }
    const open = async () => {
      const detector = await createDetector(DETECTOR, { threads, cache: false });
      return (image: RgbImage) => detector.detect(image);
    };
    timings.push((await time(DETECTOR, threads, open, warmup, images)).timing);
  }

  console.log(`\nload average at the end: ${load()}`);
  console.log('model                 threads  open ms   wall ms/image: median    min    max   cpu ms/image: median');
  for (const t of timings) {
    const cells = [median(t.perImageMs), Math.min(...t.perImageMs), Math.max(...t.perImageMs)].map((v) => v.toFixed(0).padStart(7));
    const cpu = median(t.cpuMsPerImage).toFixed(0).padStart(7);
    console.log(`${t.model.padEnd(22)}${String(t.threads).padStart(7)}${t.openMs.toFixed(0).padStart(9)}                ${cells.join('')}                ${cpu}`);
  }
  console.log('\nper image, ms: ' + ids.join(' '));
  for (const t of timings) console.log(`${t.model} x${t.threads}: ${t.perImageMs.map((v) => v.toFixed(0)).join(' ')}`);

  const [reference, quantized] = SEGMENTERS.map((m) => masks.get(m) as Uint8Array[]);
  const ious = reference.map((mask, i) => iou(mask, quantized[i]));
  console.log(`\nmask IoU ${SEGMENTERS[1]} vs ${SEGMENTERS[0]}: ${ids.map((id, i) => `${id} ${ious[i].toFixed(3)}`).join(', ')}`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
