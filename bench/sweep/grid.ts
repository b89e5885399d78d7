import { UserError } from '../errors';

/**
 * Parses an SNR grid: `start:stop:step` (inclusive of stop when the steps land on it) or a
 * comma list `0,5,10`. Values are rounded to 1e-9 so that 0:1:0.1 gives 0.3, not 0.30000000000000004.
 */
export function parseSnrGrid(text: string): number[] {
  const s = text.trim();
  const fail = (why: string): never => {
    throw new UserError(`--snr "${text}": ${why} (write start:stop:step such as -3:21:3, or a list such as 0,5,10)`);
  };
  if (s === '') fail('empty');
  const num = (t: string): number => {
    const v = Number(t.trim());
    if (t.trim() === '' || !Number.isFinite(v)) fail(`"${t}" is not a number`);
    return v;
  };
  const round = (v: number): number => Math.round(v * 1e9) / 1e9 + 0; // + 0 turns −0 into 0
  let values: number[];
  if (s.includes(':')) {
    const parts = s.split(':');
    if (parts.length !== 3) fail('a range needs exactly three parts');
    const [start, stop, step] = parts.map(num);
    if (step === 0) fail('the step is 0');
    if ((stop - start) / step < 0) fail(`the step ${step} never goes from ${start} to ${stop}`);
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    if (count > 10000) fail(`${count} points is too many`);
    values = Array.from({ length: count }, (_, i) => round(start + i * step));
  } else {
    values = s.split(',').map((t) => round(num(t)));
  }
  const seen = new Set<number>();
  for (const v of values) {
    if (seen.has(v)) fail(`${v} dB appears twice`);
    seen.add(v);
    if (Math.abs(v) > 100) fail(`${v} dB is outside −100…100 dB`);
  }
  return values;
}

/** `k/n` with 1 ≤ k ≤ n: this process runs the k-th of n deterministic slices of the grid. */
export interface Shard {
  k: number;
  n: number;
}

export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) {
    throw new UserError(`--shard "${text}": write k/n with 1 ≤ k ≤ n, e.g. --shard 1/2 and --shard 2/2 on two machines`);
  }
  return { k, n };
}

/**
 * The cells of a shard: cell i of N (in the canonical order) belongs to shard ⌊i·n/N⌋ + 1.
 * Contiguous slices keep one image's cells together, so each shard prepares few images.
 */
export function inShard(index: number, total: number, shard: Shard | null): boolean {
  if (!shard) return true;
  return Math.floor((index * shard.n) / total) + 1 === shard.k;
}

export function parseList(text: string, what: string): string[] {
  const items = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (items.length === 0) throw new UserError(`${what} is empty: name at least one`);
  const dup = items.find((t, i) => items.indexOf(t) !== i);
  if (dup) throw new UserError(`${what}: "${dup}" appears twice`);
  return items;
}
