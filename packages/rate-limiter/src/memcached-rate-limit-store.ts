import {
  type CacheBackend,
  checkOptionKeys,
  keyPrefixOption,
  type MemcachedClient,
  type ResolvedBackend,
  resolveBackend,
  type ServerList,
} from '@memkit/core';
import { incrementCounter, readCounter } from './internal/counters.js';
import { storageKey } from './internal/storage-key.js';

/** Options of {@link MemcachedRateLimitStore}. */
export interface MemcachedRateLimitStoreOptions {
  /** A client the caller owns; never closed by the store. @default none (see `servers`) */
  client?: MemcachedClient | undefined;
  /** Servers for a client the store creates and closes on `shutdown()`. @default `MEMCACHED_SERVERS` or `127.0.0.1:11211` */
  servers?: ServerList | undefined;
  /** Where counters live instead of memcached, e.g. a `RedisBackend`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend | undefined;
  /** Prefix of every key the store writes. @default 'erl:' */
  keyPrefix?: string | undefined;
}

const KNOWN_KEYS: Record<keyof MemcachedRateLimitStoreOptions, true> = {
  client: true,
  servers: true,
  backend: true,
  keyPrefix: true,
};

/** What express-rate-limit passes to `init` (only the field the store reads). */
export interface StoreInitOptions {
  windowMs: number;
}

/** express-rate-limit's hit count and reset time for a key. */
export interface StoreHitInfo {
  totalHits: number;
  resetTime: Date | undefined;
}

/**
 * A store for express-rate-limit (v7 and v8) on memcached, for teams that keep that library.
 * Each hit is one meta `ma` round trip that creates the counter with the window as TTL and
 * returns the count and remaining TTL, so concurrent first hits never overwrite each other.
 *
 * @example
 * app.use(rateLimit({ windowMs: 60_000, limit: 100, store: new MemcachedRateLimitStore({ client }) }));
 */
export class MemcachedRateLimitStore {
  /** Prefix express-rate-limit uses to tell stores apart in its double-count check. */
  readonly prefix: string;
  /** Counts are shared across processes. */
  readonly localKeys = false;
  readonly #storage: ResolvedBackend;
  #windowSeconds = 60;

  /** @throws MemcachedInvalidOptionError on an unknown or invalid option. */
  constructor(options: MemcachedRateLimitStoreOptions = {}) {
    const o = checkOptionKeys(options, KNOWN_KEYS);
    this.prefix = keyPrefixOption('keyPrefix', o.keyPrefix ?? 'erl:', 64);
    this.#storage = resolveBackend(o);
  }

  /** Called by express-rate-limit with its options; the window becomes the counters' TTL. */
  init(options: StoreInitOptions): void {
    // memcached TTLs are whole seconds; rounding up never shortens a window.
    this.#windowSeconds = Math.max(1, Math.ceil(options.windowMs / 1000));
  }

  /** Counts one hit, creating the counter on the first. One round trip. */
  async increment(key: string): Promise<StoreHitInfo> {
    const { value, ttlSeconds } = await incrementCounter(
      this.#storage.backend,
      this.#key(key),
      1,
      this.#windowSeconds,
    );
    return { totalHits: value, resetTime: this.#resetTime(ttlSeconds) };
  }

  /** Takes one hit back (skipFailedRequests / skipSuccessfulRequests). */
  async decrement(key: string): Promise<void> {
    await this.#storage.backend.decrement(this.#key(key), 1);
  }

  /** The current count and reset time, or `undefined` when the key has no hits. */
  async get(key: string): Promise<StoreHitInfo | undefined> {
    const state = await readCounter(this.#storage.backend, this.#key(key));
    if (state === null) return undefined;
    return { totalHits: state.value, resetTime: this.#resetTime(state.ttlSeconds) };
  }

  /** Forgets a key's hits. */
  async resetKey(key: string): Promise<void> {
    await this.#storage.backend.delete(this.#key(key));
  }

  /** Closes the client if the store created it from `servers`. */
  async shutdown(): Promise<void> {
    await this.#storage.close();
  }

  #key(key: string): string {
    return storageKey(this.prefix, key);
  }

  #resetTime(ttlSeconds: number): Date {
    const seconds = ttlSeconds < 0 ? this.#windowSeconds : ttlSeconds;
    return new Date(Date.now() + seconds * 1000);
  }
}
