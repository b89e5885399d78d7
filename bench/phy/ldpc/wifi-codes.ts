import { UserError } from '../../errors';
import { blocksFromPrototype, qcCode } from './qc-build';
import type { QcLdpcCode } from './qc-code';
import { selectedBitsScheme, type LdpcScheme } from './ldpc-scheme';
import prototypes from './wifi-prototypes.json';

/**
 * The IEEE 802.11n (HT) LDPC codes (802.11n-2009 §20.3.11.7.4, Annex R): 12 prototype matrices of
 * 24 base columns, n ∈ {648, 1296, 1944} with Z = n / 24, R ∈ {1/2, 2/3, 3/4, 5/6}. The numbers
 * live in `wifi-prototypes.json` (provenance in SOURCES.md). Sent as is: e = n, no puncturing.
 */

export const WIFI_BLOCK_LENGTHS = [648, 1296, 1944] as const;
export type WifiBlockLength = (typeof WIFI_BLOCK_LENGTHS)[number];
export const WIFI_RATES = ['1/2', '2/3', '3/4', '5/6'] as const;
export type WifiRate = (typeof WIFI_RATES)[number];

const WIFI_BASE_COLS = 24;

export function isWifiBlockLength(n: number): n is WifiBlockLength {
  return (WIFI_BLOCK_LENGTHS as readonly number[]).includes(n);
}

export function isWifiRate(rate: string): rate is WifiRate {
  return (WIFI_RATES as readonly string[]).includes(rate);
}

const codes = new Map<string, QcLdpcCode>();

/** The 802.11n code of block length n and rate R (cached). */
export function wifiCode(n: WifiBlockLength, rate: WifiRate): QcLdpcCode {
  const name = `wifi:${n}:${rate}`;
  let code = codes.get(name);
  if (!code) {
    const entry = prototypes.codes.find((c) => c.n === n && c.rate === rate);
    if (!entry) throw new Error(`wifi-prototypes.json has no prototype for ${name}`);
    const baseRows = entry.base.length;
    if (entry.z * WIFI_BASE_COLS !== n || entry.base.some((row) => row.length !== WIFI_BASE_COLS)) {
      throw new Error(`wifi-prototypes.json: ${name} must have ${WIFI_BASE_COLS} columns and Z = n / ${WIFI_BASE_COLS}`);
    }
    code = qcCode({
      name,
      z: entry.z,
      baseRows,
      baseCols: WIFI_BASE_COLS,
      k: (WIFI_BASE_COLS - baseRows) * entry.z,
      blocks: blocksFromPrototype(entry.base, entry.z),
    });
    codes.set(name, code);
  }
  return code;
}

/** `wifi:N:R`: the 802.11n code sent whole (e = n); recoverLlrs is the identity. */
export function wifiScheme(n: number, rate: string): LdpcScheme {
  const spec = `wifi:${n}:${rate}`;
  if (!isWifiBlockLength(n)) {
    throw new UserError(`LDPC spec '${spec}': 802.11n has no block length ${n}; use one of ${WIFI_BLOCK_LENGTHS.join(', ')} (e.g. wifi:1944:1/2)`);
  }
  if (!isWifiRate(rate)) {
    throw new UserError(`LDPC spec '${spec}': 802.11n has no rate ${rate}; use one of ${WIFI_RATES.join(', ')} (e.g. wifi:${n}:1/2)`);
  }
  const code = wifiCode(n, rate);
  return selectedBitsScheme({
    name: spec,
    k: code.k,
    mother: code,
    effective: code,
    positions: Int32Array.from({ length: n }, (_, i) => i),
  });
}
