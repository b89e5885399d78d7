import { analogDecode, analogEncode } from '../../baselines/analog/analog';
import { createImage } from '../../bench/image';
import { psnr } from '../../bench/metrics/psnr';
import { parseChannel, sendSymbols } from '../../bench/phy/channel';
import { rngFromText } from '../../bench/phy/rng';
import { noiseVariance } from '../../bench/phy/snr';

/**
 * Uncoded analog over fast Rayleigh fading with the per-symbol LMMSE receiver: given h, the error
 * of a unit-energy symbol is N0/(|h|² + N0) on average over the image; over |h|² ~ Exp(1) that is
 * N0·e^{N0}·E1(N0). Per 8-bit value: 127.5² · that / (2 g²) + 1/12 (rounding). The image's values
 * stay within 40…215, so clipping never acts; 256×256×3 values give ~98 000 independent gains.
 */
function expIntegralE1(x: number): number {
  // E1(x) = −γ − ln x − Σ_{k≥1} (−x)^k / (k·k!), for the x ≤ 1 used here.
  let sum = 0;
  let term = 1;
  for (let k = 1; k < 60; k++) {
    term *= -x / k;
    sum += term / k;
  }
  return -0.5772156649015329 - Math.log(x) - sum;
}

function midRangeImage(): ReturnType<typeof createImage> {
  const img = createImage(256, 256);
  const rng = rngFromText('analog-fading image');
  for (let i = 0; i < img.data.length; i++) img.data[i] = 40 + Math.floor(rng.uniform() * 176);
  return img;
}

test.each([0, 10, 20])('fast fading at %i dB: mean PSNR within 0.05 dB of the closed form', (snrDb) => {
  const img = midRangeImage();
  const encoded = analogEncode(img);
  const n0 = noiseVariance(snrDb);
  const { y, gains } = sendSymbols(encoded.symbols, snrDb, rngFromText(`fading ${snrDb}`), parseChannel('rayleigh', 1));
  const got = psnr(img, analogDecode(encoded, y, snrDb, 'mmse', gains));
  const mse = (127.5 ** 2 * n0 * Math.exp(n0) * expIntegralE1(n0)) / (2 * encoded.state.gain ** 2) + 1 / 12;
  const expected = 10 * Math.log10(255 ** 2 / mse);
  expect(Math.abs(got - expected)).toBeLessThan(0.05);
});

test('at equal average SNR fading costs PSNR, and with |h| = 1 the fading receiver is the AWGN one', () => {
  const img = midRangeImage();
  const encoded = analogEncode(img);
  const awgn = sendSymbols(encoded.symbols, 10, rngFromText('a'), parseChannel('awgn', undefined));
  const fading = sendSymbols(encoded.symbols, 10, rngFromText('a'), parseChannel('rayleigh', 16));
  expect(psnr(img, analogDecode(encoded, fading.y, 10, 'mmse', fading.gains))).toBeLessThan(psnr(img, analogDecode(encoded, awgn.y, 10, 'mmse')) - 1);
  const unit = new Float32Array(encoded.symbols.length);
  for (let i = 0; i < unit.length; i += 2) unit[i] = 1;
  // The same estimate up to floating-point rounding (a value may round to the neighbouring level).
  const [a, b] = [analogDecode(encoded, awgn.y, 10, 'mmse', unit).data, analogDecode(encoded, awgn.y, 10, 'mmse').data];
  expect(a.every((v, i) => Math.abs(v - b[i]) <= 1)).toBe(true);
  expect(a.filter((v, i) => v !== b[i]).length).toBeLessThan(a.length / 1000);
});

test('channel options: one line for what does not parse', () => {
  expect(() => parseChannel('rician', undefined)).toThrow(/^--channel rician: use awgn or rayleigh$/);
  expect(() => parseChannel('awgn', 4)).toThrow(/^--fading-block applies to --channel rayleigh only$/);
  expect(() => parseChannel('rayleigh', 0)).toThrow(/^--fading-block 0: a whole number of symbols ≥ 1/);
  expect(parseChannel('rayleigh', undefined)).toEqual({ kind: 'rayleigh', blockLength: 1 });
});
