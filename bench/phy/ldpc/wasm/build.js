#!/usr/bin/env node
'use strict';
/**
 * Compiles the AssemblyScript LDPC kernels to WebAssembly next to the compiled JS that loads
 * them: bench/phy/ldpc/wasm/<name>.as.ts → dist/bench/phy/ldpc/wasm/<name>.wasm.
 * decoder-wasm.ts reads the .wasm from there, both as dist/… JS and as TS source under jest.
 *
 * Usage: node bench/phy/ldpc/wasm/build.js [--force]
 * Skips a kernel whose .wasm is newer than its source and this script, unless --force.
 */
const fs = require('fs');
const path = require('path');

const sourceDir = __dirname;
const repoRoot = path.resolve(sourceDir, '../../../..');
const outDir = path.join(repoRoot, 'dist', 'bench', 'phy', 'ldpc', 'wasm');

/** Release build with the SIMD feature (off by default in asc); the stub runtime suffices: nothing is allocated. */
const ASC_FLAGS = ['--optimizeLevel', '3', '--shrinkLevel', '0', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--use', 'abort='];

async function main() {
  const force = process.argv.includes('--force');
  const kernels = fs.readdirSync(sourceDir).filter((f) => f.endsWith('.as.ts'));
  fs.mkdirSync(outDir, { recursive: true });
  const { default: asc } = await import('assemblyscript/asc');
  for (const file of kernels) {
    const source = path.join(sourceDir, file);
    const target = path.join(outDir, file.replace(/\.as\.ts$/, '.wasm'));
    if (!force && isUpToDate(target, [source, __filename])) continue;
    const tmp = `${target}.${process.pid}.tmp`;
    const { error, stderr } = await asc.main([source, '--outFile', tmp, ...ASC_FLAGS]);
    if (error) {
      fs.rmSync(tmp, { force: true });
      throw new Error(`asc failed on ${path.relative(repoRoot, source)}: ${error.message}\n${stderr.toString()}`);
    }
    fs.renameSync(tmp, target);
    console.log(`built ${path.relative(repoRoot, target)} (${fs.statSync(target).size} bytes)`);
  }
}

function isUpToDate(target, inputs) {
  if (!fs.existsSync(target)) return false;
  const built = fs.statSync(target).mtimeMs;
  return inputs.every((f) => fs.statSync(f).mtimeMs <= built);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
