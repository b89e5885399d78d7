import * as fs from 'fs';
import * as path from 'path';
import { CACHED_ISNET, cliEnv, column, linkCachedIsnet, makeSyntheticKodak, runCli, tempDir } from './helpers';
import { cliRequirement, describeWith, fileRequirement, SHARED_MODELS } from '../requirements';

/**
 * `--channel rayleigh --fading-block N` for every scheme from the CLI: the digital ones' cliff moves
 * to a higher SNR at equal average SNR, the schemes that cannot honour it refuse in one line.
 */

describeWith(
  cliRequirement(),
  fileRequirement('IS-Net', CACHED_ISNET, 'run "npm run models -- fetch isnet-general"'),
  fileRequirement('the YOLOX-Nano detector', path.join(SHARED_MODELS, 'yolox-nano-coco'), 'set MULTISC_MODELS_DIR to the offline models folder'),
)('bench run --channel rayleigh', () => {
  let work: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    work = tempDir('fading');
    dataDir = path.join(work, 'data');
    await makeSyntheticKodak(dataDir, 200, 180);
    const cache = path.join(work, 'cache');
    linkCachedIsnet(cache);
    env = cliEnv(cache);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const run = (out: string, ...more: string[]) =>
    runCli(['run', '--dataset', 'kodak24', '--data-dir', dataDir, '--limit', '1', '--metrics', 'psnr', '--quiet', '--no-cell-cache', '--samples', '0', '--out', out, ...more], env);

  test('every scheme that can runs under block fading; run.json records the channel', () => {
    const out = path.join(work, 'all');
    const r = run(out, '--channel', 'rayleigh', '--fading-block', '8', '--snr', '12', '--bpg-mcs', 'oracle', '--schemes', 'analog,deep-jscc,bpg-ldpc,multi-sc,single-text,vlm-csc');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(column(path.join(out, 'metrics.csv'), 'scheme').sort()).toEqual(['analog', 'bpg-ldpc', 'deep-jscc', 'multi-sc', 'single-text', 'vlm-csc']);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')).config.channel).toBe('rayleigh:block=8|csi=perfect');
  });

  test.each([
    [['--schemes', 'bpg-capacity'], /^error: bpg-capacity is the AWGN capacity bound: it has no meaning under --channel rayleigh; leave it out of --schemes$/],
    [['--schemes', 'bpg-ldpc'], /^error: --bpg-mcs auto chooses from BLER curves simulated over AWGN; under --channel rayleigh use --bpg-mcs oracle/],
  ])('%j under fading: one line, nothing written', (args, message) => {
    const out = path.join(work, `refused-${args[1]}`);
    const r = run(out, '--channel', 'rayleigh', '--snr', '9', ...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(message);
    expect(fs.existsSync(path.join(out, 'metrics.csv'))).toBe(false);
  });

  test('BPG-LDPC at one pair (1/2 QPSK): the cliff moves to a higher SNR under fast fading', () => {
    const cliff = (channel: string) => {
      const out = path.join(work, `cliff-${channel}`);
      const r = run(out, '--channel', channel, '--snr', '0:14:2', '--schemes', 'bpg-ldpc', '--bpg-mcs', '1/2:qpsk', '--workers', '1');
      expect(r.stderr).toBe('');
      const snr = column(path.join(out, 'metrics.csv'), 'snr_db').map(Number);
      const value = column(path.join(out, 'metrics.csv'), 'psnr').map(Number);
      const failed = Math.min(...value);
      return snr.find((_, i) => value[i] > failed + 3) ?? Infinity;
    };
    const awgn = cliff('awgn');
    const rayleigh = cliff('rayleigh');
    expect(awgn).toBeLessThan(14);
    expect(rayleigh).toBeGreaterThan(awgn);
  });
});
