import { isUserError, UserError } from '../errors';
import { MODELS, modelEntry, type ModelEntry, type ModelSource } from './registry';
import { locateModel, sourceLabel, type StoreOptions } from './store';

/**
 * The ids a `models` command acts on: those named, else every model of --profile (else all); with
 * `dtype`, of the models that come in several weight variants only that one.
 */
export function selectModels(ids: string[] | undefined, profile: string | undefined, dtype?: string): string[] {
  if (profile !== undefined && profile !== 'lite' && profile !== 'paper') {
    throw new UserError(`--profile ${profile}: use lite or paper`);
  }
  if (ids && ids.length) {
    for (const id of ids) modelEntry(id);
    return ids;
  }
  return MODELS.filter((m) => (!profile || m.profiles.includes(profile as 'lite' | 'paper')) && (!dtype || !m.dtype || m.dtype === dtype)).map((m) => m.id);
}

/** Exact bytes where a source pins them, else the host's rounded size (≈), else '?'. */
function sizeLabel(m: ModelEntry): string {
  const exact = m.sources.find((s) => s.size !== undefined)?.size;
  const mb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
  if (exact !== undefined) return `${exact} B (${mb(exact)})`;
  return m.approxBytes !== undefined ? `≈${mb(m.approxBytes)}` : '?';
}

function shaLabel(s: ModelSource): string {
  if (s.sha256 !== null) return s.sha256;
  return s.kind === 'export' ? 'recorded by the export script in exports.json' : 'not published (the revision pins it; recorded on fetch)';
}

/**
 * Two lines per model: id, role, profiles, present/absent and where found or where to get it;
 * then, indented, its size and the sha256 of each source.
 */
export async function describeModels(ids: string[], opts: StoreOptions): Promise<string[]> {
  const lines: string[] = [];
  const width = Math.max(...ids.map((id) => id.length)) + 1;
  for (const id of ids) {
    const m = modelEntry(id);
    const head = `${id.padEnd(width)} ${m.role.padEnd(17)} ${m.profiles.join(',').padEnd(10)}`;
    try {
      const found = await locateModel(id, opts);
      lines.push(`${head} present  ${found.path} (${found.origin}; ${sourceLabel(found.source)})`);
    } catch (e) {
      if (!isUserError(e)) throw e;
      const state = /not found/.test(e.message) ? 'absent ' : 'CORRUPT';
      const from = m.sources.filter((s) => s.kind !== 'local').map(sourceLabel).join(', ') || 'models folder only';
      lines.push(`${head} ${state}  ${state === 'absent ' ? `from ${from}` : e.message}`);
    }
    lines.push(`${''.padEnd(width)} size ${sizeLabel(m)}; sha256 ${m.sources.map(shaLabel).join(' or ')}`);
  }
  return lines;
}
