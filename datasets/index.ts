/**
 * Benchmark datasets: Kodak24 and the PASCAL VOC 2012 segmentation subset. Like torchvision's
 * datasets: find a local copy, or download it (pinned sha256, verified while streaming, written
 * atomically), and say clearly what is wrong when something is.
 *
 * - `resolveDataset(name, opts)`: the images of a local copy `<base>/<name>/`, where base is, in
 *   order, `opts.dataDir` (--data-dir), env MULTISC_DATA_DIR, then `<cache dir>/datasets`
 *   (cache dir: `opts.cacheDir`, env MULTISC_CACHE_DIR, else ~/.cache/multi-sc-bench; see cacheDir()).
 *   Kodak24: kodim01 … kodim24. VOC2012: the ids of ImageSets/Segmentation/val.txt (split
 *   train | val | all), JPEGImages/<id>.jpg with SegmentationClass/<id>.png as mask when present.
 * - `ensureDataset(name, { fetchIfMissing })`: the same, but fetches into the cache first when no
 *   copy exists anywhere (for `bench run` on a fresh machine).
 * - `fetchDataset(name, opts)`: downloads into the cache (`npm run datasets -- fetch NAME`), or with
 *   `from` imports a local copy after checking it.
 * - `verifyDataset(name, opts)`: re-checks the copy resolveDataset would use; returns a report.
 *
 * Sources, sizes, hashes and their provenance are in datasets/manifests/*.json. Every failure a
 * user can fix is a one-line UserError (what, where, how to fix).
 */
import * as path from 'path';
import { UserError } from '../bench/errors';
import { cacheDir } from '../bench/fetch/cache-dir';
import { fetchFileSet, fileSetImages, importFileSet, verifyFileSet } from './file-set';
import { fewOf } from './format';
import { describeFsFailure, isFile } from '../bench/fetch/files';
import { cachedDatasetRoot, datasetNotFound, locateDataset, LocateOptions } from './locate';
import { assertDatasetName, DATASET_NAMES, DatasetName, loadArchiveManifest, loadFileSetManifest, loadManifest } from './manifest';
import { logLine, TransferOptions } from '../bench/fetch/transfer';
import type { DatasetImage, FetchResult, ResolvedDataset, VerifyReport } from './types';
import { fetchVoc, importVoc, parseSplit, verifyVoc, vocImages, vocListing } from './voc2012';

export { cacheDir } from '../bench/fetch/cache-dir';
export { DATASET_NAMES, loadManifest } from './manifest';
export type { DatasetName, DatasetManifest } from './manifest';
export { VOC_SPLITS } from './voc2012';
export type { VocSplit } from './voc2012';
export { searchPlaces } from './locate';
export type { LocateOptions, SearchPlace } from './locate';
export type { TransferOptions, TransferProgress } from '../bench/fetch/transfer';
export type { DatasetImage, FetchResult, ResolvedDataset, VerifyReport } from './types';

export interface ResolveOptions extends LocateOptions {
  /** VOC2012 only (default 'val'). Ignored for Kodak24, which is one set of 24 images. */
  split?: 'train' | 'val' | 'all';
  /** Skip listed images the folder lacks (they are reported in `missing`) instead of failing. */
  skipMissing?: boolean;
  /** Keep only the first N images (after skipping missing ones). */
  limit?: number;
}

export interface FetchOptions extends TransferOptions {
  /** Overrides MULTISC_CACHE_DIR / ~/.cache/multi-sc-bench. */
  cacheDir?: string;
  /** Import this local copy instead of downloading (Kodak: folder; VOC: the archive or an extracted VOC2012 folder). */
  from?: string;
  /** Download from this mirror (keeps the file names of the manifest URLs), e.g. a local server in tests. */
  baseUrl?: string;
  /** VOC: keep the 2 GB archive in `<cache dir>/downloads/` after extracting. */
  keepArchive?: boolean;
}

export type EnsureOptions = ResolveOptions & Omit<FetchOptions, 'from'> & { fetchIfMissing: boolean };

export type VerifyOptions = LocateOptions & TransferOptions;

/** What differs between datasets; everything else (search, missing images, errors) is shared. */
interface DatasetHandler {
  /** Every image the dataset lists, whether or not the file is there; `listing` names the list. */
  candidates(root: string, split: ResolveOptions['split']): { images: DatasetImage[]; listing: string; split?: string };
  fetch(root: string, opts: FetchOptions): Promise<FetchResult>;
  importFrom(from: string, root: string, opts: FetchOptions): Promise<FetchResult>;
  verify(root: string, opts: TransferOptions): Promise<VerifyReport>;
}

const kodak24 = () => loadFileSetManifest('kodak24');
const voc2012 = () => loadArchiveManifest('voc2012');

const HANDLERS: Record<DatasetName, DatasetHandler> = {
  kodak24: {
    // No split: the CLI passes its --split default for every dataset, so it is ignored here.
    candidates(root) {
      return { images: fileSetImages(kodak24(), root), listing: 'the kodak24 manifest' };
    },
    fetch: (root, opts) => fetchFileSet(kodak24(), root, opts),
    importFrom: (from, root, opts) => importFileSet(kodak24(), from, root, opts),
    verify: (root, opts) => verifyFileSet(kodak24(), root, opts),
  },
  voc2012: {
    candidates(root, splitOption) {
      const split = parseSplit(splitOption);
      return { images: vocImages(root, split), listing: vocListing(split), split };
    },
    fetch: (root, opts) => fetchVoc(voc2012(), root, path.join(cacheDir(opts.cacheDir), 'downloads'), opts),
    importFrom: (from, root, opts) => importVoc(voc2012(), from, root, opts),
    verify: async (root) => verifyVoc(root),
  },
};

export async function resolveDataset(name: string, opts: ResolveOptions = {}): Promise<ResolvedDataset> {
  return ensureDataset(name, { ...opts, fetchIfMissing: false });
}

export async function ensureDataset(name: string, opts: EnsureOptions): Promise<ResolvedDataset> {
  const dataset = assertDatasetName(name);
  checkLimit(opts.limit);
  const { root, searched } = locateDataset(dataset, opts);
  if (root !== null) return listImages(dataset, root, opts);
  if (!opts.fetchIfMissing) throw datasetNotFound(dataset, searched);
  logLine(opts, `${dataset}: no local copy (looked in ${searched.join(', ')}); fetching it into the cache`);
  const fetched = await fetchDataset(dataset, opts);
  return listImages(dataset, fetched.root, opts);
}

export async function fetchDataset(name: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const dataset = assertDatasetName(name);
  const handler = HANDLERS[dataset];
  const root = cachedDatasetRoot(dataset, opts.cacheDir);
  const importing = opts.from !== undefined && opts.from !== '';
  if (importing && opts.baseUrl) {
    throw new UserError('--from and --base-url cannot be combined: --from imports a local copy, --base-url downloads from a mirror');
  }
  try {
    return await (importing ? handler.importFrom(path.resolve(opts.from as string), root, opts) : handler.fetch(root, opts));
  } catch (e) {
    // A full disk or an unwritable cache is the user's to fix: one line, not a stack trace.
    const local = describeFsFailure(e, `while fetching ${dataset}`);
    throw local ? new UserError(local) : e;
  }
}

export async function verifyDataset(name: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const dataset = assertDatasetName(name);
  const { root, searched } = locateDataset(dataset, opts);
  if (root === null) throw datasetNotFound(dataset, searched);
  return HANDLERS[dataset].verify(root, opts);
}

/** One line per dataset for `npm run datasets -- list`: what it is, and which copy would be used. */
export function describeDatasets(opts: LocateOptions = {}): string[] {
  return DATASET_NAMES.map((name) => {
    const { root, origin, searched } = locateDataset(name, opts);
    const where = root !== null
      ? `${root} (from ${origin})`
      : `not found (looked in ${searched.join(', ')}); get it with \`npm run datasets -- fetch ${name}\``;
    return `${name.padEnd(8)} ${loadManifest(name).title}: ${where}`;
  });
}

function listImages(name: DatasetName, root: string, opts: ResolveOptions): ResolvedDataset {
  const { images: candidates, listing, split } = HANDLERS[name].candidates(root, opts.split);
  const present: DatasetImage[] = [];
  const missing: string[] = [];
  for (const img of candidates) {
    if (isFile(img.path)) present.push(img);
    else missing.push(img.id);
  }
  if (missing.length > 0 && !opts.skipMissing) {
    throw new UserError(
      `${name} at ${root}: ${missing.length} of ${candidates.length} images named in ${listing} are missing (${fewOf(missing)}). ` +
        `Pass --skip-missing to run without them, or get the full set with \`npm run datasets -- fetch ${name}\``,
    );
  }
  const images = opts.limit !== undefined ? present.slice(0, opts.limit) : present;
  return { name, root, ...(split !== undefined ? { split } : {}), images, missing };
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new UserError(`--limit must be a positive whole number of images, got ${limit}`);
  }
}
