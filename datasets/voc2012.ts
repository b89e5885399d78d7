import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../bench/errors';
import { downloadVerified } from '../bench/fetch/download';
import { fewOf } from './format';
import { describeMismatch, digestFile } from '../bench/fetch/hash';
import { isDirectory, isFile } from '../bench/fetch/files';
import { ArchiveManifest, sourceUrl } from './manifest';
import { copyFileAtomic, moveDirIntoPlace, privateStagingDir, removeStaleTemps } from './staging';
import { extractTarFiles, readTarTexts } from './tar-archive';
import { logLine, startByteMeter, TransferOptions } from '../bench/fetch/transfer';
import type { DatasetImage, FetchResult, VerifyReport } from './types';

/**
 * PASCAL VOC 2012, segmentation subset. The dataset folder mirrors the official `VOC2012/`
 * layout, restricted to what segmentation needs:
 *   ImageSets/Segmentation/*.txt   split lists (train, val, trainval)
 *   SegmentationClass/*.png        class masks
 *   SegmentationObject/*.png       instance masks
 *   JPEGImages/<id>.jpg            only the ids of the segmentation train + val lists
 * (about 2,900 of the archive's 17,125 JPEGs; the detection-only images and XML annotations are
 * left in the archive).
 */

export const VOC_SPLITS = ['train', 'val', 'all'] as const;
export type VocSplit = (typeof VOC_SPLITS)[number];

const LISTS_DIR = 'ImageSets/Segmentation';
const IMAGES_DIR = 'JPEGImages';
const CLASS_MASKS_DIR = 'SegmentationClass';
/** Folders copied whole; JPEGImages is filtered by the lists. */
const WHOLE_DIRS = [LISTS_DIR, CLASS_MASKS_DIR, 'SegmentationObject'] as const;
/** The lists whose ids the benchmark may use; 'all' is train then val. */
const SPLIT_LISTS = ['train', 'val'] as const;

const listFile = (split: 'train' | 'val') => `${LISTS_DIR}/${split}.txt`;
const imageFile = (id: string) => `${IMAGES_DIR}/${id}.jpg`;
const FETCH_HINT = '`npm run datasets -- fetch voc2012`';

export function parseSplit(split: string | undefined): VocSplit {
  const s = split ?? 'val';
  if ((VOC_SPLITS as readonly string[]).includes(s)) return s as VocSplit;
  throw new UserError(`unknown voc2012 split '${s}'; use one of ${VOC_SPLITS.join(', ')}`);
}

/** Ids of a split list, in file order; 'all' = train then val without repeats. */
export function readSplitIds(root: string, split: VocSplit): string[] {
  const lists: ('train' | 'val')[] = split === 'all' ? [...SPLIT_LISTS] : [split];
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const list of lists) {
    const file = path.join(root, listFile(list));
    if (!isFile(file)) {
      throw new UserError(`voc2012 at ${root} has no ${listFile(list)}; the copy is incomplete. Get a complete one with ${FETCH_HINT}`);
    }
    for (const id of parseIdList(fs.readFileSync(file, 'utf8'))) {
      if (!seen.has(id)) ids.push(id);
      seen.add(id);
    }
  }
  return ids;
}

/** One id per line; blank lines and surrounding spaces (CRLF files) are ignored. */
function parseIdList(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** Candidate images of the split: path of each listed JPEG, mask when the folder has it. */
export function vocImages(root: string, split: VocSplit): DatasetImage[] {
  return readSplitIds(root, split).map((id) => {
    const maskPath = path.join(root, CLASS_MASKS_DIR, `${id}.png`);
    return { id, path: path.join(root, imageFile(id)), ...(isFile(maskPath) ? { maskPath } : {}) };
  });
}

export function vocListing(split: VocSplit): string {
  return split === 'all' ? `${listFile('train')} and ${listFile('val')}` : listFile(split);
}

/** Whether `rel` (relative to VOC2012/) belongs to the subset we keep. */
function inSubset(rel: string, ids: ReadonlySet<string>): boolean {
  const dir = path.posix.dirname(rel);
  if ((WHOLE_DIRS as readonly string[]).includes(dir)) return true;
  return dir === IMAGES_DIR && rel.endsWith('.jpg') && ids.has(path.posix.basename(rel, '.jpg'));
}

interface FolderCheck {
  /** Ids of the train and val lists (train first, no repeats). */
  ids: string[];
  problems: string[];
}

/**
 * Checks a VOC2012 folder: split lists present, every listed id has its JPEG, every such JPEG
 * starts with the JPEG SOI marker (catches HTML error pages and empty files saved as .jpg).
 */
export function checkVocFolder(root: string): FolderCheck {
  const absentLists = SPLIT_LISTS.map(listFile).filter((f) => !isFile(path.join(root, f)));
  if (absentLists.length > 0) return { ids: [], problems: [`missing ${absentLists.join(' and ')}`] };
  const ids = readSplitIds(root, 'all');
  if (ids.length === 0) return { ids, problems: [`${listFile('train')} and ${listFile('val')} list no ids`] };
  const missing: string[] = [];
  const notJpeg: string[] = [];
  for (const id of ids) {
    const file = path.join(root, imageFile(id));
    if (!isFile(file)) missing.push(id);
    else if (!startsWithJpegMarker(file)) notJpeg.push(id);
  }
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`${missing.length} of ${ids.length} ids in the train/val lists have no ${IMAGES_DIR}/<id>.jpg: ${fewOf(missing)}`);
  if (notJpeg.length > 0) problems.push(`${notJpeg.length} files in ${IMAGES_DIR}/ are not JPEG (no FF D8 FF start): ${fewOf(notJpeg.map((id) => `${id}.jpg`))}`);
  return { ids, problems };
}

function startsWithJpegMarker(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(3);
    return fs.readSync(fd, head, 0, 3, 0) === 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
  } finally {
    fs.closeSync(fd);
  }
}

export interface VocFetchOptions extends TransferOptions {
  baseUrl?: string;
  /** Keep the downloaded archive in `<cache>/downloads/` (default: deleted after extraction). */
  keepArchive?: boolean;
}

/**
 * Downloads the pinned archive to `downloadsDir` (reusing a verified one left there by
 * keepArchive), extracts the subset into `root`, and deletes the archive unless keepArchive.
 */
export async function fetchVoc(manifest: ArchiveManifest, root: string, downloadsDir: string, opts: VocFetchOptions): Promise<FetchResult> {
  const result: FetchResult = { name: manifest.name, root, status: 'already-present', downloaded: [], reused: [] };
  if (isDirectory(root) && checkVocFolder(root).problems.length === 0) {
    logLine(opts, `voc2012: already present in ${root}; run \`npm run datasets -- verify voc2012\` to re-check it`);
    return result;
  }
  removeStaleTemps(downloadsDir);
  const archive = manifest.archive;
  const archivePath = path.join(downloadsDir, archive.name);
  if (isFile(archivePath) && (await archiveMatches(manifest, archivePath, opts)) === null) {
    result.reused.push(archive.name);
  } else {
    fs.rmSync(archivePath, { force: true });
    const meter = startByteMeter(`download ${archive.name}`, archive.size ?? 0, opts);
    try {
      await downloadVerified({ url: sourceUrl(archive, opts.baseUrl), dest: archivePath, expected: archive, onBytes: (n) => meter.add(n) });
    } finally {
      meter.done();
    }
    result.downloaded.push(archive.name);
  }
  await extractVocSubset(manifest, archivePath, root, opts);
  if (!opts.keepArchive) fs.rmSync(archivePath, { force: true });
  result.status = 'fetched';
  return result;
}

/**
 * Imports a local copy: the archive itself (checked against the pinned hashes) or an extracted
 * folder (`VOC2012/`, or a parent holding `VOC2012/` or `VOCdevkit/VOC2012/`), checked with
 * checkVocFolder before its subset is copied.
 */
export async function importVoc(manifest: ArchiveManifest, from: string, root: string, opts: TransferOptions): Promise<FetchResult> {
  const result: FetchResult = { name: manifest.name, root, status: 'imported', downloaded: [], reused: [], importedFrom: from };
  if (isFile(from)) {
    const mismatch = await archiveMatches(manifest, from, opts);
    if (mismatch) {
      throw new UserError(`--from ${from} is not the pinned ${manifest.archive.name}: ${mismatch}. Use the unmodified archive from ${manifest.archive.url}, or an extracted VOC2012 folder`);
    }
    await extractVocSubset(manifest, from, root, opts);
    return result;
  }
  const source = findVocFolder(from, manifest.archive.name);
  result.importedFrom = source;
  if (path.resolve(source) === path.resolve(root)) return { ...result, status: 'already-present' };
  const { ids, problems } = checkVocFolder(source);
  if (problems.length > 0) {
    throw new UserError(`--from ${source} is not a complete VOC2012 segmentation copy: ${problems.join('; ')}. Complete it, pass the ${manifest.archive.name} archive instead, or fetch without --from`);
  }
  removeStaleTemps(path.dirname(root));
  const staging = privateStagingDir(root);
  try {
    fs.rmSync(staging, { recursive: true, force: true });
    for (const dir of WHOLE_DIRS) {
      if (!isDirectory(path.join(source, dir))) continue;
      for (const name of fs.readdirSync(path.join(source, dir))) {
        const rel = `${dir}/${name}`;
        if (isFile(path.join(source, rel))) copyFileAtomic(path.join(source, rel), path.join(staging, rel));
      }
    }
    for (const id of ids) copyFileAtomic(path.join(source, imageFile(id)), path.join(staging, imageFile(id)));
    moveDirIntoPlace(staging, root);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  logLine(opts, `voc2012: imported ${ids.length} segmentation images from ${source} into ${root}`);
  return result;
}

export function verifyVoc(root: string): VerifyReport {
  const { ids, problems } = checkVocFolder(root);
  return { name: 'voc2012', root, ok: problems.length === 0, checked: ids.length, problems };
}

function findVocFolder(from: string, archiveName: string): string {
  if (!isDirectory(from)) {
    throw new UserError(`--from ${from} does not exist; give the ${archiveName} archive or an extracted VOC2012 folder`);
  }
  const candidates = [from, path.join(from, 'VOC2012'), path.join(from, 'VOCdevkit', 'VOC2012'), path.join(from, 'voc2012')];
  const found = candidates.find((dir) => isDirectory(path.join(dir, LISTS_DIR)));
  if (found === undefined) {
    throw new UserError(`--from ${from} does not look like VOC2012: no ${LISTS_DIR}/ in it, nor in its VOC2012/ or VOCdevkit/VOC2012/; give the extracted VOC2012 folder or the ${archiveName} archive`);
  }
  return found;
}

/** `null` when the file is the pinned archive, else the mismatch (sizes are compared first: cheap). */
async function archiveMatches(manifest: ArchiveManifest, file: string, opts: TransferOptions): Promise<string | null> {
  const archive = manifest.archive;
  const size = fs.statSync(file).size;
  if (archive.size !== undefined && size !== archive.size) return `expected ${archive.size} B, got ${size} B`;
  const meter = startByteMeter(`check ${path.basename(file)}`, size, opts);
  try {
    return describeMismatch(archive, await digestFile(file, archive, (n) => meter.add(n)));
  } finally {
    meter.done();
  }
}

/**
 * Two passes over the archive: the split lists first (which JPEGs to keep depends on them, and
 * nothing guarantees they come before JPEGImages/ in the archive), then the extraction, into a
 * private staging folder that is checked and then moved into place.
 */
async function extractVocSubset(manifest: ArchiveManifest, tarPath: string, root: string, opts: TransferOptions): Promise<void> {
  const prefix = manifest.archivePrefix;
  const size = fs.statSync(tarPath).size;
  const listNames = SPLIT_LISTS.map((s) => prefix + listFile(s));
  const listMeter = startByteMeter('read voc2012 split lists', size, opts);
  let texts: Map<string, string>;
  try {
    texts = await readTarTexts(tarPath, listNames, listMeter);
  } finally {
    listMeter.done();
  }
  const absent = listNames.filter((n) => !texts.has(n));
  if (absent.length > 0) {
    throw new UserError(`${tarPath} has no ${absent.join(' or ')}; it is not the VOC2012 trainval archive. Delete it and fetch again`);
  }
  const ids = new Set(listNames.flatMap((n) => parseIdList(texts.get(n) ?? '')));

  removeStaleTemps(path.dirname(root));
  const staging = privateStagingDir(root);
  try {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true });
    const meter = startByteMeter('extract voc2012', size, opts);
    try {
      await extractTarFiles(tarPath, staging, (p) => p.startsWith(prefix) && inSubset(p.slice(prefix.length), ids), meter);
    } finally {
      meter.done();
    }
    const extracted = path.join(staging, prefix);
    const { problems } = checkVocFolder(extracted);
    if (problems.length > 0) {
      throw new UserError(`${tarPath} does not hold what its own segmentation lists name: ${problems.join('; ')}. Delete it and fetch again`);
    }
    moveDirIntoPlace(extracted, root);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  logLine(opts, `voc2012: extracted ${ids.size} segmentation images into ${root}`);
}
