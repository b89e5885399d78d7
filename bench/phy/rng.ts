import { createHash } from 'crypto';

// Module-level copies: under jest's sandbox each `Math.x` lookup in a hot loop costs ~1 µs.
const { imul, sqrt, log, sin, cos, floor, PI } = Math;

/**
 * The harness's one pseudo-random generator: xoshiro128** (Blackman & Vigna), seeded from the
 * SHA-256 of a key. Every random draw in a run comes from a generator made by `rngFor`, keyed by
 * (dataset, image, scheme, snr, seed, stream), so a cell's noise does not depend on which other
 * cells ran before it, in which process, shard or resume.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = NaN;

  constructor(seedWords: Uint32Array) {
    if (seedWords.length < 4) throw new Error('xoshiro128** needs 4 seed words');
    this.s0 = seedWords[0] | 0;
    this.s1 = seedWords[1] | 0;
    this.s2 = seedWords[2] | 0;
    this.s3 = seedWords[3] | 0;
    // An all-zero state would be stuck at zero forever.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9 | 0;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = imul(rotl(imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal N(0, 1) by the Box–Muller transform (both outputs used). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = sqrt(-2 * log(u1));
    const theta = 2 * PI * u2;
    this.spare = r * sin(theta);
    return r * cos(theta);
  }

  /** Fills `out` with independent N(0, sigma²) samples. */
  fillNormal(out: Float32Array | Float64Array, sigma = 1): void {
    for (let i = 0; i < out.length; i++) out[i] = sigma * this.normal();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The key of one cell's random stream. `stream` separates independent uses within a cell. */
export interface RngKey {
  dataset: string;
  image: string;
  scheme: string;
  snrDb: number;
  seed: number;
  stream: string;
}

/** Canonical text of a key: fields in fixed order, numbers in JS's shortest round-trip form. */
export function rngKeyText(k: RngKey): string {
  return JSON.stringify([k.dataset, k.image, k.scheme, k.snrDb, k.seed, k.stream]);
}

export function rngFromText(text: string): Rng {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = digest.readUInt32LE(4 * i);
  return new Rng(words);
}

export function rngFor(key: RngKey): Rng {
  return rngFromText(rngKeyText(key));
}
