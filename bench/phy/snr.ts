/**
 * The harness's one SNR convention (DESIGN.md): SNR is Es/N0 in dB per complex channel symbol,
 * with the average symbol energy Es normalised to 1. The complex noise has variance
 * N0 = 10^(−SNR/10), split equally over I and Q (N0/2 each).
 */
export function noiseVariance(snrDb: number): number {
  return Math.pow(10, -snrDb / 10);
}

/** Standard deviation of each real component (I or Q) of the noise. */
export function noiseSigmaPerComponent(snrDb: number): number {
  return Math.sqrt(noiseVariance(snrDb) / 2);
}

/** Eb/N0 (dB) from Es/N0 (dB) for `bitsPerSymbol` coded bits per symbol at code rate `codeRate`. */
export function ebN0FromEsN0(esN0Db: number, bitsPerSymbol: number, codeRate = 1): number {
  return esN0Db - 10 * Math.log10(bitsPerSymbol * codeRate);
}

export function esN0FromEbN0(ebN0Db: number, bitsPerSymbol: number, codeRate = 1): number {
  return ebN0Db + 10 * Math.log10(bitsPerSymbol * codeRate);
}
