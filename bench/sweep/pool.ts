import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { UserError } from '../errors';
import { startProcessHost, stopProcessHost } from '../process-host';
import { ImageTaskRunner, type ImageTask, type SweepEnv, type TaskEvent } from './image-task';

/**
 * Runs image tasks on `workers` threads (pulling the next task when one finishes), or in this
 * thread when workers = 1. Events arrive through `onEvent` in completion order. The first error
 * stops the pool and rejects; what was already emitted stays emitted.
 */
export async function runTasks(env: SweepEnv, tasks: ImageTask[], workers: number, onEvent: (e: TaskEvent) => void): Promise<void> {
  if (tasks.length === 0) return;
  if (workers <= 1) {
    startProcessHost();
    try {
      const runner = new ImageTaskRunner(env);
      for (const t of tasks) await runner.run(t, onEvent);
    } finally {
      await stopProcessHost();
    }
    return;
  }
  const script = path.join(__dirname, 'worker.js');
  if (!fs.existsSync(script)) {
    throw new Error(`the worker script ${script} is missing: run the compiled harness (npm run build), or use --workers 1`);
  }
  const queue = [...tasks];
  const pool: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      let failed = false;
      const fail = (err: Error): void => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const feed = (w: Worker): void => {
        const t = queue.shift();
        if (!t) {
          if (active === 0) resolve();
          return;
        }
        active++;
        w.postMessage(t);
      };
      for (let i = 0; i < Math.min(workers, tasks.length); i++) {
        const w = new Worker(script, { workerData: env });
        pool.push(w);
        w.on('message', (m: TaskEvent | { kind: 'error'; message: string; user: boolean } | 'closed') => {
          if (failed || m === 'closed') return;
          if (m.kind === 'error') {
            fail(m.user ? new UserError(m.message) : new Error(m.message));
            return;
          }
          onEvent(m);
          if (m.kind === 'task-done') {
            active--;
            feed(w);
            if (queue.length === 0 && active === 0) resolve();
          }
        });
        w.on('error', (err) => fail(err));
        w.on('exit', (code) => {
          if (code !== 0) fail(new Error(`a sweep worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    // Also after a failure: each worker first stops after its current cell (see worker.ts).
    await Promise.all(pool.map((w) => closeWorker(w)));
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

/** How long a finished worker may take to stop its process host before it is terminated anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

/** Asks a worker to stop its process host, so that the programs' CPU time is accounted; see worker.ts. */
function closeWorker(w: Worker): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, CLOSE_TIMEOUT_MS);
    function done(): void {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('exit', done);
      resolve();
    }
    function onMessage(m: unknown): void {
      if (m === 'closed') done();
    }
    w.on('message', onMessage);
    w.on('exit', done);
    w.postMessage('close');
  });
}
