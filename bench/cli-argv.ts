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
