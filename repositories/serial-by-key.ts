/**
 * Runs asynchronous tasks one at a time per key, in the order they arrive,
 * while tasks of different keys run concurrently. A read followed by a write
 * of the same document uses it so that two such pairs cannot interleave.
 */
export class SerialByKey {
  /** The last task queued for each key; removed once it settles with nothing queued behind it. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `task` after every task queued before it for `key` has settled; resolves or rejects as the task does. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // The tail never rejects, so a failed task does not stop the tasks behind it.
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of keys with a task queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
