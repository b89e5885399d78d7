import * as path from 'path';
import { UserError } from '../bench/errors';
import { cacheDir } from '../bench/fetch/cache-dir';
import { isDirectory } from '../bench/fetch/files';
import type { DatasetName } from './manifest';

/**
 * Where a dataset's folder `<base>/<name>/` is looked for, in order: --data-dir, env
 * MULTISC_DATA_DIR, then the download cache (`<cache dir>/datasets`), which is also where fetch
 * writes. The first base that has the folder wins, even if the folder turns out incomplete: a
 * user who pointed at a copy wants to hear about that copy, not silently get another one.
 */

export interface LocateOptions {
  /** The --data-dir flag. */
  dataDir?: string;
  /** Overrides MULTISC_CACHE_DIR / ~/.cache/multi-sc-bench. */
  cacheDir?: string;
}

export interface SearchPlace {
  base: string;
  /** Which setting named this base, for messages. */
  origin: '--data-dir' | 'MULTISC_DATA_DIR' | 'cache';
}

export function datasetsCacheDir(cacheDirOverride?: string): string {
  return path.join(cacheDir(cacheDirOverride), 'datasets');
}

/** Where fetch and import write `name`. */
export function cachedDatasetRoot(name: DatasetName, cacheDirOverride?: string): string {
  return path.join(datasetsCacheDir(cacheDirOverride), name);
}

/**
 * A data folder the user named but that does not exist is a mistake to report, not a reason to
 * quietly look elsewhere (or start a download).
 */
function namedBase(dir: string, origin: SearchPlace['origin']): SearchPlace {
  const base = path.resolve(dir);
  if (!isDirectory(base)) {
    throw new UserError(`${origin} ${dir} is not a folder: point it at the folder that holds kodak24/ and voc2012/, or leave it unset to use the cache`);
  }
  return { base, origin };
}

export function searchPlaces(opts: LocateOptions): SearchPlace[] {
  const places: SearchPlace[] = [];
  if (opts.dataDir) places.push(namedBase(opts.dataDir, '--data-dir'));
  const env = process.env.MULTISC_DATA_DIR;
  if (env && env.trim() !== '') places.push(namedBase(env, 'MULTISC_DATA_DIR'));
  places.push({ base: datasetsCacheDir(opts.cacheDir), origin: 'cache' });
  return places;
}

export interface Located {
  /** The dataset folder, or null when no search place has it. */
  root: string | null;
  /** Which setting led to `root`. */
  origin?: SearchPlace['origin'];
  searched: string[];
}

export function locateDataset(name: DatasetName, opts: LocateOptions): Located {
  const searched: string[] = [];
  for (const place of searchPlaces(opts)) {
    const root = path.join(place.base, name);
    searched.push(`${root} (${place.origin})`);
    if (isDirectory(root)) return { root, origin: place.origin, searched };
  }
  return { root: null, searched };
}

export function datasetNotFound(name: DatasetName, searched: string[]): UserError {
  return new UserError(
    `dataset ${name} not found; looked in ${searched.join(', ')}. Get it with \`npm run datasets -- fetch ${name}\` ` +
      `(or import a local copy with \`npm run datasets -- fetch ${name} --from DIR\`), or point --data-dir at a folder that has ${name}/`,
  );
}
