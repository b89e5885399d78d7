import sharp from 'sharp';
import { parentPort, workerData } from 'worker_threads';
import { isUserError } from '../errors';
import { startProcessHost, stopProcessHost } from '../process-host';
import { ImageTaskRunner, type ImageTask, type SweepEnv } from './image-task';

/**
 * Worker-thread entry of the sweep pool: receives image tasks one at a time, posts events back.
 * Messages in: ImageTask, or 'close' at the end or when the sweep fails (answered 'closed' once
 * the task in flight has stopped and the process host is gone).
 * Messages out: TaskEvent, or { kind: 'error', message, user }.
 */
// Each worker is one of the pool's threads; libvips' own threads would only oversubscribe the cores.
sharp.concurrency(1);
// Before any model is loaded: the host must be forked while this process is small.
startProcessHost();
const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');
let runner: ImageTaskRunner | null = null;
let current: Promise<void> = Promise.resolve();
let closing = false;
port.on('message', (task: ImageTask | 'close') => {
  if (task === 'close') {
    // The task in flight stops after its current cell: a worker terminated inside a native call
    // (ONNX Runtime) takes the whole process down before the run's error line is printed.
    closing = true;
    void current.then(stopProcessHost).then(() => port.postMessage('closed'));
    return;
  }
  current = (async () => {
    try {
      runner ??= new ImageTaskRunner(workerData as SweepEnv);
      await runner.run(task, (e) => port.postMessage(e), () => closing);
    } catch (e) {
      port.postMessage({ kind: 'error', message: isUserError(e) ? e.message : String((e as Error).stack ?? e), user: isUserError(e) });
    }
  })();
});
