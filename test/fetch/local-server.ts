import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

/**
 * A throwaway HTTP server on 127.0.0.1 (random port) for download tests; never any other address.
 * Each request path is answered by `route(path)`; unknown paths get 404.
 */

export type Reply =
  | { body: Buffer; /** Announce the full length but send only this many bytes, then drop the connection. */ truncateAt?: number }
  | { redirect: string; status?: 301 | 302 | 303 | 307 | 308 }
  | { status: number };

export interface LocalServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  /** Request paths in arrival order. */
  hits: string[];
  close(): Promise<void>;
}

export async function startLocalServer(route: (urlPath: string) => Reply | undefined): Promise<LocalServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    hits.push(urlPath);
    const reply = route(urlPath) ?? { status: 404 };
    if ('redirect' in reply) {
      res.writeHead(reply.status ?? 302, { location: reply.redirect });
      res.end();
    } else if ('body' in reply) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': reply.body.length });
      if (reply.truncateAt === undefined) res.end(reply.body);
      else res.write(reply.body.subarray(0, reply.truncateAt), () => res.socket?.destroy());
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
