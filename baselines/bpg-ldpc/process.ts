import { spawn } from 'child_process';
import { UserError } from '../../bench/errors';

/** A codec call that runs longer than this is killed (a stuck decoder on a corrupt stream). */
const PROCESS_TIMEOUT_MS = 300_000;

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs `file` with an argument array (no shell), writes `input` to its stdin and collects stdout
 * and stderr through pipes. A program that cannot be started (not found, not executable) is a
 * UserError naming it and `hint` (how to fix it); a non-zero exit is returned, not thrown.
 */
export function runProcess(file: string, args: readonly string[], input: Uint8Array | null, hint: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, timeout: PROCESS_TIMEOUT_MS });
    } catch (e) {
      reject(startError(file, e as NodeJS.ErrnoException, hint));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failed = false;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      failed = true;
      reject(startError(file, e, hint));
    });
    // The child may exit before reading all of its input (e.g. a decoder giving up on a corrupt
    // stream): EPIPE on stdin is then expected, and the exit status tells what happened.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      if (failed) return;
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
    if (input) child.stdin.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    else child.stdin.end();
  });
}

function startError(file: string, e: NodeJS.ErrnoException, hint: string): Error {
  if (e.code === 'ENOENT' || e.code === 'EACCES') {
    return new UserError(`cannot run ${file}: ${e.code === 'ENOENT' ? 'not found' : 'not executable'} (${hint})`);
  }
  return new Error(`cannot run ${file}: ${e.message}`);
}

/** The last non-empty line of a program's stderr, for one-line error messages. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return lines.length ? lines[lines.length - 1] : '(no message)';
}
