/**
 * Complex baseband symbols: interleaved (re, im) pairs in a Float32Array, length 2·n for n symbols.
 */
export type ComplexArray = Float32Array;

export function complexLength(x: ComplexArray): number {
  return x.length >>> 1;
}

/** Average energy per complex symbol, mean of |x|². */
export function meanSymbolEnergy(x: ComplexArray): number {
  const n = complexLength(x);
  if (n === 0) return 0;
  let acc = 0;
  for (let i = 0; i < x.length; i++) acc += x[i] * x[i];
  return acc / n;
}

/**
 * Scales x in place to unit average symbol energy (E|x|² = 1, the SNR convention's Es = 1) and
 * returns the factor applied, which the receiver needs to undo it.
 */
export function normalizePower(x: ComplexArray): number {
  const e = meanSymbolEnergy(x);
  if (e === 0) return 1;
  const g = 1 / Math.sqrt(e);
  for (let i = 0; i < x.length; i++) x[i] *= g;
  return g;
}
