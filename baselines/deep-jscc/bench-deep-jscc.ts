/**
 * Time to send one Kodak image (768×512) through deep JSCC: encode, AWGN, decode, per model and
 * thread count, wall and process CPU time. Run with `npm run bench:jscc [-- --images 6 --threads 1,2]`.
 * Kodak24 is found as `bench run` finds it (MULTISC_DATA_DIR). The first image warms the sessions up.
 */
import * as os from 'os';
import { benchOption, kodakTimingImages, median } from '../../bench/bench-options';
import type { RgbImage } from '../../bench/image';
import { psnr } from '../../bench/metrics/psnr';
import { awgnChannel } from '../../bench/phy/awgn';
import { rngFromText } from '../../bench/phy/rng';
import { DEEP_JSCC_WEIGHTS } from '../../bench/models/registry';
import { deepJsccCodec } from './deep-jscc';

async function main(): Promise<void> {
  const count = Number(benchOption('images', '6'));
  const threadCounts = benchOption('threads', '1,2').split(',').map(Number);
  const { warmup, warmupId, images } = await kodakTimingImages(count);
  console.log(`${images.length} Kodak images after warm-up on ${warmupId}; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}, node ${process.version}`);
  console.log('model        threads   encode ms   decode ms   total wall ms (median / max)   cpu ms   PSNR at train SNR (dB)');
  for (const m of DEEP_JSCC_WEIGHTS) {
    for (const threads of threadCounts) {
      const codec = deepJsccCodec(m.name, { threads });
      const rng = rngFromText(`bench-jscc-${m.name}`);
      const send = async (image: RgbImage) => {
        const t0 = performance.now();
        const encoded = await codec.encode(image);
        const t1 = performance.now();
        const received = awgnChannel(encoded.symbols, m.trainSnrDb, rng);
        const out = await codec.decode(encoded, received, m.trainSnrDb);
        return { encodeMs: t1 - t0, decodeMs: performance.now() - t1, psnr: psnr(image, out) };
      };
      await send(warmup);
      const runs = [];
      const cpu = process.cpuUsage();
      for (const image of images) runs.push(await send(image));
      const used = process.cpuUsage(cpu);
      const total = runs.map((r) => r.encodeMs + r.decodeMs);
      console.log(
        `${m.name.padEnd(12)}${String(threads).padStart(8)}${median(runs.map((r) => r.encodeMs)).toFixed(0).padStart(12)}` +
          `${median(runs.map((r) => r.decodeMs)).toFixed(0).padStart(12)}${median(total).toFixed(0).padStart(18)} / ${Math.max(...total).toFixed(0).padEnd(10)}` +
          `${((used.user + used.system) / 1000 / images.length).toFixed(0).padStart(9)}${(runs.reduce((a, r) => a + r.psnr, 0) / runs.length).toFixed(2).padStart(12)}`,
      );
    }
  }
  console.log(`load average at the end: ${os.loadavg()[0].toFixed(1)}`);
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
