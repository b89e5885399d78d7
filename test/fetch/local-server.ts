import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

/**
 * A throwaway HTTP server on 127.0.0.1 (random port) for download tests; never any other address.
 * Each request path is answered by `route(path)`; unknown paths get 404.
 */

export type Reply =
  | {
      body: Buffer;
      /** Announce the full length but send only this many bytes (of this reply), then drop the connection. */
      truncateAt?: number;
      /** Answer `Range: bytes=N-` with 206 and the rest of the body (416 past its end). */
      acceptRanges?: boolean;
    }
  | { redirect: string; status?: 301 | 302 | 303 | 307 | 308 }
  | { status: number };

export interface LocalServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  /** Request paths in arrival order. */
  hits: string[];
  /** The Range header of each request ('' when none), in arrival order. */
  ranges: string[];
  close(): Promise<void>;
}

export async function startLocalServer(route: (urlPath: string, hit: number) => Reply | undefined): Promise<LocalServer> {
  const hits: string[] = [];
  const ranges: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    hits.push(urlPath);
    ranges.push(req.headers.range ?? '');
    const reply = route(urlPath, hits.filter((h) => h === urlPath).length - 1) ?? { status: 404 };
    if ('redirect' in reply) {
      res.writeHead(reply.status ?? 302, { location: reply.redirect });
      res.end();
    } else if ('body' in reply) {
      const range = reply.acceptRanges ? /^bytes=(\d+)-$/.exec(req.headers.range ?? '') : null;
      const start = range ? Number(range[1]) : 0;
      if (range && start >= reply.body.length) {
        res.writeHead(416, { 'content-range': `bytes */${reply.body.length}` });
        res.end();
        return;
      }
      const body = reply.body.subarray(start);
      const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-length': body.length };
      if (range) headers['content-range'] = `bytes ${start}-${reply.body.length - 1}/${reply.body.length}`;
      res.writeHead(range ? 206 : 200, headers);
      if (reply.truncateAt === undefined) res.end(body);
      // FIN, not RST: a reset may discard the bytes already sent before the client reads them.
      else res.write(body.subarray(0, reply.truncateAt), () => res.socket?.end());
    } else {
      res.writeHead(reply.status);
      res.end(`status ${reply.status}\n`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    ranges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Route that serves the files of `dir` under `prefix` (e.g. '/kodak/'). */
export function serveDirectory(prefix: string, dir: string): (urlPath: string) => Reply | undefined {
  return (urlPath) => {
    if (!urlPath.startsWith(prefix)) return undefined;
    const file = path.join(dir, urlPath.slice(prefix.length));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return undefined;
    return { body: fs.readFileSync(file) };
  };
}
