import { createHash } from 'crypto';
import { channelSignature, type ChannelSpec } from '../phy/channel';
import * as fs from 'fs';
import * as path from 'path';
import { codeVersion } from '../code-version';
import { writeFileAtomic } from '../fs-atomic';
import type { Scheme } from '../schemes/scheme';
import type { CellValues } from './results';

const NON_FINITE: Record<string, number> = { inf: Infinity, '-inf': -Infinity, nan: NaN };

/** Bump when the stored format or the meaning of a cached cell changes. */
const CELL_CACHE_FORMAT = 1;

/**
 * Finished cells kept on disk (`<cacheDir>/cells/<scheme>/<key>.json`), so that a second sweep
 * over the same cells (another --out, more schemes added, a figure re-made) reads their values
 * instead of computing them again. Every column but wall_ms is a pure function of what the key
 * holds: the dataset, the image's content, the scheme's name, config and code version, the SNR
 * and seed, the profile, the metric signatures (models and their sha256) and the code of the
 * scorer and of the cell's random streams. Any change to one of those is a miss. A damaged entry
 * is recomputed, never trusted.
 */
export class CellCache {
  private readonly runnerVersion: string;

  constructor(
    private readonly dir: string,
    private readonly codeVersionOf: (scheme: Scheme) => string,
    /** Metric signatures and the scorer's code version: what turns a reconstruction into numbers. */
    private readonly scorerKey: string,
  ) {
    // How a cell's random streams are keyed and its row assembled: this file's sibling image-task
    // module and the RNG, not the schemes it imports (those are in codeVersionOf).
    const h = createHash('sha256');
    for (const f of [path.join(__dirname, `image-task${path.extname(__filename)}`), __filename]) h.update(fs.readFileSync(f));
    this.runnerVersion = h.update(codeVersion(require.resolve('../phy/rng'))).digest('hex');
  }

  key(c: { dataset: string; profile: string; image: string; imageHash: string; scheme: Scheme; snrDb: number; seed: number; channel?: ChannelSpec }): string {
    const fading = c.channel && c.channel.kind !== 'awgn' ? [channelSignature(c.channel)] : [];
    return createHash('sha256')
      .update(
        JSON.stringify([
          CELL_CACHE_FORMAT, this.runnerVersion, this.scorerKey, c.dataset, c.profile, c.image, c.imageHash,
          c.scheme.name, c.scheme.config, this.codeVersionOf(c.scheme), c.snrDb, c.seed, ...fading,
        ]),
      )
      .digest('hex');
  }

  private file(scheme: string, key: string): string {
    return path.join(this.dir, 'cells', scheme, key.slice(0, 2), `${key}.json`);
  }

  get(scheme: string, key: string): Omit<CellValues, 'dataset' | 'scheme' | 'profile' | 'snr_db' | 'image' | 'seed'> | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file(scheme, key), 'utf8');
    } catch {
      return null;
    }
    try {
      const v = JSON.parse(text) as Record<string, unknown>;
      const num = (x: unknown): number | null => {
        if (x === null || typeof x === 'number') return x;
        if (typeof x === 'string' && x in NON_FINITE) return NON_FINITE[x];
        throw new Error('damaged');
      };
      const out = {
        cosine: num(v.cosine), lpips: num(v.lpips), bleu: num(v.bleu), psnr: num(v.psnr), ms_ssim: num(v.ms_ssim),
        channel_symbols: num(v.channel_symbols) as number, bits_sent: num(v.bits_sent),
      };
      if (out.channel_symbols === null) throw new Error('damaged');
      return out;
    } catch {
      fs.rmSync(this.file(scheme, key), { force: true });
      return null;
    }
  }

  set(scheme: string, key: string, v: Omit<CellValues, 'dataset' | 'scheme' | 'profile' | 'snr_db' | 'image' | 'seed'>): void {
    // JSON has no infinity or NaN: a lossless PSNR is stored as "inf".
    const enc = (x: number | null): number | string | null =>
      x === null || Number.isFinite(x) ? x : Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
    const body = {
      cosine: enc(v.cosine), lpips: enc(v.lpips), bleu: enc(v.bleu), psnr: enc(v.psnr), ms_ssim: enc(v.ms_ssim),
      channel_symbols: v.channel_symbols, bits_sent: v.bits_sent,
    };
    writeFileAtomic(this.file(scheme, key), JSON.stringify(body) + '\n');
  }
}
