import { isUserError, UserError } from '../errors';
import { MODELS, modelEntry } from './registry';
import { locateModel, sourceLabel, type StoreOptions } from './store';

/** The ids a `models` command acts on: those named, else every model of --profile (else all). */
export function selectModels(ids: string[] | undefined, profile: string | undefined): string[] {
  if (profile !== undefined && profile !== 'lite' && profile !== 'paper') {
    throw new UserError(`--profile ${profile}: use lite or paper`);
  }
  if (ids && ids.length) {
    for (const id of ids) modelEntry(id);
    return ids;
  }
  return MODELS.filter((m) => !profile || m.profiles.includes(profile as 'lite' | 'paper')).map((m) => m.id);
}

/** One line per model: id, role, present/absent, where found or where to get it. */
export async function describeModels(ids: string[], opts: StoreOptions): Promise<string[]> {
  const lines: string[] = [];
  for (const id of ids) {
    const m = modelEntry(id);
    const head = `${id.padEnd(26)} ${m.role.padEnd(18)} ${m.profiles.join(',').padEnd(11)}`;
    try {
      const found = await locateModel(id, opts);
      lines.push(`${head} present  ${found.path} (${found.origin}; ${sourceLabel(found.source)})`);
    } catch (e) {
      if (!isUserError(e)) throw e;
      const state = /not found/.test(e.message) ? 'absent ' : 'CORRUPT';
      const from = m.sources.filter((s) => s.kind !== 'local').map(sourceLabel).join(', ') || 'models folder only';
      lines.push(`${head} ${state}  ${state === 'absent ' ? `from ${from}` : e.message}`);
    }
  }
  return lines;
}
