import { UserError } from '../../errors';
import { leadingSubcode } from './qc-build';
import type { QcLdpcCode } from './qc-code';
import { nrBaseGraph, nrCode } from './nr-base-graph';
import { NR_MAX_INFO_BITS, nrBaseGraphSelect, nrCodeBlock, type NrCodeBlock } from './nr-code-block';
import { nrRateMatchPositions } from './nr-rate-matching';
import { selectedBitsScheme, type LdpcScheme } from './ldpc-scheme';

/**
 * `nr:K:N`: one 5G NR LDPC code block carrying K information bits in N = E sent bits, with the
 * standard's base graph choice, lifting, fillers and rv0 rate matching.
 */

/** Highest code rate: a UE is not required to decode above an effective rate of 0.95 (38.214 §5.1.3.1). */
export const NR_MAX_RATE = 0.95;

export interface NrLdpcScheme extends LdpcScheme {
  readonly block: NrCodeBlock;
}

/** The 5G NR scheme for K information bits sent in E bits. Throws UserError for K, E outside the standard's limits. */
export function nrScheme(infoBits: number, sentBits: number): NrLdpcScheme {
  const spec = `nr:${infoBits}:${sentBits}`;
  const fail = (what: string): never => {
    throw new UserError(`LDPC spec '${spec}': ${what}`);
  };
  if (!(Number.isInteger(infoBits) && infoBits >= 1 && Number.isInteger(sentBits) && sentBits >= 1)) {
    fail('K and N must be positive integers (nr:K:N, e.g. nr:3072:6144)');
  }
  const rate = infoBits / sentBits;
  const minSent = Math.ceil(infoBits / NR_MAX_RATE);
  if (sentBits < infoBits) fail(`N = ${sentBits} sent bits is fewer than K = ${infoBits} information bits (rate ${fmt(rate)} > 1); use N ≥ ${minSent} (rate ≤ ${NR_MAX_RATE})`);
  if (rate > NR_MAX_RATE) fail(`rate K/N = ${fmt(rate)} is above ${NR_MAX_RATE}, the highest 5G NR code rate (38.214 §5.1.3.1); use N ≥ ${minSent}`);
  const baseGraph = nrBaseGraphSelect(infoBits, rate);
  const maxInfo = NR_MAX_INFO_BITS[baseGraph];
  if (infoBits > maxInfo) {
    if (baseGraph === 1) fail(`K = ${infoBits} exceeds ${maxInfo}, the largest 5G NR code block (BG1, 38.212 §5.2.2; blocks are not segmented here); use K ≤ ${maxInfo}`);
    fail(`K = ${infoBits} at rate ${fmt(rate)} selects base graph 2 (38.212 §7.2.2: R ≤ 0.25), whose largest code block is ${maxInfo}; use K ≤ ${maxInfo} or a rate above 0.25`);
  }
  const block = nrCodeBlock(baseGraph, infoBits);
  const maxSent = block.bufferLength - block.fillerBits;
  if (sentBits > maxSent) {
    fail(`rate ${fmt(rate)} is below what base graph ${baseGraph} gives for K = ${infoBits} without repeating bits (Z = ${block.z}: ${maxSent} distinct sendable bits); use N ≤ ${maxSent}`);
  }

  const mother = nrCode(baseGraph, block.z);
  const positions = nrRateMatchPositions(block, sentBits);
  return Object.freeze({
    ...selectedBitsScheme({
      name: spec,
      k: infoBits,
      mother,
      effective: nrEffectiveCode(block, positions),
      positions,
    }),
    block,
  });
}

/**
 * The leading part of the NR mother code that the sent bits reach: systematic + core columns plus
 * the extension columns up to the last one sent, and one base row per kept extension column (row
 * 4 + i owns extension column systematicCols + 4 + i, with a single block). The dropped checks
 * each hold a degree-1 bit that is never sent, so they carry no information.
 */
function nrEffectiveCode(block: NrCodeBlock, positions: Int32Array): QcLdpcCode {
  const bg = nrBaseGraph(block.baseGraph);
  const mother = nrCode(block.baseGraph, block.z);
  let last = 0;
  for (let j = 0; j < positions.length; j++) if (positions[j] > last) last = positions[j];
  const coreCols = bg.systematicCols + 4;
  const cols = Math.max(Math.floor(last / block.z) + 1, coreCols);
  const rows = cols - (bg.cols - bg.rows);
  return leadingSubcode(mother, rows, cols, `${mother.name}:rows${rows}`);
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}
