import sharp from 'sharp';
import { parentPort, workerData } from 'worker_threads';
import { isUserError } from '../errors';
import { startProcessHost, stopProcessHost } from '../process-host';
import { ImageTaskRunner, type ImageTask, type SweepEnv } from './image-task';

/**
 * Worker-thread entry of the sweep pool: receives image tasks one at a time, posts events back.
 * Messages in: ImageTask, or 'close' at the end (answered 'closed' once the process host is gone).
 * Messages out: TaskEvent, or { kind: 'error', message, user }.
 */
// Each worker is one of the pool's threads; libvips' own threads would only oversubscribe the cores.
sharp.concurrency(1);
// Before any model is loaded: the host must be forked while this process is small.
startProcessHost();
const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');
let runner: ImageTaskRunner | null = null;
port.on('message', (task: ImageTask | 'close') => {
  if (task === 'close') {
    void stopProcessHost().then(() => port.postMessage('closed'));
    return;
  }
  void (async () => {
    try {
      runner ??= new ImageTaskRunner(workerData as SweepEnv);
      await runner.run(task, (e) => port.postMessage(e));
    } catch (e) {
      port.postMessage({ kind: 'error', message: isUserError(e) ? e.message : String((e as Error).stack ?? e), user: isUserError(e) });
    }
  })();
});
