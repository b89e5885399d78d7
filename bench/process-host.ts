import { fork, type ChildProcess } from 'child_process';
import * as path from 'path';
import { packageRoot } from './run-info';

/**
 * Programs (x265, the HEVC decoder) are started by a small helper process, the process host, not
 * by the harness itself.
 *
 * Why: Node starts a program with fork(). After a fork every page of the forking process is
 * copy-on-write, and the next write to each page faults, even once the child has exec'd. With the
 * ONNX models loaded a sweep worker's process holds gigabytes: on the 2-core machine, writing
 * 1.5 GB after one spawn took 6.6 s instead of 0.01 s, and the ~950 encoder and decoder runs of the
 * main command made every metric 2–3× slower and cost 400 s of kernel time. The host is forked
 * once, while this process is still small (a sweep worker starts it before it loads any model),
 * and afterwards forks only itself (a bare Node process, ~150 MB resident).
 *
 * One host per thread (a worker thread cannot use another thread's child process). It does not
 * keep the event loop alive while idle, and exits when this process does.
 */
export interface HostedRun {
  file: string;
  args: readonly string[];
  input: Uint8Array | null;
  timeoutMs: number;
}

export interface HostedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** The program could not be started (errno code such as ENOENT, and the system's message). */
export class StartError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

type Reply = { id: number; error: { code?: string; message: string } } | { id: number; code: number | null; signal: NodeJS.Signals | null; stdout: Uint8Array; stderr: string };

const CHILD_SCRIPT = path.join(packageRoot(), 'bench', 'process-host-child.cjs');

class ProcessHost {
  private readonly child: ChildProcess;
  private exited: Promise<void>;
  private readonly pending = new Map<number, { resolve: (r: HostedResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(private readonly onExit: (self: ProcessHost) => void) {
    // execArgv []: the host needs none of this process's flags (heap sizes, test runners' hooks).
    this.child = fork(CHILD_SCRIPT, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    this.child.on('message', (m: Reply) => this.settle(m));
    this.child.on('error', (e) => this.failAll(new Error(`the process host failed: ${e.message}`)));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.failAll(new Error(`the process host exited (${code ?? signal}) with ${this.pending.size} program run(s) unfinished`));
        resolve();
      });
    });
    this.setKeepAlive(false);
  }

  /** Closes the channel (the host then exits) and waits until the host has been reaped. */
  stop(): Promise<void> {
    this.onExit(this);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.setKeepAlive(true);
      if (this.child.connected) this.child.disconnect();
    }
    return this.exited;
  }

  run(req: HostedRun): Promise<HostedResult> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.setKeepAlive(true);
      const unreachable = (err: Error): void => this.settle({ id, error: { message: `cannot reach the process host: ${err.message}` } });
      // A copy of the environment: process.env itself is not a plain object and cannot be cloned.
      const msg = { id, file: req.file, args: req.args, input: req.input, cwd: process.cwd(), env: { ...process.env }, timeoutMs: req.timeoutMs };
      try {
        this.child.send(msg, (err) => err && unreachable(err));
      } catch (err) {
        unreachable(err as Error);
      }
    });
  }

  private settle(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.setKeepAlive(false);
    if ('error' in m) p.reject(new StartError(m.error.code, m.error.message));
    else p.resolve({ code: m.code, signal: m.signal, stdout: Buffer.from(m.stdout.buffer, m.stdout.byteOffset, m.stdout.byteLength), stderr: m.stderr });
  }

  private failAll(e: Error): void {
    this.onExit(this);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private setKeepAlive(on: boolean): void {
    if (on) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }
}

let host: ProcessHost | null = null;

/** Starts this thread's process host if it is not running (call early, while the process is small). */
export function startProcessHost(): void {
  host ??= new ProcessHost((self) => {
    if (host === self) host = null;
  });
}

/**
 * Stops this thread's process host and waits for its exit. Once it is reaped, the CPU time of the
 * programs it ran counts in this process's children's CPU time (run.json `cpu_ms.children`).
 */
export async function stopProcessHost(): Promise<void> {
  await host?.stop();
}

/** Runs a program through this thread's process host (started now if need be). */
export function runHosted(req: HostedRun): Promise<HostedResult> {
  startProcessHost();
  return host!.run(req);
}
