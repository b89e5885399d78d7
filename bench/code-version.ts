import { createHash } from 'crypto';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';

/**
 * The version of the code one module runs, for the keys of on-disk caches: a SHA-256 over the
 * module's file and every project file it imports, transitively (relative `require`/`import`
 * specifiers, read from the compiled .js or the .ts source alike), plus `name@version` of every
 * npm package among those imports. Any edit to that code, or an upgrade of a package it calls,
 * changes the version, so a cache written by other code is never read back as if it were current.
 */

const RELATIVE = [/\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g, /\bfrom\s+["'](\.{1,2}\/[^"']+)["']/g, /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g];
const BARE = [/\brequire\(\s*["']([^."'][^"']*)["']\s*\)/g, /\bfrom\s+["']([^."'][^"']*)["']/g, /\bimport\(\s*["']([^."'][^"']*)["']\s*\)/g];
const EXTENSIONS = ['', '.js', '.ts', '.json', '/index.js', '/index.ts'];
const BUILTIN = new Set(builtinModules);

const memo = new Map<string, string>();

function resolveRelative(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const ext of EXTENSIONS) {
    const f = base + ext;
    if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  }
  return null;
}

/** `@scope/name` or `name` of a bare specifier (`sharp`, `csv-parse/sync`, `@huggingface/x/y`). */
function packageName(spec: string): string | null {
  if (spec.startsWith('node:') || BUILTIN.has(spec) || BUILTIN.has(spec.split('/')[0])) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The installed version of `name` as seen from `from` (the nearest node_modules up the tree). */
function packageVersion(name: string, from: string): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(pj)) return String((JSON.parse(fs.readFileSync(pj, 'utf8')) as { version?: string }).version ?? 'unknown');
    if (path.dirname(dir) === dir) return 'not-installed';
  }
}

function matches(text: string, patterns: RegExp[]): string[] {
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]));
}

export interface CodeClosure {
  /** Project files, absolute, sorted. */
  files: string[];
  /** `name@version` of the npm packages they import, sorted. */
  packages: string[];
}

/** The files and packages `entry` runs (see the module comment). */
export function codeClosure(entry: string): CodeClosure {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [path.resolve(entry)];
  while (todo.length) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    if (file.endsWith('.json')) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const spec of matches(text, RELATIVE)) {
      const dep = resolveRelative(file, spec);
      if (dep) todo.push(dep);
    }
    for (const spec of matches(text, BARE)) {
      const name = packageName(spec);
      if (name) packages.add(`${name}@${packageVersion(name, file)}`);
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

/** SHA-256 (hex) of the closure's file contents and package versions; computed once per entry and process. */
export function codeVersion(entry: string): string {
  const key = path.resolve(entry);
  let v = memo.get(key);
  if (!v) {
    const { files, packages } = codeClosure(key);
    const root = path.dirname(key);
    const h = createHash('sha256');
    for (const f of files) h.update(`${path.relative(root, f)}\0`).update(fs.readFileSync(f)).update('\0');
    for (const p of packages) h.update(`${p}\0`);
    v = h.digest('hex');
    memo.set(key, v);
  }
  return v;
}
