import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { UserError, isUserError } from '../errors';
import { describeFsFailure } from './files';
import { createDigester, describeMismatch, type Digester, type Digests, type ExpectedIntegrity } from './hash';

/**
 * Verified HTTP(S) download of one file: stream into a temp file while hashing, compare with the
 * pinned hashes, then rename into place. A reader never sees a partial or unverified `dest`.
 *
 * Without `resume` the temp file is `<dest>.<pid>.part` (two processes fetching the same file on
 * first use never write into each other's; the last rename wins, both were verified) and every
 * failure removes it. With `resume` (large files) the bytes of a transfer cut off mid-body are kept
 * in `<dest>.partial`, continued with an HTTP Range request (a few times within the call, and by a
 * later call), and deleted when the whole file fails verification; a server that ignores Range
 * sends the file again from byte 0. Every failure becomes a one-line UserError.
 */

export interface DownloadRequest {
  url: string;
  dest: string;
  expected: ExpectedIntegrity;
  /** Called with each chunk's length, for progress (bytes resumed from disk count too). */
  onBytes?: (bytes: number) => void;
  maxRedirects?: number;
  /** Give up when the connection is silent this long (connect, headers or body). */
  idleTimeoutMs?: number;
  /** Keep and continue an interrupted transfer (see above). */
  resume?: boolean;
  /** With `resume`: connections tried within this call (default 4). */
  attempts?: number;
  /** What else the user can do, ending each error (default: the datasets' `--from` import). */
  fixHint?: string;
}

export const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_ATTEMPTS = 4;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const FIX_HINT = 'get the file another way and import it with --from';
const hintOf = (req: DownloadRequest) => req.fixHint ?? FIX_HINT;

function partPathFor(dest: string): string {
  return `${dest}.${process.pid}.part`;
}

/** Where `resume` keeps the bytes of an interrupted transfer of `dest`. */
export function partialPathFor(dest: string): string {
  return `${dest}.partial`;
}

/** Resolves to the digests of the file now at `dest`. */
export async function downloadVerified(req: DownloadRequest): Promise<Digests> {
  if (req.resume) return downloadResumable(req);
  fs.mkdirSync(path.dirname(req.dest), { recursive: true });
  const part = partPathFor(req.dest);
  try {
    const { response, url } = await openFollowingRedirects(req);
    const digester = createDigester(req.expected);
    try {
      await pipeline(response, hashingStream(digester, req.onBytes), fs.createWriteStream(part, { fd: fs.openSync(part, 'w') }));
    } catch (e) {
      throw toUserError(e, url, hintOf(req), `after ${digester.digest().size}${announcedOf(response)} bytes`);
    }
    const digests = digester.digest();
    verifyOrThrow(req, url, digests);
    fs.renameSync(part, req.dest);
    return digests;
  } catch (e) {
    throw toUserError(e, req.url, hintOf(req));
  } finally {
    fs.rmSync(part, { force: true }); // no-op after a successful rename
  }
}

async function downloadResumable(req: DownloadRequest): Promise<Digests> {
  fs.mkdirSync(path.dirname(req.dest), { recursive: true });
  const part = partialPathFor(req.dest);
  const attempts = req.attempts ?? DEFAULT_ATTEMPTS;
  let lastError: UserError | null = null;
  try {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
      // The kept bytes are hashed before the request: a response must be read as soon as it
      // arrives, or a connection cut meanwhile discards what was buffered.
      const resumed = createDigester(req.expected);
      if (have > 0) for await (const chunk of fs.createReadStream(part, { highWaterMark: 1 << 20 })) resumed.update(chunk as Buffer);
      const { response, url } = await openFollowingRedirects(req, have > 0 ? { range: `bytes=${have}-` } : {});
      if (response.statusCode === 416) {
        // Our partial file is not a prefix the server can continue (e.g. longer than the file).
        response.resume();
        fs.rmSync(part, { force: true });
        lastError = new UserError(`${url} cannot continue the ${have} bytes kept in ${part}; starting again`);
        continue;
      }
      // 206 continues our bytes; 200 (a server without Range) starts again from byte 0.
      const continues = response.statusCode === 206 && contentRangeStart(response) === have;
      if (response.statusCode === 206 && !continues) {
        response.resume();
        fs.rmSync(part, { force: true });
        lastError = new UserError(`${url} answered a range request with ${String(response.headers['content-range'])}; starting again`);
        continue;
      }
      const digester = continues ? resumed : createDigester(req.expected);
      if (continues) req.onBytes?.(have);
      // Written synchronously chunk by chunk: every byte received before a cut is on disk to continue.
      const fd = fs.openSync(part, continues ? 'a' : 'w');
      try {
        for await (const chunk of response) {
          fs.writeSync(fd, chunk as Buffer);
          digester.update(chunk as Buffer);
          req.onBytes?.((chunk as Buffer).length);
        }
      } catch (e) {
        const got = digester.digest().size;
        lastError = toUserError(e, url, hintOf(req), `after ${got}${announcedOf(response, continues ? have : 0)} bytes`);
        if (describeFsFailure(e, '') !== null) throw lastError; // the disk failed: retrying will not help
        continue;
      } finally {
        fs.closeSync(fd);
      }
      const digests = digester.digest();
      if (describeMismatch(req.expected, digests) !== null) fs.rmSync(part, { force: true });
      verifyOrThrow(req, url, digests);
      fs.renameSync(part, req.dest);
      return digests;
    }
  } catch (e) {
    throw toUserError(e, req.url, hintOf(req));
  }
  const kept = fs.existsSync(part) ? fs.statSync(part).size : 0;
  throw new UserError(
    `${lastError?.message ?? `download of ${req.url} failed`} (${attempts} connections tried; ${kept} bytes kept in ${part}: run the same command again to continue)`,
  );
}

function hashingStream(digester: Digester, onBytes?: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      digester.update(chunk);
      onBytes?.(chunk.length);
      callback(null, chunk);
    },
  });
}

function announcedOf(response: http.IncomingMessage, offset = 0): string {
  const announced = Number(response.headers['content-length']);
  return Number.isFinite(announced) ? ` of ${announced + offset}` : '';
}

function contentRangeStart(response: http.IncomingMessage): number | null {
  const m = /^bytes (\d+)-/.exec(String(response.headers['content-range'] ?? ''));
  return m ? Number(m[1]) : null;
}

function verifyOrThrow(req: DownloadRequest, url: string, digests: Digests): void {
  const mismatch = describeMismatch(req.expected, digests);
  if (mismatch) {
    throw new UserError(
      `checksum mismatch for ${url}: ${mismatch}. The download was deleted. Retry; if it happens again the ` +
        `server sends other bytes than the pinned ones: ${hintOf(req)}`,
    );
  }
}

interface OpenResponse {
  response: http.IncomingMessage;
  /** Where the bytes actually come from, after redirects; named in later errors. */
  url: string;
}

async function openFollowingRedirects(req: DownloadRequest, headers: Record<string, string> = {}): Promise<OpenResponse> {
  const maxRedirects = req.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let url = parseUrl(req.url);
  for (let redirects = 0; ; redirects++) {
    const response = await get(url, req.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, headers);
    const status = response.statusCode ?? 0;
    const via = url.href === req.url ? '' : ` (redirected from ${req.url})`;
    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(status) && location) {
      response.resume(); // discard the body so the socket is released
      if (redirects >= maxRedirects) {
        throw new UserError(`too many redirects (more than ${maxRedirects}) fetching ${req.url}; last one from ${url.href} to ${location}. The host is misconfigured: ${hintOf(req)}`);
      }
      url = parseUrl(location, url);
      continue;
    }
    if (status !== 200 && !((status === 206 || status === 416) && headers.range)) {
      response.resume();
      throw new UserError(`HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''} from ${url.href}${via}. The file is not available there: ${hintOf(req)}`);
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

function get(url: URL, idleTimeoutMs: number, headers: Record<string, string>): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // agent: false → one connection per request, closed afterwards: no pooled sockets that keep
    // the process (or a test runner) alive after the last download.
    const request = client.get(url, { agent: false, headers: { 'user-agent': 'multi-sc-bench', accept: '*/*', ...headers } }, resolve);
    request.setTimeout(idleTimeoutMs, () => {
      const err: NodeJS.ErrnoException = new Error(`no data for ${Math.round(idleTimeoutMs / 1000)} s`);
      err.code = 'ETIMEDOUT';
      request.destroy(err);
    });
    request.on('error', reject);
  });
}

/** Maps any failure to one line that says what failed, where, and what to do. */
function toUserError(e: unknown, url: string, hint: string, when = ''): UserError {
  if (isUserError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const at = when ? ` ${when}` : '';
  const local = describeFsFailure(e, `while downloading ${url}`); // the disk failed, not the network
  if (local) return new UserError(local);
  // Node reports a connection closed mid-body as ECONNRESET "aborted"; say it in words.
  const reason = err.message === 'aborted' ? 'the connection was closed' : err.code && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message;
  return new UserError(`download of ${url} failed${at}: ${reason}. Check the network connection (Node ignores HTTP(S)_PROXY) and retry, or ${hint}`);
}
