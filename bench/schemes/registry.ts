import { analogFactory } from '../../baselines/analog/analog';
import { deepJsccFactory } from '../../baselines/deep-jscc/deep-jscc';
import { bpgCapacityFactory, bpgLdpcFactory } from '../../baselines/bpg-ldpc/bpg-ldpc';
import { multiScFactory, singleTextFactory, vlmCscFactory } from '../multi-sc/semantic-scheme';
import { UserError } from '../errors';
import { codeVersion } from '../code-version';
import type { SchemeFactory, SchemeOptionSpec } from './scheme';

/** Every scheme the harness can run, by name. A new scheme registers its factory here. */
const FACTORIES: readonly SchemeFactory[] = [
  multiScFactory,
  singleTextFactory,
  vlmCscFactory,
  deepJsccFactory,
  bpgLdpcFactory,
  bpgCapacityFactory,
  analogFactory,
];

export function schemeNames(): string[] {
  return FACTORIES.map((f) => f.name);
}

export function schemeFactory(name: string): SchemeFactory {
  const f = FACTORIES.find((x) => x.name === name);
  if (!f) {
    throw new UserError(`unknown scheme "${name}" in --schemes: available schemes are ${schemeNames().join(', ')}`);
  }
  return f;
}

/** Every scheme flag, once; a flag declared by two schemes must be declared the same way. */
export function schemeOptionSpecs(): Record<string, SchemeOptionSpec> {
  const all: Record<string, SchemeOptionSpec> = {};
  for (const f of FACTORIES) {
    for (const [flag, spec] of Object.entries(f.options ?? {})) {
      const prev = all[flag];
      if (prev && JSON.stringify(prev) !== JSON.stringify(spec)) throw new Error(`scheme option --${flag} is declared differently by two schemes`);
      all[flag] = spec;
    }
  }
  return all;
}

/** The version of the code behind a registered scheme (bench/code-version.ts), for cache keys. */
export function schemeCodeVersion(name: string): string {
  return codeVersion(schemeFactory(name).sourceFile);
}
