import type { Argv } from 'yargs';
import { isUserError, UserError } from './errors';

/**
 * yargs would read the value in `--snr -3:21:3` as short flags; a value that starts with a minus
 * and a digit is glued to its flag (`--snr=-3:21:3`) before parsing.
 */
export function glueNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (/^--[a-z][\w-]*$/.test(argv[i]) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/**
 * Runs a command-line entry point: a user error becomes one `error: …` line and exit 1, anything
 * else is a bug and is reported with its stack and exit 70.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    if (isUserError(e)) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`internal error (please report): ${(e as Error).stack ?? String(e)}\n`);
    process.exit(70);
  });
}

/** The common ending of the harness's yargs parsers: help, width, and user errors as one line. */
export function withUserErrors<T>(y: Argv<T>): Argv<T> {
  return y
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(`${msg} (see --help)`);
    });
}
