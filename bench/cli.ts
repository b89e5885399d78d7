#!/usr/bin/env node
import * as os from 'os';
import * as path from 'path';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { glueNegativeValues, runMain, withUserErrors } from './cli-argv';
import { isUserError, UserError } from './errors';
import { schemeNames, schemeOptionSpecs } from './schemes/registry';
import { modelEntry, type Profile } from './models/registry';
import { parseChannel } from './phy/channel';
import { DEFAULT_PAPER_DTYPE, PAPER_DTYPES, paperDtypeOf } from './models/paper-profile';
import { parseList, parseShard, parseSnrGrid } from './sweep/grid';
import { METRIC_NAMES, metricModelSetFrom, parseMetricList } from './metrics/score';
import { checkCommand, plotCommand } from '../plots/commands';
import { checkLetterClaims, letterReport } from '../plots/letter-claims';
import { BLEU_VARIANTS } from './metrics/bleu';
import { runMetricCommand, type MetricCommandName } from './metrics/metric-command';
import { describeModels, selectModels } from './models/listing';
import { exportScriptsFor, fetchModel, locateModel, sourceLabel } from './models/store';
import { mergeResults } from './sweep/merge';
import { outcomeText, runSweep, type SweepConfig } from './sweep/run';
import { runBudgetSweep } from './sweep/budget-sweep';
import { parseBudgetList } from './schemes/bandwidth-ratio';
import { cacheDir, DATASET_NAMES, describeDatasets, ensureDataset, fetchDataset, verifyDataset } from '../datasets';

const PROFILES: readonly Profile[] = ['lite', 'paper'];
/** Positionals and options that are lists (every other flag given twice keeps its last value). */
const LIST_POSITIONALS = new Set(['_', 'dirs', 'files', 'ids', 'letter']);

/** Every scheme's own flags (declared with its factory), added to `bench run` as they are. */
function withSchemeOptions<T>(y: Argv<T>): Argv<T> {
  for (const [flag, spec] of Object.entries(schemeOptionSpecs())) y.option(flag, spec);
  return y;
}

function positiveInt(v: unknown, flag: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} ${String(v)}: expected a whole number ≥ ${min}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  await withUserErrors(
    yargs(glueNegativeValues(argv))
      .scriptName('multi-sc-bench')
      .usage('$0 <command> [options]')
      .command(
        'run',
        'run a sweep: images × schemes × SNRs × seeds → metrics.csv, summary.csv, run.json',
        (y) =>
          withSchemeOptions(y)
            .option('dataset', { type: 'string', default: 'kodak24', describe: `dataset: ${DATASET_NAMES.join(' | ')}` })
            .option('schemes', { type: 'string', default: schemeNames().join(','), describe: 'comma-separated schemes to run' })
            .option('snr', { type: 'string', default: '-3:21:3', describe: 'SNR grid in dB (Es/N0): start:stop:step inclusive, or a list 0,5,10' })
            .option('limit', { type: 'number', describe: 'use only the first N images of the dataset' })
            .option('seeds', { type: 'number', default: 1, describe: 'noise realisations per cell (seeds 0..N-1)' })
            .option('profile', { type: 'string', default: 'lite', describe: `model profile: ${PROFILES.join(' | ')}` })
            .option('channel', { type: 'string', default: 'awgn', describe: 'awgn | rayleigh (block Rayleigh fading, perfect CSI at the receiver; same average SNR)' })
            .option('fading-block', { type: 'number', describe: 'with --channel rayleigh: symbols per fading block', defaultDescription: '1 (fast fading)' })
            .option('budget', {
              type: 'string',
              describe: 'bandwidth budget k/n for every scheme: at most ⌊k/n·H·W·3⌋ complex channel symbols per image, side information and text included (e.g. 1/12); a list (1/24,1/12,1/6) runs one sweep per budget into <out>/budget-<k>_<n>/ and writes <out>/budgets.csv',
              defaultDescription: "none: each scheme's own ratio",
            })
            .option('out', { type: 'string', describe: 'results folder', defaultDescription: 'results/<dataset>' })
            .option('resume', { type: 'boolean', default: false, describe: 'continue the run in --out, skipping finished cells' })
            .option('shard', { type: 'string', describe: 'run only the k-th of n slices of the grid, e.g. 1/2' })
            .option('split', { type: 'string', describe: 'VOC2012 segmentation split: train | val | all', defaultDescription: 'val' })
            .option('data-dir', { type: 'string', describe: 'folder holding <dataset>/ (else $MULTISC_DATA_DIR, else the cache)' })
            .option('cache-dir', { type: 'string', describe: 'cache folder', defaultDescription: '$MULTISC_CACHE_DIR or ~/.cache/multi-sc-bench' })
            .option('skip-missing', { type: 'boolean', default: false, describe: 'skip images the split lists but the folder lacks (recorded in run.json)' })
            .option('skip-bad', { type: 'boolean', default: false, describe: 'skip corrupt or unreadable images (recorded in run.json)' })
            .option('workers', { type: 'number', default: os.availableParallelism(), describe: 'worker threads (1 = run in this thread)' })
            .option('samples', { type: 'number', default: 3, describe: 'save reconstructions of the first N images for the report' })
            .option('metrics', { type: 'string', default: METRIC_NAMES.join(','), describe: 'metrics to compute (a metric a scheme has no input for stays empty)' })
            .option('metric-models', { type: 'string', describe: 'networks behind cosine/LPIPS: public (CLIP ViT-B/32, LPIPS-AlexNet) | offline (stand-ins)', defaultDescription: '$MULTISC_METRIC_MODELS or public' })
            .option('models-dir', { type: 'string', describe: 'folder holding model files (else $MULTISC_MODELS_DIR, else the cache)' })
            .option('threads', { type: 'number', default: 1, describe: 'ONNX Runtime intra-op threads per worker' })
            .option('device', { type: 'string', default: 'cpu', describe: 'ONNX Runtime device: cpu | cuda (no silent fallback)' })
            .option('cell-cache', { type: 'boolean', default: true, describe: 'reuse finished cells from the cache (keyed by image, scheme config and code, SNR, seed, metric signatures); --no-cell-cache recomputes them' })
            .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' }),
        async (a) => {
          const snrs = parseSnrGrid(a.snr);
          const schemes = parseList(a.schemes, '--schemes');
          for (const s of schemes) if (!schemeNames().includes(s)) {
            throw new UserError(`unknown scheme "${s}" in --schemes: available schemes are ${schemeNames().join(', ')}`);
          }
          if (!PROFILES.includes(a.profile as Profile)) throw new UserError(`--profile ${a.profile}: use ${PROFILES.join(' or ')}`);
          if (a.split !== undefined && a.dataset !== 'voc2012') throw new UserError(`--split applies to voc2012 only, not ${a.dataset}`);
          const split = a.split ?? 'val';
          if (!['train', 'val', 'all'].includes(split)) throw new UserError(`--split ${split}: use train, val or all`);
          const seeds = positiveInt(a.seeds, '--seeds');
          const workers = positiveInt(a.workers, '--workers');
          const samples = positiveInt(a.samples, '--samples', 0);
          const limit = a.limit === undefined ? undefined : positiveInt(a.limit, '--limit');
          const shard = a.shard === undefined ? null : parseShard(a.shard);
          const metrics = parseMetricList(a.metrics);
          const metricModels = metricModelSetFrom(a['metric-models']);
          if (a.device !== 'cpu' && a.device !== 'cuda') throw new UserError(`--device ${a.device}: use cpu or cuda`);
          const threads = positiveInt(a.threads, '--threads');
          const cache = a['cache-dir'] ?? cacheDir();
          const ds = await ensureDataset(a.dataset, {
            dataDir: a['data-dir'],
            cacheDir: cache,
            split: split as 'train' | 'val' | 'all',
            skipMissing: a['skip-missing'],
            limit,
            fetchIfMissing: true,
          });
          const out = a.out ?? path.join('results', ds.name);
          const budgets = a.budget === undefined ? [] : parseBudgetList(a.budget);
          if (budgets.length) {
            // A budget sets every scheme's ratio: a ratio flag beside it would be silently overridden.
            const ratioFlag = argv.find((x) => /^--(bpg|analog)-ratio(=|$)/.test(x));
            if (ratioFlag) throw new UserError(`${ratioFlag.split('=')[0]} and --budget both set a bandwidth ratio: give --budget alone (it applies to every scheme)`);
          }
          const sweep: SweepConfig = {
            dataset: ds.name,
            split: ds.name === 'voc2012' ? split : null,
            dataRoot: ds.root,
            images: ds.images.map((im) => ({ id: im.id, path: im.path, ...(im.maskPath ? { maskPath: im.maskPath } : {}) })),
            missingImages: ds.missing,
            schemes,
            schemeOptions: Object.fromEntries(Object.keys(schemeOptionSpecs()).map((k) => [k, (a as Record<string, unknown>)[k] as string])),
            snrs,
            seeds,
            profile: a.profile as Profile,
            channel: parseChannel(a.channel, a['fading-block']),
            out,
            resume: a.resume,
            shard,
            workers,
            samples,
            skipBad: a['skip-bad'],
            cacheDir: cache,
            cellCache: a['cell-cache'],
            scorer: { metrics, metricModels, session: { modelsDir: a['models-dir'], cacheDir: cache, threads, device: a.device } },
            quiet: a.quiet,
            argv,
          };
          if (budgets.length > 1) {
            // budgets.csv is written from whole folders: a shard of each would summarise part of it.
            if (shard) throw new UserError('--shard with a list of budgets: shard one budget at a time (--budget 1/12 --shard 1/2, then merge), or run the list unsharded');
            const r = await runBudgetSweep(sweep, budgets);
            for (const line of r.lines) console.log(line);
            return;
          }
          const outcome = await runSweep(budgets.length ? { ...sweep, budget: budgets[0] } : sweep);
          console.log(`${out}: ${outcomeText(outcome)} → metrics.csv, summary.csv, run.json`);
        },
      )
      .command(
        'datasets <action> [name]',
        'list, fetch or verify the benchmark datasets',
        (y) =>
          y
            .positional('action', { type: 'string', choices: ['list', 'fetch', 'verify'], describe: 'what to do' })
            .positional('name', { type: 'string', describe: `dataset: ${DATASET_NAMES.join(' | ')}` })
            .option('from', { type: 'string', describe: 'import a local copy (folder or archive) after checking it, instead of downloading' })
            .option('data-dir', { type: 'string', describe: 'folder holding <dataset>/ (else $MULTISC_DATA_DIR, else the cache)' })
            .option('cache-dir', { type: 'string', describe: 'cache folder', defaultDescription: '$MULTISC_CACHE_DIR or ~/.cache/multi-sc-bench' })
            .option('base-url', { type: 'string', describe: 'download from this mirror instead of the canonical host (same file names, same checksums)' })
            .option('keep-archive', { type: 'boolean', default: false, describe: 'keep the downloaded VOC2012 tarball after extraction' }),
        async (a) => {
          const cache = a['cache-dir'] ?? cacheDir();
          if (a.action === 'list') {
            for (const line of describeDatasets({ dataDir: a['data-dir'], cacheDir: cache })) console.log(line);
            return;
          }
          if (!a.name) throw new UserError(`datasets ${a.action} needs a dataset name: ${DATASET_NAMES.join(' | ')}`);
          if (a.action === 'fetch') {
            const r = await fetchDataset(a.name, { cacheDir: cache, from: a.from, baseUrl: a['base-url'], keepArchive: a['keep-archive'] });
            console.log(`${r.name}: ${r.status} in ${r.root}`);
          } else {
            const report = await verifyDataset(a.name, { dataDir: a['data-dir'], cacheDir: cache });
            for (const p of report.problems) console.log(`  ${p}`);
            console.log(`${report.name} in ${report.root}: ${report.checked} file(s) checked, ${report.ok ? 'OK' : `${report.problems.length} problem(s)`}`);
            if (!report.ok) process.exitCode = 1;
          }
        },
      )
      .command(
        'models <action> [ids..]',
        'list, fetch or verify the model files (registry: bench/models/registry.ts)',
        (y) =>
          y
            .positional('action', { type: 'string', choices: ['list', 'fetch', 'verify'], describe: 'what to do' })
            .positional('ids', { type: 'string', array: true, describe: 'model ids (default: all of --profile)' })
            .option('profile', { type: 'string', describe: 'only the models of this profile: lite | paper' })
            .option('dtype', {
              type: 'string',
              describe: `models with several weight variants: only this one (${PAPER_DTYPES.join(' | ')})`,
              defaultDescription: `fetch: ${DEFAULT_PAPER_DTYPE}; list, verify: all`,
            })
            .option('models-dir', { type: 'string', describe: 'folder holding model files (else $MULTISC_MODELS_DIR)' })
            .option('cache-dir', { type: 'string', describe: 'cache folder', defaultDescription: '$MULTISC_CACHE_DIR or ~/.cache/multi-sc-bench' }),
        async (a) => {
          const opts = { modelsDir: a['models-dir'], cacheDir: a['cache-dir'] };
          const dtype = a.dtype !== undefined ? paperDtypeOf(a.dtype) : a.action === 'fetch' ? DEFAULT_PAPER_DTYPE : undefined;
          const ids = selectModels(a.ids as string[] | undefined, a.profile, dtype);
          if (a.action === 'list') {
            for (const line of await describeModels(ids, opts)) console.log(line);
          } else if (a.action === 'fetch') {
            const exportOnly: string[] = [];
            for (const id of ids) {
              const entry = modelEntry(id);
              if (entry.sources.every((src) => src.kind === 'export')) {
                // Made on the user's machine by a script, never downloaded: report it, fetch the rest.
                const found = await locateModel(id, opts).catch(() => null);
                if (found) console.log(`${id}: ${found.path} (${found.origin}, ${sourceLabel(found.source)})`);
                else exportOnly.push(id);
                continue;
              }
              const m = await fetchModel(id, opts);
              console.log(`${id}: ${m.path} (${m.origin}, ${sourceLabel(m.source)})`);
            }
            if (exportOnly.length) {
              console.log(`not downloadable, to be exported with ${exportScriptsFor(exportOnly).join(', ')} (README: GPU recipe): ${exportOnly.join(', ')}`);
            }
          } else {
            let bad = 0;
            for (const id of ids) {
              try {
                const m = await locateModel(id, opts);
                console.log(`${id}: OK sha256 ${m.sha256} (${sourceLabel(m.source)})`);
              } catch (e) {
                if (!isUserError(e)) throw e;
                bad++;
                console.log(`${id}: FAIL ${e.message}`);
              }
            }
            if (bad) throw new UserError(`${bad} of ${ids.length} model(s) missing or corrupt (see above)`);
          }
        },
      )
      .command(
        'metric <name> [files..]',
        'score two images (lpips, cosine, psnr, ms-ssim) or two text files (bleu)',
        (y) =>
          y
            .positional('name', { type: 'string', choices: ['lpips', 'cosine', 'psnr', 'ms-ssim', 'bleu'], describe: 'metric' })
            .positional('files', { type: 'string', array: true, describe: 'A.png B.png' })
            .option('ref', { type: 'string', describe: 'bleu: reference text file, one sentence per line' })
            .option('hyp', { type: 'string', describe: 'bleu: hypothesis text file, one sentence per line' })
            .option('variant', { type: 'string', default: 'sacrebleu', describe: `bleu: ${BLEU_VARIANTS.join(' | ')}` })
            .option('metric-models', { type: 'string', describe: 'public | offline', defaultDescription: '$MULTISC_METRIC_MODELS or public' })
            .option('models-dir', { type: 'string', describe: 'folder holding model files (else $MULTISC_MODELS_DIR)' })
            .option('threads', { type: 'number', default: 2, describe: 'ONNX Runtime intra-op threads' })
            .option('signature', { type: 'boolean', default: false, describe: 'also print the metric signature' }),
        async (a) => {
          const r = await runMetricCommand({
            name: a.name as MetricCommandName,
            files: (a.files as string[] | undefined) ?? [],
            ref: a.ref,
            hyp: a.hyp,
            variant: a.variant,
            metricModels: metricModelSetFrom(a['metric-models']),
            session: { modelsDir: a['models-dir'], threads: positiveInt(a.threads, '--threads') },
          });
          console.log(r.value);
          if (a.signature) console.log(r.signature);
        },
      )
      .command(
        'plot',
        'render Fig. 3/4 (a) cosine, (b) LPIPS and the extra figures of a results folder to SVG + PNG, and the HTML report',
        (y) =>
          y
            .option('in', { type: 'string', demandOption: true, describe: 'results folder written by bench run (summary.csv, run.json, samples/)' })
            .option('out', { type: 'string', describe: 'output folder', defaultDescription: 'plots/<dataset>' })
            .option('report', { type: 'boolean', default: true, describe: 'also write index.html (figures, summary table, run metadata, gallery); --no-report skips it' })
            .option('scale', { type: 'number', default: 2, describe: 'PNG pixels per SVG pixel' })
            .option('only', { type: 'string', describe: 'comma-separated figure ids to render (e.g. fig4,fig4a-cosine)', defaultDescription: 'all' })
            .option('gallery-snr', { type: 'string', describe: 'SNRs (dB) shown in the report gallery, e.g. 0,9,18', defaultDescription: '4 spread over the grid' })
            .option('gallery-images', { type: 'number', describe: 'at most N sample images in the gallery', defaultDescription: 'all saved by the run' }),
        async (a) => {
          const lines = await plotCommand({
            in: a.in, out: a.out, report: a.report, scale: a.scale, only: a.only,
            gallerySnr: a['gallery-snr'], galleryImages: a['gallery-images'],
          });
          for (const l of lines) console.log(l);
        },
      )
      .command(
        'check',
        'compare a results folder (or a rerun of the golden run) with a golden file row by row; exit 1 on a value beyond tolerance, a missing or an extra row',
        (y) =>
          y
            .option('in', { type: 'string', describe: 'results folder to check (metrics.csv, run.json)' })
            .option('golden', { type: 'string', describe: 'golden file, e.g. results/golden/kodak24-analog.csv' })
            .option('letter', { type: 'string', array: true, describe: "instead of a golden: decide the letter's claims on these results folders (e.g. results/voc2012 results/kodak24)" })
            .option('strict', { type: 'boolean', default: false, describe: 'with --letter: exit 1 when a claim fails' })
            .option('rerun', { type: 'boolean', default: false, describe: "run the golden's recorded bench run command into a temp folder, then compare (instead of --in)" })
            .option('update-golden', { type: 'boolean', default: false, describe: 'rewrite the golden file from --in (or --rerun) and print what changed' })
            .option('tol', { type: 'string', describe: 'tolerances: rtol=R,atol=A and per metric, e.g. lpips=1e-5 (relative); channel_symbols and bits_sent are always exact', defaultDescription: "the golden's, else rtol=1e-6,atol=1e-9" })
            .option('limit', { type: 'number', describe: 'rows of the table of changes at most', default: 40 })
            .option('keep', { type: 'boolean', default: false, describe: 'keep the --rerun results folder (its path is printed)' }),
        async (a) => {
          if (a.letter !== undefined) {
            if (a.golden !== undefined) throw new UserError('check: give --golden FILE or --letter DIR..., not both');
            if (!a.letter.length) throw new UserError('check --letter: name at least one results folder, e.g. --letter results/voc2012 results/kodak24');
            const r = letterReport(checkLetterClaims(a.letter), a.strict);
            for (const l of r.lines) console.log(l);
            if (r.exitCode !== 0) process.exitCode = r.exitCode;
            return;
          }
          if (a.golden === undefined) throw new UserError('check: give --golden FILE (a golden comparison) or --letter DIR... (the letter\'s claims)');
          const r = await checkCommand({
            in: a.in, golden: a.golden, rerun: a.rerun, updateGolden: a['update-golden'],
            tol: a.tol, limit: a.limit, keep: a.keep,
          });
          for (const l of r.lines) console.log(l);
          if (r.exitCode !== 0) process.exitCode = r.exitCode;
        },
      )
      .command(
        'merge <dirs..>',
        'combine the results folders of a sharded run into one',
        (y) =>
          y
            .positional('dirs', { type: 'string', array: true, describe: 'results folders of the shards' })
            .option('out', { type: 'string', demandOption: true, describe: 'folder for the merged results' }),
        (a) => {
          const r = mergeResults(a.dirs as string[], a.out);
          const missing = r.missingShards.length ? `; MISSING shards ${r.missingShards.join(', ')} (status "partial")` : '';
          console.log(`${a.out}: merged ${r.rows} rows from shards ${r.shards.join(', ')}${missing}`);
        },
      )
      .demandCommand(1, 'name a command: run, plot, check, datasets, models, metric or merge')
      .strict()
      .parserConfiguration({ 'camel-case-expansion': true })
      // A flag given twice keeps its last value, as in most CLIs (only the list positionals are lists).
      .middleware((a) => {
        for (const [k, v] of Object.entries(a)) if (!LIST_POSITIONALS.has(k) && Array.isArray(v)) a[k] = v[v.length - 1];
      }, true),
  ).parseAsync();
}

runMain(() => main(hideBin(process.argv)));
