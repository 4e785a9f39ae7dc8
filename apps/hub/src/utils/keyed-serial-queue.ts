/**
 * Runs tasks one after another per key (a device id): a task starts once every earlier task of its key has settled,
 * whether it succeeded or not. Tasks of different keys run concurrently. A key with nothing pending is forgotten.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Queues `fn` behind the key's earlier tasks; the promise is `fn`'s own (a rejection does not stop the queue). */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(key) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Keys with a task queued or running. */
  get pendingKeys(): number {
    return this.tails.size;
  }
}
