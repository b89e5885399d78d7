import { UserError } from '../../errors';
import type { LdpcScheme } from './ldpc-scheme';
import { nrScheme } from './nr-scheme';
import { wifiScheme } from './wifi-codes';

/**
 * The LDPC layer's entry point: a spec string → an `LdpcScheme` (see ldpc-scheme.ts for what a
 * scheme offers and the LLR convention: positive LLR = bit 0 more likely).
 *
 *   nr:K:N       5G NR (38.212): one code block of K information bits sent in N bits, rate K/N.
 *                Base graph by §7.2.2, Z by §5.2.2, fillers, rv0 rate matching (2Z punctured).
 *                e.g. nr:3072:6144, nr:3072:4608, nr:1536:4608
 *   wifi:N:R     IEEE 802.11n: N ∈ {648, 1296, 1944}, R ∈ {1/2, 2/3, 3/4, 5/6}; all N bits sent.
 *                e.g. wifi:1944:1/2, wifi:648:2/3
 */
export type { LdpcScheme } from './ldpc-scheme';
export { KNOWN_ZERO_LLR } from './bit-selection';

export const LDPC_SPEC_FORMS = 'nr:K:N (5G NR, K information bits in N sent bits, e.g. nr:3072:6144) or wifi:N:R (802.11n, N ∈ 648|1296|1944, R ∈ 1/2|2/3|3/4|5/6, e.g. wifi:1944:1/2)';

const schemes = new Map<string, LdpcScheme>();

/**
 * Parses an LDPC spec; a malformed or unsupported one throws one UserError line saying what is
 * wrong and what is valid. Schemes are cached by spec: they are immutable apart from the
 * encoder's scratch buffers, and JavaScript runs one encode at a time per thread.
 */
export function parseLdpcSpec(text: string): LdpcScheme {
  const spec = text.trim();
  let scheme = schemes.get(spec);
  if (!scheme) {
    scheme = buildScheme(spec);
    schemes.set(spec, scheme);
  }
  return scheme;
}

function buildScheme(spec: string): LdpcScheme {
  const parts = spec.split(':');
  const family = parts[0].toLowerCase();
  const bad = (what: string): never => {
    throw new UserError(`LDPC spec '${spec}': ${what}`);
  };
  if (family === 'nr') {
    if (parts.length !== 3) bad('expected nr:K:N with K information bits and N sent bits per block, e.g. nr:3072:6144');
    const [k, n] = [parts[1], parts[2]].map((p) => parseCount(p, spec));
    return nrScheme(k, n);
  }
  if (family === 'wifi') {
    if (parts.length !== 3) bad('expected wifi:N:R with N ∈ 648|1296|1944 and R ∈ 1/2|2/3|3/4|5/6, e.g. wifi:1944:1/2');
    return wifiScheme(parseCount(parts[1], spec), parts[2]);
  }
  return bad(`unknown LDPC code family '${parts[0]}'; use ${LDPC_SPEC_FORMS}`);
}

function parseCount(text: string, spec: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new UserError(`LDPC spec '${spec}': '${text}' is not a positive whole number of bits; use ${LDPC_SPEC_FORMS}`);
  }
  return Number(text);
}
