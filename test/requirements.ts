import * as fs from 'fs';
import * as path from 'path';

/**
 * Tests that need the offline data, models or tools (../shared, the compiled CLI, Chromium).
 *
 * On a developer's machine a missing input skips the block with a printed reason. Under CI
 * (`CI=true`, as `.ci/run` is run) every input is expected: a missing one fails the block, so a
 * broken data path can never turn the suite green by skipping it.
 */

export interface Requirement {
  /** What is needed, for the message (e.g. "Kodak24 offline copy"). */
  what: string;
  /** Whether it is there. */
  present: boolean;
  /** How to provide it (e.g. "set MULTISC_DATA_DIR to the folder holding kodak24/"). */
  fix: string;
}

export const IN_CI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** A requirement met when `file` exists. */
export function fileRequirement(what: string, file: string, fix: string): Requirement {
  return { what, present: fs.existsSync(file), fix: `${fix} (looked for ${file})` };
}

/** The offline shared folders, as .ci/run points at them. */
export const SHARED_DATA = process.env.MULTISC_DATA_DIR || '/work/shared/datasets';
export const SHARED_MODELS = process.env.MULTISC_MODELS_DIR || '/work/shared/models';

export const KODAK_DIR = path.join(SHARED_DATA, 'kodak24');

export function kodakRequirement(): Requirement {
  return fileRequirement('the Kodak24 offline copy', path.join(KODAK_DIR, 'kodim01.png'), 'set MULTISC_DATA_DIR to the folder that holds kodak24/');
}

export const VOC_DIR = path.join(SHARED_DATA, 'voc2012');

export function vocRequirement(): Requirement {
  return fileRequirement('the VOC2012 offline sample', path.join(VOC_DIR, 'ImageSets', 'Segmentation', 'val.txt'), 'set MULTISC_DATA_DIR to the folder that holds voc2012/');
}

export const COMPILED_CLI = path.join(__dirname, '..', 'dist', 'bench', 'cli.js');

export function cliRequirement(): Requirement {
  return fileRequirement('the compiled CLI', COMPILED_CLI, 'run "npm run build" (npm test does)');
}

function missingText(missing: Requirement[]): string {
  return missing.map((r) => `${r.what} is missing: ${r.fix}`).join('; ');
}

type Block = (name: string, fn: () => void) => void;

/**
 * `describe` when every requirement is met. Otherwise: under CI a block with one failing test
 * that names what is missing; elsewhere a skipped block and a printed note.
 */
export function describeWith(...reqs: Requirement[]): Block {
  const missing = reqs.filter((r) => !r.present);
  if (missing.length === 0) return describe;
  const why = missingText(missing);
  if (IN_CI) {
    return (name) =>
      describe(name, () => {
        test('required inputs are present (CI=true: a missing input fails, never skips)', () => {
          throw new Error(why);
        });
      });
  }
  return (name, fn) => {
    console.warn(`SKIPPED "${name}": ${why}`);
    describe.skip(name, fn);
  };
}

/** The same for a single test. */
export function testWith(...reqs: Requirement[]): jest.It {
  const missing = reqs.filter((r) => !r.present);
  if (missing.length === 0) return test;
  const why = missingText(missing);
  if (IN_CI) {
    const failing = (name: string) =>
      test(`${name} (required inputs are present)`, () => {
        throw new Error(why);
      });
    return Object.assign(failing, test) as unknown as jest.It;
  }
  const skipped = (name: string, fn?: jest.ProvidesCallback, timeout?: number) => {
    console.warn(`SKIPPED "${name}": ${why}`);
    test.skip(name, fn, timeout);
  };
  return Object.assign(skipped, test) as unknown as jest.It;
}
