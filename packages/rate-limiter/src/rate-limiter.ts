import { createHash } from 'node:crypto';
import { annotateActiveSpan, type ResolvedBackend, resolveBackend } from '@memkit/core';
import type { Algorithm, Backend, Verdict } from './internal/algorithm.js';
import { FixedWindow } from './internal/fixed-window.js';
import { Gcra } from './internal/gcra.js';
import { MemoryBackend } from './internal/memory-backend.js';
import { isOutage } from './internal/outage-error.js';
import { claimPrefix, releasePrefix } from './internal/prefix-registry.js';
import { SlidingWindow } from './internal/sliding-window.js';
import { storageKey } from './internal/storage-key.js';
import {
  DEFAULT_RATE_LIMITER_OPTIONS,
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
  /**
   * The prefix of every key this limiter writes: `keyPrefix` when given, else `rl:` plus the
   * settings, then a hash of `scope` when there is one.
   */
  readonly storagePrefix: string;
  readonly #algorithm: Algorithm;
  readonly #storage: ResolvedBackend;
  readonly #memcached: Backend;
  readonly #fallback: MemoryBackend | undefined;
  #inOutage = false;
  #closed = false;

  /**
   * @throws MemcachedInvalidOptionError on an unknown or invalid option, or an explicit
   * `keyPrefix` a live limiter with other settings already counts under.
   */
  constructor(options: RateLimiterOptions) {
    const o = resolveRateLimiterOptions(options);
    this.options = o;
    this.#algorithm =
      o.algorithm === 'gcra'
        ? new Gcra(o.limit, o.windowSeconds, o.burst, o.now)
        : o.algorithm === 'sliding-window'
          ? new SlidingWindow(o.limit, o.windowSeconds, o.now)
          : new FixedWindow(o.limit, o.windowSeconds);
    const settings = `${o.algorithm} limit=${o.limit} windowSeconds=${o.windowSeconds}${o.algorithm === 'gcra' ? ` burst=${o.burst}` : ''}`;
    const scope =
      o.scope === undefined
        ? ''
        : `${createHash('sha256').update(o.scope).digest('base64url').slice(0, 12)}:`;
    const base =
      o.keyPrefix ??
      `${DEFAULT_RATE_LIMITER_OPTIONS.keyPrefix}${o.algorithm[0]}${o.limit}-${o.windowSeconds}${o.algorithm === 'gcra' ? `-${o.burst}` : ''}:`;
    this.storagePrefix = base + scope;
    // Checked before a client is created, so a refused limiter leaves nothing open.
    if (o.keyPrefix !== undefined) claimPrefix(this.storagePrefix, settings, this);
    this.#storage = resolveBackend(o);
    this.#memcached = this.#storage.backend;
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
    await Promise.all(keys.map((k) => this.#fallback?.delete(k)));
    await Promise.all(keys.map((k) => this.#memcached.delete(k)));
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
    releasePrefix(this.storagePrefix, this);
    await this.#storage.close();
  }

  #key(key: string): string {
    if (typeof key !== 'string' || key.length === 0) {
      throw new RangeError(`Invalid key: expected a non-empty string, got ${String(key)}.`);
    }
    return storageKey(this.storagePrefix, key);
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
      'rate limiter: storage unavailable, failing open',
    );
  }

  #recovered(): void {
    this.#inOutage = false;
    this.options.logger?.info?.({}, 'rate limiter: storage is back');
  }
}
