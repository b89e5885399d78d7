import { analogFactory } from '../../baselines/analog/analog';
import { UserError } from '../errors';
import type { SchemeFactory } from './scheme';

/** Every scheme the harness can run, by name. A new scheme registers its factory here. */
const FACTORIES: readonly SchemeFactory[] = [analogFactory];

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
