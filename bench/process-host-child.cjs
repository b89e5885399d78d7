'use strict';
/*
 * The process host (see process-host.ts): a small Node process that starts programs for a large
 * parent. Plain CommonJS so that both the compiled harness and the TypeScript tests can fork it.
 *
 * Message in:  { id, file, args, input: Uint8Array | null, cwd, env, timeoutMs }
 * Message out: { id, code, signal, stdout: Uint8Array, stderr: string }
 *           or { id, error: { code, message } } when the program could not be started.
 */
const { spawn } = require('child_process');

process.on('disconnect', () => process.exit(0));

process.on('message', (req) => {
  const reply = (m) => {
    if (process.connected) process.send({ id: req.id, ...m });
  };
  let child;
  try {
    child = spawn(req.file, req.args, { cwd: req.cwd, env: req.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true, timeout: req.timeoutMs });
  } catch (e) {
    reply({ error: { code: e.code, message: e.message } });
    return;
  }
  const out = [];
  const err = [];
  let failed = false;
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.on('error', (e) => {
    failed = true;
    reply({ error: { code: e.code, message: e.message } });
  });
  // A program may exit before reading all of its input (a decoder giving up on a corrupt stream).
  child.stdin.on('error', () => undefined);
  child.on('close', (code, signal) => {
    if (failed) return;
    reply({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
  });
  if (req.input) child.stdin.end(Buffer.from(req.input.buffer, req.input.byteOffset, req.input.byteLength));
  else child.stdin.end();
});
