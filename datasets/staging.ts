import * as fs from 'fs';
import * as path from 'path';

/**
 * Building a dataset folder out of sight and then moving it into place, so a search never finds a
 * half-written dataset. Staging folders are siblings of the final folder (same filesystem, so the
 * move is a rename) and start with a dot (never mistaken for a dataset named by a search).
 */

/** A staging folder private to this process, removed on failure. */
export function privateStagingDir(finalDir: string): string {
  return path.join(path.dirname(finalDir), `.${path.basename(finalDir)}.${process.pid}.staging`);
}

/**
 * A staging folder kept across runs, for datasets fetched file by file: every file in it was
 * verified before it was renamed in, so an interrupted fetch resumes from it.
 */
export function sharedPartialDir(finalDir: string): string {
  return path.join(path.dirname(finalDir), `.${path.basename(finalDir)}.partial`);
}

/** Replaces `finalDir` (if any) with `stagingDir`. */
export function moveDirIntoPlace(stagingDir: string, finalDir: string): void {
  if (!fs.existsSync(finalDir)) {
    fs.renameSync(stagingDir, finalDir);
    return;
  }
  const old = `${privateStagingDir(finalDir)}.old`;
  fs.renameSync(finalDir, old);
  fs.renameSync(stagingDir, finalDir);
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Moves the named (verified) files from `stagingDir` into `finalDir`, then drops `stagingDir` if
 * empty. A file already moved by a concurrent fetch of the same dataset (gone from staging, present
 * in place) is fine: that process verified it too.
 */
export function moveFilesIntoPlace(stagingDir: string, finalDir: string, names: readonly string[]): void {
  fs.mkdirSync(finalDir, { recursive: true });
  for (const name of names) {
    try {
      fs.renameSync(path.join(stagingDir, name), path.join(finalDir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync(path.join(finalDir, name))) throw e;
    }
  }
  try {
    fs.rmdirSync(stagingDir);
  } catch {
    // not empty (another process is still filling it) or already gone: leave it
  }
}

/** Copies through a temp name in the destination folder, so `dest` is complete or absent. */
export function copyFileAtomic(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.${process.pid}.part`;
  try {
    fs.copyFileSync(src, part);
    fs.chmodSync(part, 0o644); // a read-only source (e.g. a shared copy) must not make the cache read-only
    fs.renameSync(part, dest);
  } finally {
    fs.rmSync(part, { force: true });
  }
}

/** Temp names made by this module and by download.ts: `<name>.<pid>.part`, `.<name>.<pid>.staging[.old]`. */
const TEMP_NAME = /\.(\d+)\.(part|staging|staging\.old)$/;

/**
 * Removes temp files and folders in `dir` left by processes that no longer run (a killed fetch
 * can leave a 2 GB `.part`). Those of live processes are left alone: they may be mid-download.
 */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no folder, nothing to clean
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match && !processIsAlive(Number(match[1]))) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
