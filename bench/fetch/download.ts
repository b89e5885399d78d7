import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { UserError, isUserError } from '../errors';
import { describeFsFailure } from './files';
import { createDigester, describeMismatch, ExpectedIntegrity } from './hash';

/**
 * Verified HTTP(S) download of one file: stream into `<dest>.<pid>.part` while hashing, compare
 * with the pinned hashes, then rename into place. A reader never sees a partial or unverified
 * `dest`; every failure removes the temp file and becomes a one-line UserError.
 * The pid in the temp name lets two processes (e.g. two sweep shards fetching on first use) download
 * the same file at once without writing into each other's temp file; the last rename wins, and both
 * renamed files were verified.
 */

export interface DownloadRequest {
  url: string;
  dest: string;
  expected: ExpectedIntegrity;
  /** Called with each chunk's length, for progress. */
  onBytes?: (bytes: number) => void;
  maxRedirects?: number;
  /** Give up when the connection is silent this long (connect, headers or body). */
  idleTimeoutMs?: number;
}

export const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const FIX_HINT = 'get the file another way and import it with --from';

function partPathFor(dest: string): string {
  return `${dest}.${process.pid}.part`;
}

export async function downloadVerified(req: DownloadRequest): Promise<void> {
  fs.mkdirSync(path.dirname(req.dest), { recursive: true });
  const part = partPathFor(req.dest);
  try {
    const { response, url } = await openFollowingRedirects(req);
    const digester = createDigester(req.expected);
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        digester.update(chunk);
        req.onBytes?.(chunk.length);
        callback(null, chunk);
      },
    });
    try {
      // Opened synchronously: a lazily opened stream could create the file after a failed
      // pipeline was cleaned up, leaving a stray .part behind.
      await pipeline(response, hashing, fs.createWriteStream(part, { fd: fs.openSync(part, 'w') }));
    } catch (e) {
      const announced = Number(response.headers['content-length']);
      const got = digester.digest().size;
      throw toUserError(e, url, `after ${got}${Number.isFinite(announced) ? ` of ${announced}` : ''} bytes`);
    }
    const mismatch = describeMismatch(req.expected, digester.digest());
    if (mismatch) {
      throw new UserError(
        `checksum mismatch for ${url}: ${mismatch}. The download was deleted. Retry; if it happens again the ` +
          `server sends other bytes than the pinned ones: ${FIX_HINT}`,
      );
    }
    fs.renameSync(part, req.dest);
  } catch (e) {
    throw toUserError(e, req.url);
  } finally {
    fs.rmSync(part, { force: true }); // no-op after a successful rename
  }
}

interface OpenResponse {
  response: http.IncomingMessage;
  /** Where the bytes actually come from, after redirects; named in later errors. */
  url: string;
}

async function openFollowingRedirects(req: DownloadRequest): Promise<OpenResponse> {
  const maxRedirects = req.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let url = parseUrl(req.url);
  for (let redirects = 0; ; redirects++) {
    const response = await get(url, req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    const status = response.statusCode ?? 0;
    const via = url.href === req.url ? '' : ` (redirected from ${req.url})`;
    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(status) && location) {
      response.resume(); // discard the body so the socket is released
      if (redirects >= maxRedirects) {
        throw new UserError(`too many redirects (more than ${maxRedirects}) fetching ${req.url}; last one from ${url.href} to ${location}. The host is misconfigured: ${FIX_HINT}`);
      }
      url = parseUrl(location, url);
      continue;
    }
    if (status !== 200) {
      response.resume();
      throw new UserError(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''} from ${url.href}${via}. The file is not available there: ${FIX_HINT}`);
    }
    return { response, url: url.href };
  }
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new UserError(`cannot download '${text}': not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`cannot download ${url.href}: only http and https URLs are supported`);
  }
  return url;
}

function get(url: URL, idleTimeoutMs: number): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // agent: false → one connection per request, closed afterwards: no pooled sockets that keep
    // the process (or a test runner) alive after the last download.
    const request = client.get(url, { agent: false, headers: { 'user-agent': 'multi-sc-bench', accept: '*/*' } }, resolve);
    request.setTimeout(idleTimeoutMs, () => {
      const err: NodeJS.ErrnoException = new Error(`no data for ${Math.round(idleTimeoutMs / 1000)} s`);
      err.code = 'ETIMEDOUT';
      request.destroy(err);
    });
    request.on('error', reject);
  });
}

/** Maps any failure to one line that says what failed, where, and what to do. */
function toUserError(e: unknown, url: string, when = ''): UserError {
  if (isUserError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const at = when ? ` ${when}` : '';
  const local = describeFsFailure(e, `while downloading ${url}`); // the disk failed, not the network
  if (local) return new UserError(local);
  // Node reports a connection closed mid-body as ECONNRESET "aborted"; say it in words.
  const reason = err.message === 'aborted' ? 'the connection was closed' : err.code && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message;
  return new UserError(`download of ${url} failed${at}: ${reason}. Check the network connection (Node ignores HTTP(S)_PROXY) and retry, or ${FIX_HINT}`);
}
