/**
 * Holds memcached reads until the event loop's poll phase is over (`setImmediate`), then issues
 * them together. The client writes everything enqueued in one tick as one socket write, so every
 * request that arrived in the same loop turn shares one write (and memcached answers them in one
 * read) instead of paying a syscall each: under load that is most of a hit's cost beyond HTTP.
 * The delay is bounded by the current loop turn; nothing waits on a timer.
 *
 * Identical reads queued in one batch can share one call ({@link CallBatch.shared}). That never
 * serves anything older than a read of its own would: the shared call is only sent after every
 * sharer arrived, and a read arriving once the batch is out starts a new one.
 */
export class CallBatch {
  #queue: (() => void)[] = [];
  #shared = new Map<string, Promise<unknown>>();
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    // From here on, a read must go to memcached itself: it arrived after these were sent.
    if (this.#shared.size > 0) this.#shared = new Map();
    for (const start of queue) start();
  };

  /** Runs `call` with the next batch; settles as `call`'s promise does. */
  run<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(() => {
        try {
          call().then(resolve, reject);
        } catch (err) {
          reject(err);
        }
      });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  /**
   * Like {@link run}, but calls with the same `id` queued in this batch share the first one's
   * call; the others get its result through `follow` (which says how a later identical request
   * would have been answered, e.g. a lock already handed out).
   */
  shared<T>(id: string, call: () => Promise<T>, follow: (result: T) => T): Promise<T> {
    const pending = this.#shared.get(id) as Promise<T> | undefined;
    if (pending !== undefined) return pending.then(follow);
    const promise = this.run(call);
    this.#shared.set(id, promise);
    return promise;
  }
}
