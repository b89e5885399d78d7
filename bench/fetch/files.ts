import * as fs from 'fs';

/** Small file-system helpers shared by the dataset and model fetchers. */

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A local file-system failure (disk full, no permission, read-only cache) as a one-line message,
 * or null when `e` is not one. `context` says what was being done ("while downloading URL").
 */
export function describeFsFailure(e: unknown, context = ''): string | null {
  // Duck-typed, not `instanceof Error`: errors of Node's fs can come from another realm (jest's VM).
  if (typeof e !== 'object' || e === null) return null;
  const err = e as NodeJS.ErrnoException;
  if (typeof err.syscall !== 'string' || typeof err.path !== 'string') return null;
  const fix = err.code === 'ENOSPC' || err.code === 'EDQUOT' ? 'Free disk space' : 'Check that the folder exists and is writable';
  return `file system error at ${err.path}${context ? ` ${context}` : ''}: ${err.code ?? err.message} (${err.syscall}). ${fix}, or choose another cache folder with MULTISC_CACHE_DIR`;
}
