/* global process */
/**
 * Preloaded into a benchmarked child process (`node --import`): responds to
 * a `memory` message on the IPC channel with `process.memoryUsage()`, taken
 * after a full garbage collection when the process runs with --expose-gc.
 * Plain JavaScript, because the process's worker threads load it too, before
 * any TypeScript loader is registered there.
 */
import { isMainThread } from 'node:worker_threads';

if (isMainThread && process.send !== undefined) {
  process.on('message', (message) => {
    if (message !== 'memory') return;
    globalThis.gc?.();
    process.send({ memory: process.memoryUsage() });
  });
  // The channel must not keep the process alive once its own work is done.
  process.channel?.unref();
}
