import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { COMPILED_CLI } from '../requirements';

/**
 * End-to-end helpers: the compiled CLI (npm test builds dist/ first) on small synthetic data.
 * Suites that run it guard on `cliRequirement()` of ../requirements.
 */
export const CLI = COMPILED_CLI;

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `msb-${tag}-`));
}

/** The IS-Net file `npm run models -- fetch isnet-general` leaves in the user's cache. */
export const CACHED_ISNET = path.join(process.env.MULTISC_CACHE_DIR || path.join(os.homedir(), '.cache', 'multi-sc-bench'), 'models', 'isnet-general', 'isnet_general_fp32.onnx');

/** Links CACHED_ISNET into a private cache folder, so that a CLI run there needs no download. */
export function linkCachedIsnet(cacheDir: string): void {
  fs.mkdirSync(path.join(cacheDir, 'models', 'isnet-general'), { recursive: true });
  fs.symlinkSync(CACHED_ISNET, path.join(cacheDir, 'models', 'isnet-general', 'isnet_general_fp32.onnx'));
}

/** Environment for the CLI: no inherited data/cache settings, a private cache. */
export function cliEnv(cacheDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MULTISC_CACHE_DIR: cacheDir };
  delete env.MULTISC_DATA_DIR;
  return env;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 120000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { env, stdio: 'ignore' });
}

/**
 * A stand-in Kodak24 folder: the 24 file names with small textured images (the dataset layer
 * checks names, the sweep only needs decodable images of at least MS-SSIM's 176 px).
 */
export async function makeSyntheticKodak(dataDir: string, width = 200, height = 180): Promise<string> {
  const root = path.join(dataDir, 'kodak24');
  fs.mkdirSync(root, { recursive: true });
  for (let k = 1; k <= 24; k++) {
    const data = Buffer.alloc(width * height * 3);
    let s = k * 2654435761;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          data[(y * width + x) * 3 + c] = ((x * (c + 1) + y * k) % 180) + ((s >>> 16) % 60);
        }
    const png = await sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
    fs.writeFileSync(path.join(root, `kodim${String(k).padStart(2, '0')}.png`), png);
  }
  return root;
}

/** metrics.csv lines without the wall_ms column (the one measured, not computed, column). */
export function rowsWithoutTiming(file: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((l) => l.slice(0, l.lastIndexOf(',')));
}

export function column(file: string, name: string): string[] {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const i = lines[0].split(',').indexOf(name);
  return lines.slice(1).map((l) => l.split(',')[i]);
}
