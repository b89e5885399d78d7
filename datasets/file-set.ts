import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../bench/errors';
import { fewOf } from './format';
import { describeMismatch, digestFile } from '../bench/fetch/hash';
import { downloadVerified } from '../bench/fetch/download';
import { isDirectory, isFile } from '../bench/fetch/files';
import { FileSetManifest, RemoteFile, sourceUrl } from './manifest';
import { copyFileAtomic, moveFilesIntoPlace, removeStaleTemps, sharedPartialDir } from './staging';
import { logLine, startByteMeter, TransferOptions } from '../bench/fetch/transfer';
import type { DatasetImage, FetchResult, VerifyReport } from './types';

/**
 * Datasets that are a list of individually hashed files (Kodak24): list, fetch, import, verify.
 * Files are fetched into a shared `.<name>.partial/` folder next to the dataset and moved into the
 * dataset folder once all are verified, so the dataset folder only appears complete, and an
 * interrupted fetch keeps what it already verified.
 */

/** Image ids are file names without extension, sorted (kodim01 … kodim24). */
export function fileSetImages(manifest: FileSetManifest, root: string): DatasetImage[] {
  return manifest.files
    .map((f) => ({ id: stripExtension(f.name), path: path.join(root, f.name) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface FileSetFetchOptions extends TransferOptions {
  /** Replaces each URL's folder: a mirror, or a local server in tests. */
  baseUrl?: string;
}

export async function fetchFileSet(manifest: FileSetManifest, root: string, opts: FileSetFetchOptions): Promise<FetchResult> {
  const partial = sharedPartialDir(root);
  removeStaleTemps(partial);
  const inPlace: string[] = [];
  /** Verified by an interrupted earlier run, waiting in the partial folder. */
  const resumed: string[] = [];
  const needed: RemoteFile[] = [];
  for (const file of manifest.files) {
    const target = path.join(root, file.name);
    if (await hasPinnedContent(target, file)) inPlace.push(file.name);
    else if (await hasPinnedContent(path.join(partial, file.name), file)) resumed.push(file.name);
    else {
      if (isFile(target)) logLine(opts, `${manifest.name}: ${target} does not match the manifest; downloading it again`);
      needed.push(file);
    }
  }
  if (inPlace.length === manifest.files.length) {
    logLine(opts, `${manifest.name}: all ${inPlace.length} files already present and verified in ${root}`);
    return { name: manifest.name, root, status: 'already-present', downloaded: [], reused: inPlace };
  }

  const meter = startByteMeter(`download ${manifest.name}`, totalSize(needed), opts);
  try {
    for (const file of needed) {
      await downloadVerified({
        url: sourceUrl(file, opts.baseUrl),
        dest: path.join(partial, file.name),
        expected: file,
        onBytes: (n) => meter.add(n),
      });
    }
  } finally {
    meter.done();
  }
  const downloaded = needed.map((f) => f.name);
  moveFilesIntoPlace(partial, root, [...resumed, ...downloaded]);
  return { name: manifest.name, root, status: 'fetched', downloaded, reused: [...inPlace, ...resumed] };
}

/**
 * Imports a local copy: `from` is the folder with the files (or its parent holding `<name>/`).
 * Every file is checked against the manifest before anything is copied; a copy that differs
 * (e.g. losslessly recompressed PNGs) is refused, since results would not be comparable.
 */
export async function importFileSet(manifest: FileSetManifest, from: string, root: string, opts: TransferOptions): Promise<FetchResult> {
  const dir = fileSetFolder(manifest, from);
  const problems = await checkFiles(manifest, dir, opts, `check ${manifest.name}`);
  if (problems.length > 0) {
    throw new UserError(`--from ${dir} is not a usable ${manifest.name} copy: ${problems.join('; ')}. Use an unmodified copy, or fetch without --from to download it`);
  }
  const result: FetchResult = { name: manifest.name, root, status: 'imported', downloaded: [], reused: [], importedFrom: dir };
  if (path.resolve(dir) === path.resolve(root)) return { ...result, status: 'already-present' };
  const partial = sharedPartialDir(root);
  removeStaleTemps(partial);
  for (const file of manifest.files) copyFileAtomic(path.join(dir, file.name), path.join(partial, file.name));
  moveFilesIntoPlace(partial, root, manifest.files.map((f) => f.name));
  logLine(opts, `${manifest.name}: imported ${manifest.files.length} verified files from ${dir} into ${root}`);
  return result;
}

export async function verifyFileSet(manifest: FileSetManifest, root: string, opts: TransferOptions): Promise<VerifyReport> {
  const problems = await checkFiles(manifest, root, opts, `verify ${manifest.name}`);
  return { name: manifest.name, root, ok: problems.length === 0, checked: manifest.files.length, problems };
}

/** Missing files and files whose bytes differ from the manifest, summarised one problem per line. */
async function checkFiles(manifest: FileSetManifest, dir: string, opts: TransferOptions, label: string): Promise<string[]> {
  const missing: string[] = [];
  const differing: string[] = [];
  const meter = startByteMeter(label, totalSize(manifest.files), opts);
  try {
    for (const file of manifest.files) {
      const p = path.join(dir, file.name);
      if (!isFile(p)) {
        missing.push(file.name);
        continue;
      }
      const mismatch = describeMismatch(file, await digestFile(p, file, (n) => meter.add(n)));
      if (mismatch) differing.push(`${file.name} (${mismatch})`);
    }
  } finally {
    meter.done();
  }
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`${missing.length} of ${manifest.files.length} files missing: ${fewOf(missing)}`);
  if (differing.length > 0) problems.push(`${differing.length} files differ from the manifest: ${fewOf(differing, 3)}`);
  return problems;
}

function fileSetFolder(manifest: FileSetManifest, from: string): string {
  const nested = path.join(from, manifest.name);
  const hasFiles = (dir: string) => manifest.files.some((f) => isFile(path.join(dir, f.name)));
  if (isDirectory(from) && !hasFiles(from) && isDirectory(nested)) return nested;
  if (!isDirectory(from)) {
    throw new UserError(`--from ${from} is not a folder; for ${manifest.name} give the folder that holds ${manifest.files[0].name} … ${manifest.files[manifest.files.length - 1].name}`);
  }
  return from;
}

async function hasPinnedContent(file: string, pinned: RemoteFile): Promise<boolean> {
  if (!isFile(file)) return false;
  if (pinned.size !== undefined && fs.statSync(file).size !== pinned.size) return false;
  return describeMismatch(pinned, await digestFile(file, pinned)) === null;
}

function totalSize(files: readonly RemoteFile[]): number {
  return files.reduce((sum, f) => sum + (f.size ?? 0), 0);
}

function stripExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
