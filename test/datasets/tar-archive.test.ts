import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tar from 'tar';
import { isUserError } from '../../bench/errors';
import { extractTarFiles, readTarTexts } from '../../datasets/tar-archive';
import { listTree, removeTempDirs, tempDir, writeFile } from './fixtures';

afterAll(removeTempDirs);

const counter = () => {
  let bytes = 0;
  return { add: (n: number) => (bytes += n), done: () => undefined, get bytes() { return bytes; } };
};

test('readTarTexts stops reading once it has every text it asked for', async () => {
  const dir = tempDir('tar');
  writeFile(path.join(dir, 'a/lists/one.txt'), 'x\ny\n');
  writeFile(path.join(dir, 'a/lists/two.txt'), 'z\n');
  writeFile(path.join(dir, 'a/big.bin'), crypto.randomBytes(8 * 1024 * 1024));
  const file = path.join(dir, 'x.tar');
  // Files named one by one: node-tar recurses into folders asynchronously, so a folder argument
  // does not fix the order of entries.
  await tar.c({ file, cwd: dir, portable: true }, ['a/lists/one.txt', 'a/lists/two.txt', 'a/big.bin']);
  const meter = counter();
  const texts = await readTarTexts(file, ['a/lists/one.txt', 'a/lists/two.txt'], meter);
  expect(Object.fromEntries(texts)).toEqual({ 'a/lists/one.txt': 'x\ny\n', 'a/lists/two.txt': 'z\n' });
  expect(meter.bytes).toBeLessThan(fs.statSync(file).size);

  const partial = await readTarTexts(file, ['a/lists/one.txt', 'a/none.txt'], counter());
  expect([...partial.keys()]).toEqual(['a/lists/one.txt']);
});

test('extractTarFiles writes only accepted regular files', async () => {
  const dir = tempDir('tar');
  writeFile(path.join(dir, 'src/keep/a.txt'), 'a');
  writeFile(path.join(dir, 'src/drop/b.txt'), 'b');
  const file = path.join(dir, 'x.tar');
  await tar.c({ file, cwd: path.join(dir, 'src'), portable: true }, ['keep', 'drop']);
  const out = tempDir('tar-out');
  const n = await extractTarFiles(file, out, (p) => p.startsWith('keep/'), counter());
  expect(n).toBe(1);
  expect(listTree(out)).toEqual(['keep/a.txt']);
});

test('a file that is not a tar archive is a UserError naming it', async () => {
  const file = path.join(tempDir('tar'), 'not.tar');
  fs.writeFileSync(file, 'this is not a tar archive at all'.repeat(40));
  const err = await extractTarFiles(file, tempDir('tar-out'), () => true, counter()).then(() => undefined, (e: unknown) => e);
  expect(isUserError(err)).toBe(true);
  expect((err as Error).message).toContain(file);
});
