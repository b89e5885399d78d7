import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Readable, Writable } from 'stream';

/**
 * Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
 * JSON messages separated by NUL on file descriptors 3 and 4), so no puppeteer or WebSocket
 * client is needed. Used by the report test to open index.html from disk, collect console
 * errors, evaluate checks and take a screenshot.
 */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  const env = process.env.MULTISC_CHROMIUM;
  if (env && fs.existsSync(env)) return env;
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

export interface PageReport {
  /** Console errors, uncaught exceptions and failed loads (Log domain errors). */
  errors: string[];
  /** Every console message, for diagnosis. */
  console: string[];
  /** Results of `evaluate`, in order. */
  values: unknown[];
  /** Full-page screenshot (PNG). */
  screenshot: Buffer;
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/**
 * Opens `url`, waits for the load event, evaluates each expression (awaiting promises,
 * results by value) and screenshots the whole page at `width` px.
 */
export async function inspectPage(
  chromium: string,
  url: string,
  evaluate: string[],
  opts: { width?: number; height?: number; timeoutMs?: number } = {},
): Promise<PageReport> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'msb-chromium-'));
  const child = spawn(
    chromium,
    [
      '--headless=new',
      '--remote-debugging-pipe',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let stderr = '';
  (child.stderr as Readable).on('data', (d: Buffer) => {
    stderr += d.toString();
  });

  let nextId = 1;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const listeners: ((m: Message) => void)[] = [];
  let buffer = '';
  fromBrowser.on('data', (d: Buffer) => {
    buffer += d.toString('utf8');
    let i: number;
    while ((i = buffer.indexOf('\0')) >= 0) {
      const msg = JSON.parse(buffer.slice(0, i)) as Message;
      buffer = buffer.slice(i + 1);
      if (msg.id !== undefined && pending.has(msg.id)) {
        const p = pending.get(msg.id)!;
        pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error.message));
        else p.resolve(msg);
      } else for (const l of listeners) l(msg);
    }
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
      toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });

  const timeoutMs = opts.timeoutMs ?? 60000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`chromium: no result within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
  });

  const errors: string[] = [];
  const consoleLines: string[] = [];
  const run = async (): Promise<PageReport> => {
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    let loaded: () => void = () => {};
    const loadEvent = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    listeners.push((m) => {
      if (m.sessionId !== sessionId || !m.params) return;
      const p = m.params;
      if (m.method === 'Page.loadEventFired') loaded();
      else if (m.method === 'Runtime.consoleAPICalled') {
        const args = (p.args as { value?: unknown; description?: string }[]).map((a) => (a.value !== undefined ? String(a.value) : (a.description ?? '')));
        const line = `console.${String(p.type)}: ${args.join(' ')}`;
        consoleLines.push(line);
        if (p.type === 'error' || p.type === 'assert') errors.push(line);
      } else if (m.method === 'Runtime.exceptionThrown') {
        const d = p.exceptionDetails as { text?: string; exception?: { description?: string } };
        errors.push(`exception: ${d.exception?.description ?? d.text ?? 'unknown'}`);
      } else if (m.method === 'Log.entryAdded') {
        const e = p.entry as { level: string; text: string; url?: string };
        consoleLines.push(`log.${e.level}: ${e.text} ${e.url ?? ''}`);
        if (e.level === 'error') errors.push(`log: ${e.text} ${e.url ?? ''}`);
      }
    });
    await send('Page.enable', {}, sessionId);
    await send('Runtime.enable', {}, sessionId);
    await send('Log.enable', {}, sessionId);
    const width = opts.width ?? 1400;
    await send('Emulation.setDeviceMetricsOverride', { width, height: opts.height ?? 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    await send('Page.navigate', { url }, sessionId);
    await loadEvent;
    const values: unknown[] = [];
    for (const expression of evaluate) {
      const r = (await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId)) as {
        result: { value?: unknown };
        exceptionDetails?: { text: string; exception?: { description?: string } };
      };
      if (r.exceptionDetails) throw new Error(`evaluating ${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      values.push(r.result.value);
    }
    const metrics = (await send('Page.getLayoutMetrics', {}, sessionId)) as { cssContentSize: { width: number; height: number } };
    const height = Math.min(16000, Math.ceil(metrics.cssContentSize.height));
    const shot = (await send(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width, height, scale: 1 } },
      sessionId,
    )) as { data: string };
    return { errors, console: consoleLines, values, screenshot: Buffer.from(shot.data, 'base64') };
  };
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
    try {
      await Promise.race([send('Browser.close'), new Promise((r) => setTimeout(r, 2000).unref())]);
    } catch {
      // the browser may already be gone
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
    for (const s of [toBrowser, fromBrowser, child.stderr]) s?.destroy();
    child.unref();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
