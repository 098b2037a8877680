import type { Algorithm, Backend, Verdict } from './algorithm.js';
import { incrementCounter, readCounter } from './counters.js';

/**
 * Fixed window: one counter per key that lives `windowSeconds` from its first hit. A consume is
 * one meta `ma` (create-with-TTL and add in one step), so there is no read-then-write race and
 * the reset time comes back with the count. Denied hits are counted too: they cannot extend the
 * window, and counting them is what keeps the decision to one round trip.
 */
export class FixedWindow implements Algorithm {
  readonly #limit: number;
  readonly #windowSeconds: number;

  constructor(limit: number, windowSeconds: number) {
    this.#limit = limit;
    this.#windowSeconds = windowSeconds;
  }

  async consume(backend: Backend, key: string, cost: number): Promise<Verdict> {
    const { value, ttlSeconds } = await incrementCounter(backend, key, cost, this.#windowSeconds);
    return this.#verdict(value, ttlSeconds, value <= this.#limit);
  }

  async peek(backend: Backend, key: string): Promise<Verdict> {
    const state = await readCounter(backend, key);
    if (state === null) return this.#verdict(0, this.#windowSeconds, true);
    return this.#verdict(state.value, state.ttlSeconds, state.value < this.#limit);
  }

  async refund(backend: Backend, key: string, cost: number): Promise<void> {
    await backend.decrement(key, cost);
  }

  storageKeys(key: string): string[] {
    return [key];
  }

  #verdict(count: number, ttlSeconds: number, allowed: boolean): Verdict {
    // memcached reports a counter without expiry as -1 and one in its last second as 0.
    const reset = ttlSeconds < 0 ? this.#windowSeconds : Math.max(1, ttlSeconds);
    return {
      allowed,
      limit: this.#limit,
      remaining: Math.max(0, this.#limit - count),
      resetSeconds: reset,
      retryAfterSeconds: allowed ? 0 : reset,
      degraded: false,
    };
  }
}
