/**
 * Progress reporting: a redrawn bar with ETA on a TTY, plain periodic lines otherwise
 * (CI logs, pipes), so that logs stay readable and short.
 */
export interface Progress {
  /** Advance by `n` units (default 1). */
  tick(n?: number): void;
  /** Print the final state and a newline. */
  done(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** How units are shown: 'count' (cells) or 'bytes'. */
  unit?: 'count' | 'bytes';
  stream?: NodeJS.WriteStream;
  /** Minimum seconds between plain (non-TTY) lines. */
  plainIntervalS?: number;
  /** Suppress all output. */
  quiet?: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function formatAmount(n: number, unit: 'count' | 'bytes'): string {
  if (unit === 'count') return String(n);
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const unit = opts.unit ?? 'count';
  const tty = Boolean(stream.isTTY);
  const interval = (opts.plainIntervalS ?? 10) * 1000;
  const start = Date.now();
  let done = 0;
  let lastDraw = 0;

  const line = (): string => {
    const elapsed = (Date.now() - start) / 1000;
    const frac = opts.total > 0 ? Math.min(1, done / opts.total) : 1;
    const eta = done > 0 ? (elapsed / done) * (opts.total - done) : NaN;
    const amount = `${formatAmount(done, unit)}/${opts.total > 0 ? formatAmount(opts.total, unit) : '?'}`;
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    if (!tty) return `${opts.label}: ${amount} ${pct} elapsed ${formatDuration(elapsed)} eta ${formatDuration(eta)}`;
    const width = 28;
    const filled = Math.round(frac * width);
    return `${opts.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ${amount} eta ${formatDuration(eta)}`;
  };

  const draw = (force: boolean): void => {
    if (opts.quiet) return;
    const now = Date.now();
    if (tty) {
      if (!force && now - lastDraw < 100) return;
      stream.write(`\r${line()}\x1b[K`);
    } else {
      if (!force && now - lastDraw < interval) return;
      stream.write(`${line()}\n`);
    }
    lastDraw = now;
  };

  return {
    tick(n = 1) {
      done += n;
      draw(false);
    },
    done() {
      draw(true);
      if (tty && !opts.quiet) stream.write('\n');
    },
  };
}
