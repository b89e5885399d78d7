import sharp from 'sharp';
import { parentPort, workerData } from 'worker_threads';
import { isUserError } from '../errors';
import { ImageTaskRunner, type ImageTask, type SweepEnv } from './image-task';

/**
 * Worker-thread entry of the sweep pool: receives image tasks one at a time, posts events back.
 * Messages in: ImageTask. Messages out: TaskEvent, or { kind: 'error', message, user }.
 */
// Each worker is one of the pool's threads; libvips' own threads would only oversubscribe the cores.
sharp.concurrency(1);
const port = parentPort;
if (!port) throw new Error('worker.ts must run as a worker thread');
let runner: ImageTaskRunner | null = null;
port.on('message', (task: ImageTask) => {
  void (async () => {
    try {
      runner ??= new ImageTaskRunner(workerData as SweepEnv);
      await runner.run(task, (e) => port.postMessage(e));
    } catch (e) {
      port.postMessage({ kind: 'error', message: isUserError(e) ? e.message : String((e as Error).stack ?? e), user: isUserError(e) });
    }
  })();
});
