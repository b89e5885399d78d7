import { UserError } from '../../bench/errors';
import { runHosted, StartError, type HostedResult } from '../../bench/process-host';

/** A codec call that runs longer than this is killed (a stuck decoder on a corrupt stream). */
const PROCESS_TIMEOUT_MS = 300_000;

export type ProcessResult = HostedResult;

/**
 * Runs `file` with an argument array (no shell), writes `input` to its stdin and collects stdout
 * and stderr, through the process host (bench/process-host.ts says why). A program that cannot be
 * started (not found, not executable) is a UserError naming it and `hint` (how to fix it); a
 * non-zero exit is returned, not thrown.
 */
export async function runProcess(file: string, args: readonly string[], input: Uint8Array | null, hint: string): Promise<ProcessResult> {
  try {
    return await runHosted({ file, args, input, timeoutMs: PROCESS_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof StartError && (e.code === 'ENOENT' || e.code === 'EACCES')) {
      throw new UserError(`cannot run ${file}: ${e.code === 'ENOENT' ? 'not found' : 'not executable'} (${hint})`);
    }
    if (e instanceof StartError) throw new Error(`cannot run ${file}: ${e.message}`);
    throw e;
  }
}

/** The last non-empty line of a program's stderr, for one-line error messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.length ? lines[lines.length - 1] : '(no message)';
}
