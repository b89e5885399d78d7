import type { DatasetName } from './manifest';

/** One benchmark image of a resolved dataset. */
export interface DatasetImage {
  /** File name without extension: `kodim01`, `2007_000033`. */
  id: string;
  /** Absolute path of the image file. */
  path: string;
  /** Absolute path of the class segmentation mask (VOC `SegmentationClass/<id>.png`), when present. */
  maskPath?: string;
}

export interface ResolvedDataset {
  name: DatasetName;
  /** The dataset folder that was used. */
  root: string;
  /** VOC only: the split the ids came from. */
  split?: string;
  images: DatasetImage[];
  /** Ids the dataset lists but the folder lacks (only non-empty with skipMissing). */
  missing: string[];
}

export interface FetchResult {
  name: DatasetName;
  /** Where the dataset now is (the cache). */
  root: string;
  /** 'already-present': nothing needed doing; 'fetched': downloaded (or extracted from a cached archive); 'imported': from --from. */
  status: 'already-present' | 'fetched' | 'imported';
  /** Files that were downloaded (for VOC: the archive). */
  downloaded: string[];
  /** Files that were already in the cache and verified, so not fetched again. */
  reused: string[];
  /** The local copy used, when imported with --from. */
  importedFrom?: string;
}

export interface VerifyReport {
  name: DatasetName;
  root: string;
  ok: boolean;
  /** Files whose presence / content was checked. */
  checked: number;
  /** One line per problem; empty when ok. */
  problems: string[];
}
