import * as fs from 'fs';
import { Parser, ReadEntry, Unpack } from 'tar';
import { UserError } from '../bench/errors';
import { describeFsFailure } from '../bench/fetch/files';
import type { ByteMeter } from '../bench/fetch/transfer';

/**
 * Streaming reads of a (plain, uncompressed) tar archive with node-tar, feeding a byte meter so
 * multi-GB archives show progress. A tar has no index, so both operations read the archive
 * sequentially; `readTarTexts` stops as soon as it has everything it asked for.
 */

/** Entry paths as stored, minus a leading "./" that some tar writers add. */
export function normalizeEntryPath(p: string): string {
  return p.replace(/^(\.\/)+/, '');
}

function isRegularFile(entry: ReadEntry): boolean {
  return entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
}

/** Reads the named small text entries into memory. Missing names are absent from the result. */
export async function readTarTexts(tarPath: string, names: readonly string[], meter: ByteMeter): Promise<Map<string, string>> {
  const wanted = new Set(names);
  const texts = new Map<string, string>();
  await pump(tarPath, meter, (stop) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        const name = normalizeEntryPath(entry.path);
        if (!wanted.has(name) || !isRegularFile(entry)) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          texts.set(name, Buffer.concat(chunks).toString('utf8'));
          if (texts.size === wanted.size) stop();
        });
      },
    });
    return { sink: parser, doneEvent: 'end' };
  });
  return texts;
}

/** Extracts the regular-file entries that `keep` accepts (normalized paths) under `destDir`. */
export async function extractTarFiles(tarPath: string, destDir: string, keep: (entryPath: string) => boolean, meter: ByteMeter): Promise<number> {
  let extracted = 0;
  await pump(tarPath, meter, () => {
    const unpack = new Unpack({
      cwd: destDir,
      strict: true,
      filter: (p, entry) => {
        const ok = entry instanceof ReadEntry && isRegularFile(entry) && keep(normalizeEntryPath(p));
        if (ok) extracted++;
        return ok;
      },
    });
    // Unpack emits 'close' once every file is written (node-tar's own extract waits for it).
    return { sink: unpack, doneEvent: 'close' };
  });
  return extracted;
}

interface Sink {
  sink: Parser;
  doneEvent: 'end' | 'close';
}

/**
 * Feeds the file into a node-tar parser with back-pressure, counting bytes. `makeSink` gets a
 * `stop` function that ends the read early (success).
 */
function pump(tarPath: string, meter: ByteMeter, makeSink: (stop: () => void) => Sink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const input = fs.createReadStream(tarPath, { highWaterMark: 1 << 20 });
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      input.destroy();
      if (err === undefined) resolve();
      else reject(archiveError(tarPath, err));
    };
    const { sink, doneEvent } = makeSink(() => finish());
    sink.on('error', finish);
    sink.on(doneEvent, () => finish());
    input.on('error', finish);
    input.on('data', (chunk) => {
      meter.add(chunk.length);
      if (!sink.write(chunk as Buffer)) {
        input.pause();
        sink.once('drain', () => input.resume());
      }
    });
    input.on('end', () => sink.end());
  });
}

function archiveError(tarPath: string, err: unknown): Error {
  if (err instanceof UserError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.path !== tarPath) {
    const local = describeFsFailure(e, `while extracting ${tarPath}`);
    if (local) return new UserError(local);
  }
  return new UserError(`cannot read archive ${tarPath}: ${e.message}. The file is damaged or not a tar archive; get a fresh copy (fetch again)`);
}
