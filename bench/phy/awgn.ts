import type { ComplexArray } from './complex';
import type { Rng } from './rng';
import { noiseSigmaPerComponent } from './snr';

/**
 * Complex AWGN channel under the SNR convention of `snr.ts`: y = x + n with n ~ CN(0, N0),
 * N0 = 10^(−SNR/10), each of I and Q drawing N(0, N0/2). Returns a new array; x is unchanged.
 * The signal is not rescaled here: the transmitter normalises to Es = 1.
 */
export function awgnChannel(x: ComplexArray, snrDb: number, rng: Rng): ComplexArray {
  const sigma = noiseSigmaPerComponent(snrDb);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] + sigma * rng.normal();
  return y;
}
