import { createProgress } from '../progress';

/**
 * How long-running fetch work (downloads, hashing, extraction) reports to the user: a byte
 * progress bar on stderr unless `quiet`, plus an optional callback for callers that draw their own.
 */
export interface TransferOptions {
  /** No progress bar, no status lines. */
  quiet?: boolean;
  /** Called as bytes are processed, in addition to (or, with `quiet`, instead of) the bar. */
  onProgress?: (progress: TransferProgress) => void;
  /** Status lines ("kodim03.png already present"); default: stderr unless `quiet`. */
  log?: (line: string) => void;
}

export interface TransferProgress {
  /** What is being processed, e.g. "download kodak24" or "extract voc2012". */
  label: string;
  bytes: number;
  /** 0 when unknown. */
  totalBytes: number;
}

export interface ByteMeter {
  add(bytes: number): void;
  done(): void;
}

export function startByteMeter(label: string, totalBytes: number, opts: TransferOptions): ByteMeter {
  const bar = createProgress({ label, total: totalBytes, unit: 'bytes', quiet: opts.quiet });
  let bytes = 0;
  return {
    add(n) {
      bytes += n;
      bar.tick(n);
      opts.onProgress?.({ label, bytes, totalBytes });
    },
    done() {
      bar.done();
    },
  };
}

export function logLine(opts: TransferOptions, line: string): void {
  if (opts.log) opts.log(line);
  else if (!opts.quiet) process.stderr.write(`${line}\n`);
}
