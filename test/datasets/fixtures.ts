import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import * as tar from 'tar';
import { isUserError } from '../../bench/errors';

/** Small test data made at test time: tiny images, temp folders, a VOC-style tree and tarball. */

const made: string[] = [];

/** A fresh folder under the OS temp dir; removed by removeTempDirs (call it in afterAll). */
export function tempDir(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `multisc-${tag}-`));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

export function md5(data: Buffer): string {
  return crypto.createHash('md5').update(data).digest('hex');
}

/** A 4x4 single-colour PNG; different `shade`s give different bytes. */
export function tinyPng(shade: number): Promise<Buffer> {
  return sharp({ create: { width: 4, height: 4, channels: 3, background: { r: shade, g: 255 - shade, b: 40 } } }).png().toBuffer();
}

export function tinyJpeg(shade: number): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 6, channels: 3, background: { r: shade, g: 90, b: 255 - shade } } }).jpeg().toBuffer();
}

/** Every file under `dir`, as sorted posix paths relative to it. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

export function writeFile(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
}

export interface VocTreeSpec {
  train: string[];
  val: string[];
  /** Listed ids whose JPEG is left out. */
  withoutJpeg?: string[];
  /** Listed ids whose mask is left out. */
  withoutMask?: string[];
}

/**
 * A VOC2012-style folder at `voc2012Dir` (the folder that holds ImageSets/, JPEGImages/ …), with
 * things the segmentation subset must NOT take: a detection-only image, an XML annotation and a
 * Main/ split list.
 */
export async function makeVocTree(voc2012Dir: string, spec: VocTreeSpec): Promise<void> {
  const ids = [...spec.train, ...spec.val];
  writeFile(path.join(voc2012Dir, 'ImageSets/Segmentation/train.txt'), spec.train.map((id) => `${id}\n`).join(''));
  writeFile(path.join(voc2012Dir, 'ImageSets/Segmentation/val.txt'), spec.val.map((id) => `${id}\n`).join(''));
  writeFile(path.join(voc2012Dir, 'ImageSets/Segmentation/trainval.txt'), ids.map((id) => `${id}\n`).join(''));
  writeFile(path.join(voc2012Dir, 'ImageSets/Main/train.txt'), '2008_000001\n');
  writeFile(path.join(voc2012Dir, 'Annotations/2008_000001.xml'), '<annotation/>\n');
  writeFile(path.join(voc2012Dir, 'JPEGImages/2008_000001.jpg'), await tinyJpeg(7));
  for (const [i, id] of ids.entries()) {
    if (!spec.withoutJpeg?.includes(id)) writeFile(path.join(voc2012Dir, `JPEGImages/${id}.jpg`), await tinyJpeg(20 + i * 10));
    if (!spec.withoutMask?.includes(id)) writeFile(path.join(voc2012Dir, `SegmentationClass/${id}.png`), await tinyPng(i * 10));
  }
  writeFile(path.join(voc2012Dir, `SegmentationObject/${ids[0]}.png`), await tinyPng(200));
}

/**
 * Packs `<srcDir>/VOCdevkit/VOC2012/…` into a tar like the official one. JPEGImages/ goes first,
 * before the split lists, so extraction cannot rely on seeing the lists first. Files are named one
 * by one because node-tar recurses into folder arguments asynchronously (order not guaranteed).
 */
export async function makeVocTarball(srcDir: string, tarPath: string): Promise<Buffer> {
  const base = 'VOCdevkit/VOC2012';
  const order = ['JPEGImages', 'Annotations', 'ImageSets', 'SegmentationClass', 'SegmentationObject'];
  const files = order
    .filter((d) => fs.existsSync(path.join(srcDir, base, d)))
    .flatMap((d) => listTree(path.join(srcDir, base, d)).map((rel) => `${base}/${d}/${rel}`));
  await tar.c({ file: tarPath, cwd: srcDir, portable: true }, files);
  return fs.readFileSync(tarPath);
}

/** Entry paths of a tar, in archive order. */
export async function tarEntries(tarPath: string): Promise<string[]> {
  const paths: string[] = [];
  await tar.t({ file: tarPath, onReadEntry: (e) => paths.push(e.path) });
  return paths;
}

/** What the segmentation subset of a makeVocTree folder must contain, relative to the dataset root. */
export function expectedVocSubset(spec: VocTreeSpec): string[] {
  const ids = [...spec.train, ...spec.val];
  return [
    'ImageSets/Segmentation/train.txt',
    'ImageSets/Segmentation/trainval.txt',
    'ImageSets/Segmentation/val.txt',
    ...ids.filter((id) => !spec.withoutJpeg?.includes(id)).map((id) => `JPEGImages/${id}.jpg`),
    ...ids.filter((id) => !spec.withoutMask?.includes(id)).map((id) => `SegmentationClass/${id}.png`),
    `SegmentationObject/${ids[0]}.png`,
  ].sort();
}

/** Awaits a promise that must fail with a one-line UserError; returns its message. */
export async function userError(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  if (!isUserError(err)) throw err ?? new Error('expected a UserError, got success');
  expect(err.message).not.toContain('\n');
  return err.message;
}
