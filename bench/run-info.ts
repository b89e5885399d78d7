import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';

/** The package root (where package.json lives), from both bench/*.ts and dist/bench/*.js. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    try {
      require.resolve(path.join(dir, 'package.json'));
      return dir;
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return process.cwd();
      dir = up;
    }
  }
}

export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(packageRoot(), 'package.json')) as { version: string }).version;
}

/** Commit and dirtiness of the harness's own checkout; null outside a git checkout. */
export function gitState(): { commit: string; dirty: boolean } | null {
  const git = (args: string[]): string =>
    execFileSync('git', args, { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

export function environmentInfo(): Record<string, unknown> {
  return {
    harness: packageVersion(),
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    platform: `${os.platform()}-${os.arch()}`,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
  };
}
