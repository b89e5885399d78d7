import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../../bench/errors';
import { downloadVerified, partialPathFor } from '../../bench/fetch/download';
import { listTree, md5, removeTempDirs, sha256, tempDir, tinyPng } from '../datasets/fixtures';
import { LocalServer, startLocalServer } from './local-server';

let server: LocalServer;
let good: Buffer;
let other: Buffer;
/** 200 bytes, for the resume tests. */
const big = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 255));

beforeAll(async () => {
  good = await tinyPng(10);
  other = await tinyPng(99);
  server = await startLocalServer((p, hit) => {
    switch (p) {
      case '/files/good.png': return { body: good };
      case '/files/corrupt.png': return { body: other }; // served under the name of `good`, wrong bytes
      case '/files/truncated.png': return { body: good, truncateAt: 10 };
      case '/moved/good.png': return { redirect: '/files/good.png' };
      case '/moved-twice/good.png': return { redirect: `${server.url}/moved/good.png`, status: 301 };
      case '/loop.png': return { redirect: '/loop.png' };
      case '/broken.png': return { status: 500 };
      // Cut after 40 bytes on the first request only; later requests may continue with Range.
      case '/ranged/cut-once.bin': return hit === 0 ? { body: big, truncateAt: 40 } : { body: big, acceptRanges: true };
      // Cut every time after 30 bytes of what it sends: each request moves 30 bytes on.
      case '/ranged/cut-always.bin': return { body: big, truncateAt: 30, acceptRanges: true };
      // Cut once, then ignores Range (200 with the whole body).
      case '/plain/cut-once.bin': return hit === 0 ? { body: big, truncateAt: 40 } : { body: big };
      case '/ranged/wrong.bin': return hit === 0 ? { body: big, truncateAt: 40 } : { body: Buffer.from(big).fill(7, 60), acceptRanges: true };
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

describe('downloadVerified with resume (large model files)', () => {
  const expected = () => ({ sha256: sha256(big), size: big.length });
  const rangesOf = (p: string) => server.ranges.filter((_, i) => server.hits[i] === p);

  test('a connection cut mid-body is continued with an HTTP Range request; only the verified file remains', async () => {
    const dir = tempDir('dl');
    const dest = path.join(dir, 'm.onnx');
    let bytes = 0;
    await downloadVerified({ url: `${server.url}/ranged/cut-once.bin`, dest, expected: expected(), resume: true, onBytes: (n) => (bytes += n) });
    expect(fs.readFileSync(dest).equals(big)).toBe(true);
    expect(listTree(dir)).toEqual(['m.onnx']);
    expect(rangesOf('/ranged/cut-once.bin')).toEqual(['', 'bytes=40-']);
    expect(bytes).toBe(40 + 40 + 160); // first try, the 40 bytes re-read from disk, the rest
  });

  test('out of attempts, the bytes so far are kept and a later call continues them', async () => {
    const dir = tempDir('dl');
    const dest = path.join(dir, 'm.onnx');
    const url = `${server.url}/ranged/cut-always.bin`;
    const msg = await expectUserError(downloadVerified({ url, dest, expected: expected(), resume: true, attempts: 2 }), url, '60 bytes kept', 'run the same command again');
    expect(msg).toContain(partialPathFor(dest));
    expect(listTree(dir)).toEqual(['m.onnx.partial']);
    expect(fs.readFileSync(partialPathFor(dest)).equals(big.subarray(0, 60))).toBe(true);
    await downloadVerified({ url, dest, expected: expected(), resume: true, attempts: 10 });
    expect(fs.readFileSync(dest).equals(big)).toBe(true);
    expect(listTree(dir)).toEqual(['m.onnx']);
    expect(rangesOf('/ranged/cut-always.bin').slice(-2)).toEqual(['bytes=150-', 'bytes=180-']);
  });

  test('a server that ignores Range sends the file again from byte 0', async () => {
    const dest = path.join(tempDir('dl'), 'm.onnx');
    await downloadVerified({ url: `${server.url}/plain/cut-once.bin`, dest, expected: expected(), resume: true });
    expect(fs.readFileSync(dest).equals(big)).toBe(true);
  });

  test('resumed bytes that do not verify are a checksum mismatch, and nothing is kept', async () => {
    const dir = tempDir('dl');
    const url = `${server.url}/ranged/wrong.bin`;
    await expectUserError(downloadVerified({ url, dest: path.join(dir, 'm.onnx'), expected: expected(), resume: true }), 'checksum mismatch', sha256(big));
    expect(listTree(dir)).toEqual([]);
  });

  test('a kept partial file longer than the file (416) is dropped and the file fetched whole', async () => {
    const dir = tempDir('dl');
    const dest = path.join(dir, 'm.onnx');
    fs.writeFileSync(partialPathFor(dest), Buffer.alloc(500));
    await downloadVerified({ url: `${server.url}/ranged/cut-once.bin`, dest, expected: expected(), resume: true });
    expect(fs.readFileSync(dest).equals(big)).toBe(true);
    expect(listTree(dir)).toEqual(['m.onnx']);
  });
});
