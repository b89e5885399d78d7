import { UserError } from '../../bench/errors';
import { parseLdpcSpec, type LdpcScheme } from '../../bench/phy/ldpc/codes';
import { modulationFromName, type Modulation } from '../../bench/phy/modulation';
import { BPG_QP_MAX, BPG_QP_MIN } from './codec';

/**
 * Bit budgets and the QP search of BPG-LDPC.
 *
 * Bandwidth: an H×W×3 image at bandwidth ratio k/n gets n = ⌊ratio·H·W·3⌋ complex channel
 * symbols. With M-ary modulation and an LDPC code of k information bits in e sent bits, whole
 * codewords only: C_max = ⌊n·log2(M)/e⌋ codewords, so the stream may have at most
 * ⌊C_max·k/8⌋ bytes (≤ ⌊n·log2(M)·R/8⌋; the difference is the unused tail of the bandwidth).
 * A stream of B bytes is sent as C = ⌈8B/k⌉ codewords, the last one padded with zero bits (the
 * padding is counted: bits_sent = C·e), on ⌈C·e/log2(M)⌉ symbols.
 */

/** The rate labels of `--bpg-mcs` and their 5G NR codes (one code block each, rv0 rate matching). */
export const RATE_CODES: Readonly<Record<string, string>> = {
  '1/3': 'nr:1536:4608',
  '1/2': 'nr:3072:6144',
  '2/3': 'nr:3072:4608',
  '3/4': 'nr:3072:4096',
};
export const DEFAULT_MODULATIONS = ['bpsk', 'qpsk', '16qam', '64qam'] as const;

/** A modulation and coding scheme: one (LDPC code, constellation) pair. */
export interface Mcs {
  /** `2/3:16qam`, or `<ldpc spec>:<modulation>` for a code that is not one of RATE_CODES. */
  readonly name: string;
  readonly ldpc: LdpcScheme;
  readonly modulation: Modulation;
}

export const MCS_FORMS = `auto, oracle, auto:LIST, oracle:LIST, or a LIST: a comma list of RATE:MOD with RATE ∈ ${Object.keys(RATE_CODES).join('|')} (or an LDPC spec such as nr:3072:6144) and MOD ∈ ${DEFAULT_MODULATIONS.join('|')}, e.g. 2/3:16qam`;

/** Every default pair, rate-major: 1/3:bpsk, 1/3:qpsk, …, 3/4:64qam. */
export function defaultMcsList(): Mcs[] {
  return Object.keys(RATE_CODES).flatMap((rate) => DEFAULT_MODULATIONS.map((mod) => mcsFrom(rate, mod)));
}

function mcsFrom(codeText: string, modText: string): Mcs {
  const spec = RATE_CODES[codeText] ?? codeText;
  const ldpc = parseLdpcSpec(spec);
  const modulation = modulationFromName(modText);
  const label = Object.keys(RATE_CODES).find((r) => RATE_CODES[r] === ldpc.name) ?? ldpc.name;
  return { name: `${label}:${modulation.name}`, ldpc, modulation };
}

/**
 * How BPG-LDPC picks a pair per cell: `auto` from the SNR and the transmitter's own streams
 * (mcs-table.ts), `oracle` by sending every pair and keeping the best reconstruction (a genie).
 */
export type McsChoice = 'auto' | 'oracle';

/**
 * `--bpg-mcs`: `auto` or `oracle` over every default pair, `auto:LIST` or `oracle:LIST` over a comma
 * list of pairs, or a bare LIST (auto).
 */
export function parseMcsChoice(text: string): { choice: McsChoice; list: Mcs[] } {
  const t = text.trim().toLowerCase();
  if (t === 'auto' || t === 'oracle') return { choice: t, list: defaultMcsList() };
  for (const choice of ['auto', 'oracle'] as const) {
    if (t.startsWith(`${choice}:`)) return { choice, list: parseMcs(t.slice(choice.length + 1)) };
  }
  if (t === 'best') {
    throw new UserError(`--bpg-mcs best was the genie choice (every pair sent, the best reconstruction kept): it is now --bpg-mcs oracle; the default, auto, chooses from the SNR`);
  }
  return { choice: 'auto', list: parseMcs(text) };
}

/** A comma list of pairs (RATE:MOD); UserError on anything else. */
export function parseMcs(text: string): Mcs[] {
  const t = text.trim().toLowerCase();
  const items = t.split(',').map((s) => s.trim());
  if (items.some((s) => s.length === 0)) throw new UserError(`--bpg-mcs '${text}': empty entry; use ${MCS_FORMS}`);
  const list: Mcs[] = [];
  for (const item of items) {
    const cut = item.lastIndexOf(':');
    if (cut <= 0) throw new UserError(`--bpg-mcs '${text}': '${item}' is not RATE:MOD; use ${MCS_FORMS}`);
    const code = item.slice(0, cut);
    if (!RATE_CODES[code] && !code.includes(':')) {
      throw new UserError(`--bpg-mcs '${text}': unknown rate '${code}'; use ${MCS_FORMS}`);
    }
    const mcs = mcsFrom(code, item.slice(cut + 1));
    if (list.some((m) => m.name === mcs.name)) throw new UserError(`--bpg-mcs '${text}': ${mcs.name} is listed twice`);
    list.push(mcs);
  }
  return list;
}

export interface LdpcBudget {
  /** Whole codewords that fit in n symbols. */
  readonly maxCodewords: number;
  /** The largest stream, in bytes, those codewords carry. */
  readonly bytes: number;
}

export function ldpcBudget(n: number, mcs: Mcs): LdpcBudget {
  const maxCodewords = Math.floor((n * mcs.modulation.bitsPerSymbol) / mcs.ldpc.e);
  return { maxCodewords, bytes: Math.floor((maxCodewords * mcs.ldpc.k) / 8) };
}

/** Codewords for a stream of `bytes` bytes (the last one zero-padded). */
export function codewordsFor(bytes: number, mcs: Mcs): number {
  return Math.ceil((8 * bytes) / mcs.ldpc.k);
}

/** Channel symbols for `codewords` codewords sent back to back (the last symbol zero-padded). */
export function symbolsFor(codewords: number, mcs: Mcs): number {
  return Math.ceil((codewords * mcs.ldpc.e) / mcs.modulation.bitsPerSymbol);
}

/** The ideal separate-coding budget: n·log2(1 + SNR) bits (complex AWGN capacity), in whole bytes. */
export function capacityBudgetBytes(n: number, snrDb: number): number {
  return Math.floor((n * Math.log2(1 + Math.pow(10, snrDb / 10))) / 8);
}

/**
 * The best (lowest) QP whose stream fits a byte budget, by a safeguarded search over QP
 * 0…51, with every size measured once and shared by all budgets of one image.
 *
 * The stream size is monotone (decreasing) in QP in practice but not guaranteed. The search keeps
 * `hi`, a QP whose size was measured to fit, and `lo`, one measured not to fit (or −1), and
 * narrows (lo, hi) until they are adjacent; the answer is `hi`. So whatever the sizes do, the
 * answer always fits (the budget is never exceeded) and the QP just below it was measured not to
 * fit; a non-monotonic step can only cost optimality, never the budget.
 *
 * Each round measures two QPs at once (two encoder processes): g−1 and g, where g is interpolated
 * on log(size) (sizes are close to exponential in QP), so one round usually settles a budget; a
 * round that did not halve the interval is followed by one that cuts it in thirds.
 */
export class QpSearch {
  private readonly sizes = new Map<number, number>();
  private readonly pending = new Map<number, Promise<number>>();

  constructor(private readonly measure: (qp: number) => Promise<number>) {}

  /** Measured sizes so far, by QP. */
  get known(): ReadonlyMap<number, number> {
    return this.sizes;
  }

  async size(qp: number): Promise<number> {
    const known = this.sizes.get(qp);
    if (known !== undefined) return known;
    let p = this.pending.get(qp);
    if (!p) {
      p = this.measure(qp).then((s) => {
        this.sizes.set(qp, s);
        return s;
      });
      this.pending.set(qp, p);
      p.then(
        () => this.pending.delete(qp),
        () => this.pending.delete(qp),
      );
    }
    return p;
  }

  /** The lowest QP found to fit `budget` bytes, or null when even QP 51 does not. */
  async bestQp(budget: number): Promise<number | null> {
    if ((await this.size(BPG_QP_MAX)) > budget) return null;
    let hi = BPG_QP_MAX;
    let lo = BPG_QP_MIN - 1;
    const narrow = (): void => {
      for (const [q, s] of this.sizes) if (s <= budget && q < hi) hi = q;
      for (const [q, s] of this.sizes) if (s > budget && q < hi && q > lo) lo = q;
    };
    narrow();
    let thirds = false;
    while (hi - lo > 1) {
      const width = hi - lo;
      const probes = thirds ? thirdPoints(lo, hi) : pairAround(this.guess(budget, lo, hi), lo, hi);
      await Promise.all(probes.map((q) => this.size(q)));
      narrow();
      thirds = hi - lo > width / 2;
    }
    return hi;
  }

  /**
   * The QP where the size should meet the budget, by log-linear interpolation between lo and hi,
   * or, with lo open, extrapolation from hi and the next measured QP above it (else a slope of
   * e-fold per 10 QP, typical of natural images).
   */
  private guess(budget: number, lo: number, hi: number): number {
    const t = Math.log(budget);
    const sHi = this.sizes.get(hi)!;
    const sLo = lo >= BPG_QP_MIN ? this.sizes.get(lo) : undefined;
    let g: number;
    if (sLo !== undefined && sLo > sHi) g = lo + ((Math.log(sLo) - t) / (Math.log(sLo) - Math.log(sHi))) * (hi - lo);
    else {
      let slope = 0.1;
      let above = Infinity;
      for (const q of this.sizes.keys()) if (q > hi && q < above) above = q;
      if (above !== Infinity) {
        const s2 = this.sizes.get(above)!;
        if (s2 < sHi) slope = Math.min(1, Math.max(0.02, (Math.log(sHi) - Math.log(s2)) / (above - hi)));
      }
      g = hi - (t - Math.log(sHi)) / slope;
    }
    return Math.ceil(g - 1e-9);
  }
}

/** g−1 and g inside (lo, hi), shifted to stay inside; one point when only one is left. */
function pairAround(g: number, lo: number, hi: number): number[] {
  const b = Math.min(hi - 1, Math.max(lo + 2, g));
  return b - 1 > lo ? [b - 1, b] : [b];
}

/** Two points cutting (lo, hi) in thirds (distinct, inside). */
function thirdPoints(lo: number, hi: number): number[] {
  const w = hi - lo;
  const a = lo + Math.max(1, Math.round(w / 3));
  const b = Math.min(hi - 1, Math.max(a + 1, lo + Math.round((2 * w) / 3)));
  return b > a && b < hi ? [a, b] : [a];
}
