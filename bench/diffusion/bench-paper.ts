import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir, ensureDataset } from '../../datasets';
import { benchOption } from '../bench-options';
import { isUserError } from '../errors';
import { metricModelSetFrom, parseMetricList } from '../metrics/score';
import { printBreakdown } from '../sweep/bench-sweep';
import { runSweep } from '../sweep/run';

/**
 * `npm run bench:paper [-- --models-dir DIR --schemes multi-sc --limit 1 --snr 9 --sd-steps 25 --device cpu]`:
 * one paper-profile sweep into a temporary folder, then where the time went per stage: captioning
 * (nanoLLaVA), correction (BART), segmentation (FCN), and generation (text-encoder,
 * image-encoder, unet, vae-decoder). Without --models-dir it runs on the tiny fixtures
 * (test/fixtures/paper-tiny): a check of the mechanics, not a timing of the letter's models.
 */
const STAGES = ['captioning', 'correction', 'segmentation', 'text-encoder', 'image-encoder', 'unet', 'vae-decoder'];

async function main(): Promise<void> {
  const fixtures = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'paper-tiny');
  const modelsDir = benchOption('models-dir', process.env.MULTISC_MODELS_DIR || fixtures);
  const schemes = benchOption('schemes', 'multi-sc').split(',');
  const limit = Number(benchOption('limit', '1'));
  const snrs = benchOption('snr', '9').split(',').map(Number);
  const device = benchOption('device', 'cpu') as 'cpu' | 'cuda';
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bench-paper-cache-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bench-paper-'));
  try {
    const ds = await ensureDataset(benchOption('dataset', 'kodak24'), { fetchIfMissing: true, cacheDir: cacheDir(), limit });
    const r = await runSweep({
      dataset: ds.name, split: null, dataRoot: ds.root, images: ds.images, missingImages: ds.missing, schemes,
      schemeOptions: { 'sd-steps': Number(benchOption('sd-steps', '25')), sampler: benchOption('sampler', 'ddim'), guidance: Number(benchOption('guidance', '7.5')) },
      snrs, seeds: 1, profile: 'paper', out, resume: false, shard: null, workers: 1, samples: 0, skipBad: false, cacheDir: cache, quiet: true, cellCache: false,
      scorer: { metrics: parseMetricList(benchOption('metrics', 'psnr')), metricModels: metricModelSetFrom('public'), session: { modelsDir, threads: os.availableParallelism(), device, cacheDir: cache } },
    });
    const timings = (JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')) as { timings: Record<string, unknown> }).timings;
    printBreakdown(timings);
    const phases = timings.phases as Record<string, { ms: number; calls: number | null }>;
    const perImage = (p: string) => Math.round((phases[p]?.ms ?? 0) / ds.images.length);
    console.log(JSON.stringify({
      bench: 'paper', models_dir: modelsDir, fixtures: modelsDir === fixtures, device, schemes, images: ds.images.length, cells: r.cellsRun,
      ms_per_image: Object.fromEntries(STAGES.map((s) => [s, perImage(s)])), wall_s: Math.round(r.wallMs / 100) / 10,
    }));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(isUserError(e) ? `error: ${e.message}\n` : `${(e as Error).stack}\n`);
  process.exit(1);
});
