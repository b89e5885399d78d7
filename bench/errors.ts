/**
 * A mistake the user can fix (bad flag, missing file, checksum mismatch...).
 * The CLI prints `message` as one line and exits non-zero, never a stack trace.
 * Messages say what went wrong, where, and how to fix it.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof Error && e.name === 'UserError';
}
