import type { Algorithm, Backend, Verdict } from './algorithm.js';
import { incrementCounter, readCounter } from './counters.js';

/**
 * Sliding window (Cloudflare's approximation): the current aligned window's count plus the
 * previous window's count weighted by how much of it still overlaps the sliding window. The
 * increment and the read of the previous window go out together (one round trip of latency).
 * The increment comes first, so concurrent requests see distinct counts and exactly the allowed
 * number pass; a denied request gives its units back so it does not hold the next window down.
 */
export class SlidingWindow implements Algorithm {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windowSeconds: number;
  readonly #now: () => number;

  constructor(limit: number, windowSeconds: number, now: () => number) {
    this.#limit = limit;
    this.#windowSeconds = windowSeconds;
    this.#windowMs = windowSeconds * 1000;
    this.#now = now;
  }

  async consume(backend: Backend, key: string, cost: number): Promise<Verdict> {
    const now = this.#now();
    const index = Math.floor(now / this.#windowMs);
    const currentKey = `${key}:${index}`;
    // Two windows of TTL: the counter is still needed as "previous" during the next window.
    const [current, previous] = await Promise.all([
      incrementCounter(backend, currentKey, cost, 2 * this.#windowSeconds),
      readCounter(backend, `${key}:${index - 1}`),
    ]);
    const previousCount = previous?.value ?? 0;
    const elapsed = (now - index * this.#windowMs) / this.#windowMs;
    const weighted = previousCount * (1 - elapsed) + current.value;
    if (weighted <= this.#limit) {
      return this.#verdict(true, weighted, now, index, 0);
    }
    await backend.decrement(currentKey, cost);
    const retryMs = this.#retryMs(previousCount, current.value - cost, cost, elapsed);
    return this.#verdict(false, weighted, now, index, retryMs);
  }

  async peek(backend: Backend, key: string): Promise<Verdict> {
    const now = this.#now();
    const index = Math.floor(now / this.#windowMs);
    const [current, previous] = await Promise.all([
      readCounter(backend, `${key}:${index}`),
      readCounter(backend, `${key}:${index - 1}`),
    ]);
    const elapsed = (now - index * this.#windowMs) / this.#windowMs;
    const weighted = (previous?.value ?? 0) * (1 - elapsed) + (current?.value ?? 0);
    return this.#verdict(weighted + 1 <= this.#limit, weighted, now, index, 0);
  }

  async refund(backend: Backend, key: string, cost: number): Promise<void> {
    const index = Math.floor(this.#now() / this.#windowMs);
    await backend.decrement(`${key}:${index}`, cost);
  }

  storageKeys(key: string): string[] {
    const index = Math.floor(this.#now() / this.#windowMs);
    return [`${key}:${index}`, `${key}:${index - 1}`];
  }

  /** Time until `cost` more units fit, as the previous window's weight decays. */
  #retryMs(previous: number, current: number, cost: number, elapsed: number): number {
    const w = this.#windowMs;
    const room = this.#limit - current - cost;
    if (room >= 0 && previous > 0) {
      // previous * (1 - e) <= room  =>  e >= 1 - room / previous
      const e = 1 - room / previous;
      if (e <= 1) return Math.max(0, (e - elapsed) * w);
    }
    // Not within this window: in the next one, today's count becomes the weighted previous.
    const nextRoom = this.#limit - cost;
    const e = current > 0 ? Math.max(0, 1 - nextRoom / current) : 0;
    return (1 - elapsed) * w + Math.min(1, e) * w;
  }

  #verdict(
    allowed: boolean,
    weighted: number,
    now: number,
    index: number,
    retryMs: number,
  ): Verdict {
    return {
      allowed,
      limit: this.#limit,
      remaining: Math.max(0, Math.floor(this.#limit - weighted)),
      resetSeconds: Math.max(1, Math.ceil(((index + 1) * this.#windowMs - now) / 1000)),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
      degraded: false,
    };
  }
}
