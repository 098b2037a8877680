/**
 * In-process single flight: while one request of this process regenerates a key, the others of
 * this process wait for it instead of asking memcached again (the cross-instance lock still
 * decides between processes).
 */
export class SingleFlight {
  readonly #flights = new Map<string, Promise<void>>();

  /** The regeneration in progress for `key`, if any. */
  current(key: string): Promise<void> | undefined {
    return this.#flights.get(key);
  }

  /**
   * Registers this caller as the regenerator of `key`; the returned function ends the flight and
   * must be called exactly once, whatever happens.
   */
  lead(key: string): () => void {
    let done!: () => void;
    const flight = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#flights.set(key, flight);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
      done();
    };
  }
}
