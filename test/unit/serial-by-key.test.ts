import { describe, expect, it } from 'vitest';
import { SerialByKey } from '../../repositories/serial-by-key.js';

/** A promise with its resolve function, to finish a task when the test says so. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('SerialByKey', () => {
  it('runs tasks of one key in arrival order', async () => {
    const queue = new SerialByKey();
    const first = deferred();
    const order: string[] = [];

    const a = queue.run('run-1', async () => {
      await first.promise;
      order.push('a');
    });
    const b = queue.run('run-1', async () => {
      order.push('b');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([]);

    first.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['a', 'b']);
  });

  it('runs tasks of different keys concurrently', async () => {
    const queue = new SerialByKey();
    const blocked = deferred();
    const order: string[] = [];

    const slow = queue.run('run-1', async () => {
      await blocked.promise;
      order.push('slow');
    });
    await queue.run('run-2', async () => {
      order.push('other');
    });
    expect(order).toEqual(['other']);

    blocked.resolve();
    await slow;
    expect(order).toEqual(['other', 'slow']);
  });

  it('runs the next task after a failure', async () => {
    const queue = new SerialByKey();
    const failing = queue.run('run-1', async () => {
      throw new Error('write failed');
    });
    const next = queue.run('run-1', async () => {});

    await expect(failing).rejects.toThrow('write failed');
    await expect(next).resolves.toBeUndefined();
  });

  it('forgets a key once its tasks settled', async () => {
    const queue = new SerialByKey();
    await queue.run('run-1', async () => {});
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(queue.size).toBe(0);
  });
});
