import * as os from 'os';
import * as path from 'path';

/**
 * The folder everything the harness downloads lives under (datasets, models, archives).
 * Precedence: an explicit value (a --cache-dir flag or option), then env MULTISC_CACHE_DIR, then
 * ~/.cache/multi-sc-bench. An empty string counts as unset, so `MULTISC_CACHE_DIR= npm run …`
 * falls back to the default instead of caching into the current folder.
 */
export function cacheDir(override?: string): string {
  const chosen = nonEmpty(override) ?? nonEmpty(process.env.MULTISC_CACHE_DIR);
  return path.resolve(chosen ?? path.join(os.homedir(), '.cache', 'multi-sc-bench'));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}
