import { z } from 'zod';
import { UserError } from '../bench/errors';
import kodak24Json from './manifests/kodak24.json';
import voc2012Json from './manifests/voc2012.json';

/**
 * Dataset manifests: where each dataset comes from and the hashes that pin it. The data lives in
 * `manifests/*.json` (imported, so `tsc` ships them next to the compiled code); this module
 * validates their shape once and gives them types.
 */

export const DATASET_NAMES = ['kodak24', 'voc2012'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
const md5Hex = z.string().regex(/^[0-9a-f]{32}$/, 'a lowercase hex md5');
const httpUrl = z.string().regex(/^https?:\/\/[^/]+\/.+[^/]$/, 'an http(s) URL of a file');

/** One downloadable file. `name` is where it is stored; a plain name, never a path. */
const RemoteFileSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a plain file name'),
  url: httpUrl,
  /** Bytes. Sizes the progress bar before the server answers, and is checked after download. */
  size: z.number().int().positive().optional(),
  sha256: sha256Hex,
  /** Checked as well when given: some sources (torchvision) only publish an md5. */
  md5: md5Hex.optional(),
});

const common = {
  name: z.enum(DATASET_NAMES),
  title: z.string(),
  homepage: z.string(),
  terms: z.string(),
  /** Where each URL and hash came from, and what could not be checked. */
  integrity: z.array(z.string()).min(1),
};

/** A dataset that is a list of individually downloadable, individually hashed files (Kodak). */
const FileSetManifestSchema = z.object({
  ...common,
  kind: z.literal('files'),
  files: z.array(RemoteFileSchema).min(1),
});

/** A dataset shipped as one archive, of which we keep a subset (VOC). */
const ArchiveManifestSchema = z.object({
  ...common,
  kind: z.literal('archive'),
  archive: RemoteFileSchema,
  /** Folder inside the archive that becomes the dataset root, with a trailing slash. */
  archivePrefix: z.string().regex(/^([^/]+\/)+$/, 'a relative folder ending in /'),
});

const DatasetManifestSchema = z.discriminatedUnion('kind', [FileSetManifestSchema, ArchiveManifestSchema]);

export type RemoteFile = z.infer<typeof RemoteFileSchema>;
export type FileSetManifest = z.infer<typeof FileSetManifestSchema>;
export type ArchiveManifest = z.infer<typeof ArchiveManifestSchema>;
export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;

const MANIFEST_JSON: Record<DatasetName, unknown> = { kodak24: kodak24Json, voc2012: voc2012Json };

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

export function assertDatasetName(name: string): DatasetName {
  if (isDatasetName(name)) return name;
  throw new UserError(`unknown dataset '${name}'; known datasets: ${DATASET_NAMES.join(', ')}`);
}

/**
 * Validates manifest data. A malformed manifest is a bug in this repository (or in a test's
 * hand-made manifest), not a user mistake, so it is a plain Error that names every bad field.
 */
export function parseManifest(json: unknown, source: string): DatasetManifest {
  const parsed = DatasetManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid dataset manifest ${source}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

const cache = new Map<DatasetName, DatasetManifest>();

export function loadManifest(name: DatasetName): DatasetManifest {
  let manifest = cache.get(name);
  if (!manifest) {
    manifest = parseManifest(MANIFEST_JSON[name], `datasets/manifests/${name}.json`);
    if (manifest.name !== name) throw new Error(`datasets/manifests/${name}.json names itself '${manifest.name}'`);
    cache.set(name, manifest);
  }
  return manifest;
}

/** The manifest of a dataset fetched file by file; a different kind is a bug in the manifest. */
export function loadFileSetManifest(name: DatasetName): FileSetManifest {
  const manifest = loadManifest(name);
  if (manifest.kind !== 'files') throw new Error(`datasets/manifests/${name}.json must have kind "files"`);
  return manifest;
}

/** The manifest of a dataset shipped as one archive; a different kind is a bug in the manifest. */
export function loadArchiveManifest(name: DatasetName): ArchiveManifest {
  const manifest = loadManifest(name);
  if (manifest.kind !== 'archive') throw new Error(`datasets/manifests/${name}.json must have kind "archive"`);
  return manifest;
}

/**
 * The URL to fetch `file` from. `baseUrl` (a mirror, or a local test server) replaces everything
 * up to the file name, so a mirror only has to keep the file names, not the host's folder layout.
 */
export function sourceUrl(file: RemoteFile, baseUrl?: string): string {
  if (baseUrl === undefined || baseUrl === '') return file.url;
  const fileName = file.url.slice(file.url.lastIndexOf('/') + 1);
  let base: URL;
  try {
    base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    throw new UserError(`--base-url '${baseUrl}' is not a valid URL; give one like http://mirror.example.org/path`);
  }
  return new URL(fileName, base).toString();
}
