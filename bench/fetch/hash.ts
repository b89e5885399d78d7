import * as crypto from 'crypto';
import * as fs from 'fs';

/**
 * File integrity: what a file is expected to be, and what it turned out to be. Hashes are computed
 * while bytes stream past (download, or a read of a local copy), so nothing is read twice.
 */

export interface ExpectedIntegrity {
  /** null: not known in advance (a revision-pinned file whose hash was never published); not checked. */
  sha256: string | null;
  /** Also checked when the manifest has it. */
  md5?: string;
  /** Bytes; also checked when the manifest has it. */
  size?: number;
}

export interface Digests {
  sha256: string;
  md5?: string;
  size: number;
}

export interface Digester {
  update(chunk: Buffer): void;
  digest(): Digests;
}

/** Streaming hasher; computes md5 too only when the expectation asks for it. */
export function createDigester(expected: Pick<ExpectedIntegrity, 'md5'>): Digester {
  const sha256 = crypto.createHash('sha256');
  const md5 = expected.md5 !== undefined ? crypto.createHash('md5') : undefined;
  let size = 0;
  return {
    update(chunk) {
      sha256.update(chunk);
      md5?.update(chunk);
      size += chunk.length;
    },
    digest() {
      return { sha256: sha256.digest('hex'), md5: md5?.digest('hex'), size };
    },
  };
}

export async function digestFile(
  file: string,
  expected: Pick<ExpectedIntegrity, 'md5'> = {},
  onBytes?: (n: number) => void,
): Promise<Digests> {
  const digester = createDigester(expected);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    digester.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return digester.digest();
}

/**
 * `null` when `actual` satisfies `expected`; otherwise the expected and actual values, for an
 * error message ("expected sha256 …, got sha256 …"). Both hashes are always named, because a
 * user comparing against another copy needs them, not only "size differs".
 */
export function describeMismatch(expected: ExpectedIntegrity, actual: Digests): string | null {
  const sizeOk = expected.size === undefined || expected.size === actual.size;
  const md5Ok = expected.md5 === undefined || expected.md5 === actual.md5;
  if (sizeOk && md5Ok && (expected.sha256 === null || expected.sha256 === actual.sha256)) return null;
  const show = (d: { sha256: string | null; md5?: string; size?: number }) =>
    [d.sha256 === null ? '' : `sha256 ${d.sha256}`, d.md5 !== undefined && !md5Ok ? `md5 ${d.md5}` : '', d.size !== undefined ? `${d.size} B` : '']
      .filter(Boolean)
      .join(', ');
  return `expected ${show(expected)}; got ${show(actual)}`;
}
