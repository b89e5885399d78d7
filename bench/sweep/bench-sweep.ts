import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir, ensureDataset } from '../../datasets';
import { benchOption } from '../bench-options';
import { isUserError } from '../errors';
import { metricModelSetFrom, parseMetricList } from '../metrics/score';
import { parseSnrGrid } from './grid';
import { runSweep } from './run';

/**
 * `npm run bench:sweep [-- --dataset kodak24 --schemes analog --snr -3:21:3 --workers N --metrics psnr,ms_ssim]`: the
 * wall time of a full sweep into a temporary folder (deleted afterwards), as one JSON line.
 */
async function main(): Promise<void> {
  const dataset = benchOption('dataset', 'kodak24');
  const schemes = benchOption('schemes', 'analog').split(',');
  const snrs = parseSnrGrid(benchOption('snr', '-3:21:3'));
  const workers = Number(benchOption('workers', String(os.availableParallelism())));
  const metrics = parseMetricList(benchOption('metrics', 'psnr,ms_ssim'));
  const ds = await ensureDataset(dataset, { fetchIfMissing: true, skipMissing: dataset === 'voc2012' });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-bench-sweep-'));
  try {
    const r = await runSweep({
      dataset: ds.name, split: null, dataRoot: ds.root, images: ds.images, missingImages: ds.missing, schemes,
      schemeOptions: {}, snrs, seeds: 1, profile: 'lite', out, resume: false, shard: null, workers, samples: 0,
      skipBad: false, cacheDir: cacheDir(), quiet: true,
      scorer: { metrics, metricModels: metricModelSetFrom(undefined), session: { threads: 1 } },
    });
    console.log(JSON.stringify({
      bench: 'sweep', dataset: ds.name, images: ds.images.length, schemes, snrs: snrs.length, workers, metrics,
      cells: r.cellsRun, wall_s: Math.round(r.wallMs / 100) / 10, cells_per_s: Math.round((r.cellsRun / r.wallMs) * 1e4) / 10,
    }));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(isUserError(e) ? `error: ${e.message}\n` : `${(e as Error).stack}\n`);
  process.exit(1);
});
