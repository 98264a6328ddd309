/**
 * Writes a vendor refuses to take concurrently (one Bitable table, one payroll datasource, one
 * app's freezes) go through one of these, keyed by what the vendor serialises.
 */
export interface SerialQueue {
  /** Runs `task` once every task queued before it under `key` has settled; rejects when `signal` aborts before its turn. */
  run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * Runs tasks one after another per key, in arrival order, while tasks under other keys run
 * freely. A failed task does not block the ones queued behind it. In this process only: queue
 * mode wraps it with a lock shared by every worker.
 */
export class KeyedSerialQueue implements SerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => {
      // A run cancelled while waiting for its turn must not write once its turn comes.
      signal?.throwIfAborted();
      return task();
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting. */
  get busyKeys(): number {
    return this.tails.size;
  }
}
