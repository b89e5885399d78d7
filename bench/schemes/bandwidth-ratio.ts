import { UserError } from '../errors';

/**
 * A bandwidth ratio k/n (complex channel symbols per source value, n = H·W·3) given on the
 * command line as a fraction (`1/6`) or a decimal (`0.25`), in (0, max].
 */
export function parseBandwidthRatio(text: string, flag: string, max = 1): number {
  const t = String(text).trim();
  const frac = /^([0-9]+(?:\.[0-9]+)?)\s*\/\s*([0-9]+(?:\.[0-9]+)?)$/.exec(t);
  const value = frac ? Number(frac[1]) / Number(frac[2]) : /^[0-9]*\.?[0-9]+(?:e-?[0-9]+)?$/i.test(t) ? Number(t) : NaN;
  if (!(value > 0 && value <= max && Number.isFinite(value))) {
    throw new UserError(`--${flag} ${t} is not a bandwidth ratio: give k/n in (0, ${max === 1 ? 1 : `1/${1 / max}`}] as a fraction or decimal, e.g. 1/6 (the deep-JSCC ratio) or 0.25`);
  }
  return value;
}
