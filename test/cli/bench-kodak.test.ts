import * as fs from 'fs';
import * as path from 'path';
import { loadImage } from '../../bench/image';
import { cliEnv, column, runCli, tempDir } from './helpers';
import { cliRequirement, describeWith, KODAK_DIR, kodakRequirement, SHARED_DATA } from '../requirements';

/**
 * The acceptance command on the real Kodak images (MULTISC_DATA_DIR, else
 * /work/shared/datasets, as .ci/run sets it): the analog curve must follow its closed form.
 */
const d = describeWith(cliRequirement(), kodakRequirement());

d('bench run on Kodak24 (analog)', () => {
  test('PSNR follows the LMMSE analog closed form at 0, 10, 20 dB', async () => {
    const work = tempDir('kodak');
    const out = path.join(work, 'r');
    const env = { ...cliEnv(path.join(work, 'cache')), MULTISC_DATA_DIR: SHARED_DATA };
    const r = runCli(['run', '--dataset', 'kodak24', '--schemes', 'analog', '--metrics', 'psnr', '--snr', '0,10,20', '--limit', '3', '--out', out, '--quiet'], env);
    expect(r.status).toBe(0);
    const file = path.join(out, 'metrics.csv');
    const images = column(file, 'image');
    const snrs = column(file, 'snr_db').map(Number);
    const psnrs = column(file, 'psnr').map(Number);
    expect(new Set(images)).toEqual(new Set(['kodim01', 'kodim02', 'kodim03']));
    for (const id of ['kodim01', 'kodim02', 'kodim03']) {
      const img = await loadImage(path.join(KODAK_DIR, `${id}.png`));
      let s = 0, s2 = 0;
      for (const v of img.data) { s += v; s2 += v * v; }
      const variance = s2 / img.data.length - (s / img.data.length) ** 2;
      for (let i = 0; i < images.length; i++) {
        if (images[i] !== id) continue;
        // LMMSE of a signal of variance σ² in noise N0 (per unit power): MSE = σ²·N0/(1 + N0),
        // plus the 1/12 of rounding to 8 bits; clipping to 0..255 can only lower the error.
        const n0 = 10 ** (-snrs[i] / 10);
        const theory = 10 * Math.log10((255 * 255) / ((variance * n0) / (1 + n0) + 1 / 12));
        // Measured on these 9 cells: −0.0005…+0.070 dB (README, "Analog").
        expect(psnrs[i]).toBeGreaterThan(theory - 0.02);
        expect(psnrs[i]).toBeLessThan(theory + 0.08);
      }
    }
    fs.rmSync(work, { recursive: true, force: true });
  });
});
