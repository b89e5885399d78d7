import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../../bench/errors';
import { downloadVerified } from '../../bench/fetch/download';
import { listTree, md5, removeTempDirs, sha256, tempDir, tinyPng } from '../datasets/fixtures';
import { LocalServer, startLocalServer } from './local-server';

let server: LocalServer;
let good: Buffer;
let other: Buffer;

beforeAll(async () => {
  good = await tinyPng(10);
  other = await tinyPng(99);
  server = await startLocalServer((p) => {
    switch (p) {
      case '/files/good.png': return { body: good };
      case '/files/corrupt.png': return { body: other }; // served under the name of `good`, wrong bytes
      case '/files/truncated.png': return { body: good, truncateAt: 10 };
      case '/moved/good.png': return { redirect: '/files/good.png' };
      case '/moved-twice/good.png': return { redirect: `${server.url}/moved/good.png`, status: 301 };
      case '/loop.png': return { redirect: '/loop.png' };
      case '/broken.png': return { status: 500 };
      default: return undefined;
    }
  });
});
afterAll(async () => {
  await server.close();
  removeTempDirs();
});

async function expectUserError(promise: Promise<unknown>, ...fragments: string[]): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeDefined();
  if (!isUserError(err)) throw err;
  expect(err.message).not.toContain('\n');
  for (const f of fragments) expect(err.message).toContain(f);
  return err.message;
}

describe('downloadVerified', () => {
  test('downloads, verifies sha256 + md5 + size, and leaves only the final file', async () => {
    const dir = tempDir('dl');
    const dest = path.join(dir, 'sub', 'good.png');
    let bytes = 0;
    await downloadVerified({
      url: `${server.url}/files/good.png`,
      dest,
      expected: { sha256: sha256(good), md5: md5(good), size: good.length },
      onBytes: (n) => (bytes += n),
    });
    expect(fs.readFileSync(dest).equals(good)).toBe(true);
    expect(bytes).toBe(good.length);
    expect(listTree(dir)).toEqual(['sub/good.png']);
  });

  test('follows redirects, relative and absolute, across hops', async () => {
    const dir = tempDir('dl');
    await downloadVerified({ url: `${server.url}/moved-twice/good.png`, dest: path.join(dir, 'g.png'), expected: { sha256: sha256(good) } });
    expect(fs.readFileSync(path.join(dir, 'g.png')).equals(good)).toBe(true);
  });

  test('a hash mismatch is a UserError naming URL, expected and actual hash; nothing is left behind', async () => {
    const dir = tempDir('dl');
    const url = `${server.url}/files/corrupt.png`;
    await expectUserError(
      downloadVerified({ url, dest: path.join(dir, 'good.png'), expected: { sha256: sha256(good) } }),
      url,
      sha256(good),
      sha256(other),
      'checksum mismatch',
    );
    expect(listTree(dir)).toEqual([]);
  });

  test('an existing final file is not touched when the new download fails verification', async () => {
    const dir = tempDir('dl');
    const dest = path.join(dir, 'good.png');
    fs.writeFileSync(dest, 'old');
    await expectUserError(downloadVerified({ url: `${server.url}/files/corrupt.png`, dest, expected: { sha256: sha256(good) } }));
    expect(fs.readFileSync(dest, 'utf8')).toBe('old');
    expect(listTree(dir)).toEqual(['good.png']);
  });

  test('HTTP 404 and 500 are UserErrors with the status and the URL', async () => {
    const dir = tempDir('dl');
    await expectUserError(
      downloadVerified({ url: `${server.url}/nope.png`, dest: path.join(dir, 'x'), expected: { sha256: sha256(good) } }),
      'HTTP 404',
      `${server.url}/nope.png`,
    );
    await expectUserError(
      downloadVerified({ url: `${server.url}/broken.png`, dest: path.join(dir, 'x'), expected: { sha256: sha256(good) } }),
      'HTTP 500',
    );
    expect(listTree(dir)).toEqual([]);
  });

  test('a 404 after a redirect names both addresses', async () => {
    const missing = await startLocalServer((p) => (p === '/a' ? { redirect: '/b' } : undefined));
    try {
      const msg = await expectUserError(
        downloadVerified({ url: `${missing.url}/a`, dest: path.join(tempDir('dl'), 'x'), expected: { sha256: sha256(good) } }),
        'HTTP 404',
      );
      expect(msg).toContain(`${missing.url}/b`);
      expect(msg).toContain(`redirected from ${missing.url}/a`);
    } finally {
      await missing.close();
    }
  });

  test('a redirect loop stops after the redirect limit', async () => {
    await expectUserError(
      downloadVerified({ url: `${server.url}/loop.png`, dest: path.join(tempDir('dl'), 'x'), expected: { sha256: sha256(good) }, maxRedirects: 3 }),
      'too many redirects (more than 3)',
    );
  });

  test('a connection cut mid-body is a UserError, and no partial file remains', async () => {
    const dir = tempDir('dl');
    await expectUserError(
      downloadVerified({ url: `${server.url}/files/truncated.png`, dest: path.join(dir, 'x.png'), expected: { sha256: sha256(good), size: good.length } }),
      `${server.url}/files/truncated.png`,
    );
    expect(listTree(dir)).toEqual([]);
  });

  test('a refused connection is a UserError naming the URL', async () => {
    const closed = await startLocalServer(() => undefined);
    const url = `${closed.url}/x.png`;
    await closed.close();
    const msg = await expectUserError(downloadVerified({ url, dest: path.join(tempDir('dl'), 'x'), expected: { sha256: sha256(good) } }), url);
    expect(msg).toMatch(/ECONNREFUSED/);
  });

  test('non-http URLs are refused', async () => {
    await expectUserError(
      downloadVerified({ url: 'ftp://127.0.0.1/x.png', dest: path.join(tempDir('dl'), 'x'), expected: { sha256: sha256(good) } }),
      'only http and https',
    );
  });
});
