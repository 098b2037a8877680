import {
  annotateActiveSpan,
  MemcachedBackend as CoreMemcachedBackend,
  type MemcachedClient,
} from '@memkit/core';
import type { Algorithm, Verdict } from './internal/algorithm.js';
import type { Backend } from './internal/backend.js';
import { CacheBackendAdapter } from './internal/cache-backend-adapter.js';
import { FixedWindow } from './internal/fixed-window.js';
import { Gcra } from './internal/gcra.js';
import { MemcachedBackend } from './internal/memcached-backend.js';
import { MemoryBackend } from './internal/memory-backend.js';
import { isOutage } from './internal/outage-error.js';
import { createClient, sharedClient } from './internal/shared-client.js';
import { SlidingWindow } from './internal/sliding-window.js';
import { storageKey } from './internal/storage-key.js';
import {
  type RateLimiterOptions,
  type ResolvedRateLimiterOptions,
  resolveRateLimiterOptions,
} from './options.js';
import type { RateLimitResult } from './rate-limit-result.js';

/**
 * The framework-free rate limiter: counts hits per key in memcached (or in any core
 * `CacheBackend`, e.g. Redis through `backend`), atomically across every process sharing it.
 *
 * @example
 * const limiter = new RateLimiter({ limit: 100, windowSeconds: 3600 });
 * const { allowed, retryAfterSeconds } = await limiter.consume(`login:${ip}`);
 */
export class RateLimiter {
  /** The resolved options, frozen. */
  readonly options: ResolvedRateLimiterOptions;
  readonly #algorithm: Algorithm;
  readonly #client: MemcachedClient | undefined;
  readonly #ownsClient: boolean;
  readonly #memcached: Backend;
  readonly #fallback: MemoryBackend | undefined;
  #inOutage = false;
  #closed = false;

  /** @throws RangeError on an unknown or invalid option. */
  constructor(options: RateLimiterOptions) {
    const o = resolveRateLimiterOptions(options);
    this.options = o;
    this.#algorithm =
      o.algorithm === 'gcra'
        ? new Gcra(o.limit, o.windowSeconds, o.burst, o.now)
        : o.algorithm === 'sliding-window'
          ? new SlidingWindow(o.limit, o.windowSeconds, o.now)
          : new FixedWindow(o.limit, o.windowSeconds);
    this.#ownsClient = o.client === undefined && o.servers !== undefined;
    // A core MemcachedBackend is unwrapped to its client: memcached keeps its own fast path
    // (cached meta flags, one `ma` per hit), whichever way it was handed in.
    const client = o.backend instanceof CoreMemcachedBackend ? o.backend.client : o.client;
    if (o.backend !== undefined && client === undefined) {
      this.#client = undefined;
      this.#memcached = new CacheBackendAdapter(o.backend);
    } else {
      this.#client = client ?? (o.servers !== undefined ? createClient(o.servers) : sharedClient());
      this.#memcached = new MemcachedBackend(this.#client);
    }
    this.#fallback =
      o.failOpen && o.fallback ? new MemoryBackend(o.now, o.fallbackMaxKeys) : undefined;
  }

  /**
   * Counts `cost` units for `key` and says whether the request may proceed (`is_allowed`).
   * When memcached fails: with `failOpen` the in-memory fallback decides (or, without a
   * fallback, the request is allowed); otherwise the `MemcachedError` is thrown.
   * @throws RangeError when `cost` is not a positive integer.
   */
  async consume(key: string, cost = 1): Promise<RateLimitResult> {
    if (!Number.isSafeInteger(cost) || cost < 1) {
      throw new RangeError(`Invalid cost: expected a positive integer, got ${String(cost)}.`);
    }
    const k = this.#key(key);
    const result = await this.#withFallback(
      (backend) => this.#algorithm.consume(backend, k, cost),
      () => this.#allowAll(cost),
    );
    // The decision as an attribute of the request's span (OpenTelemetry via @memkit/core/otel).
    annotateActiveSpan({ 'memkit.ratelimit.remaining': result.remaining });
    return result;
  }

  /** The state of `key` without counting anything (`get_remaining`). */
  async get(key: string): Promise<RateLimitResult> {
    const k = this.#key(key);
    return this.#withFallback(
      (backend) => this.#algorithm.peek(backend, k),
      () => this.#allowAll(0),
    );
  }

  /** Forgets everything counted for `key` (`reset_limit`). */
  async reset(key: string): Promise<void> {
    const keys = this.#algorithm.storageKeys(this.#key(key));
    await this.#fallback?.delete(keys);
    await this.#memcached.delete(keys);
  }

  /**
   * Gives back `cost` units counted for `key`, e.g. for a request that failed and should not
   * count. A counter that already expired is left alone.
   */
  async refund(key: string, cost = 1): Promise<void> {
    const k = this.#key(key);
    try {
      await this.#algorithm.refund(this.#memcached, k, cost);
    } catch (error) {
      if (!isOutage(error)) throw error;
      if (this.#fallback !== undefined) await this.#algorithm.refund(this.#fallback, k, cost);
    }
  }

  /** Closes the client if the limiter created it from `servers`; a caller's client stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) await this.#client?.close();
  }

  #key(key: string): string {
    if (typeof key !== 'string' || key.length === 0) {
      throw new RangeError(`Invalid key: expected a non-empty string, got ${String(key)}.`);
    }
    return storageKey(this.options.prefix, key);
  }

  async #withFallback(
    op: (backend: Backend) => Promise<Verdict>,
    openVerdict: () => Verdict,
  ): Promise<RateLimitResult> {
    try {
      const verdict = await op(this.#memcached);
      if (this.#inOutage) this.#recovered();
      return verdict;
    } catch (error) {
      if (!isOutage(error) || !this.options.failOpen) throw error;
      this.#outage(error);
      const verdict = this.#fallback === undefined ? openVerdict() : await op(this.#fallback);
      verdict.degraded = true;
      return verdict;
    }
  }

  #allowAll(cost: number): Verdict {
    const o = this.options;
    return {
      allowed: true,
      limit: o.limit,
      remaining: Math.max(0, o.limit - cost),
      resetSeconds: o.windowSeconds,
      retryAfterSeconds: 0,
      degraded: true,
    };
  }

  #outage(error: Error): void {
    if (this.#inOutage) return;
    this.#inOutage = true;
    this.options.logger?.warn(
      { err: error, fallback: this.#fallback === undefined ? 'allow' : 'memory' },
      'rate limiter: memcached unavailable, failing open',
    );
  }

  #recovered(): void {
    this.#inOutage = false;
    this.options.logger?.info?.({}, 'rate limiter: memcached is back');
  }
}
