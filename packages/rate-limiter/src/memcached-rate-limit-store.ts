import type { MemcachedClient } from '@memkit/core';
import { MemcachedBackend } from './internal/memcached-backend.js';
import { createClient, sharedClient } from './internal/shared-client.js';
import { storageKey } from './internal/storage-key.js';

/** Options of {@link MemcachedRateLimitStore}. */
export interface MemcachedRateLimitStoreOptions {
  /** A client the caller owns; never closed by the store. @default a shared client */
  client?: MemcachedClient;
  /** Servers for a client the store creates and closes on `shutdown()`. @default none */
  servers?: string | string[];
  /** Prefix of every key the store writes. @default 'erl:' */
  prefix?: string;
}

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
  readonly #client: MemcachedClient;
  readonly #ownsClient: boolean;
  readonly #backend: MemcachedBackend;
  #windowSeconds = 60;

  /** @throws RangeError on an unknown or invalid option. */
  constructor(options: MemcachedRateLimitStoreOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== 'client' && key !== 'servers' && key !== 'prefix') {
        throw new RangeError(
          `Invalid option "${key}": unknown option. Known options: client, servers, prefix.`,
        );
      }
    }
    if (options.client !== undefined && options.servers !== undefined) {
      throw new RangeError(
        'Invalid option "servers": pass either "client" (you own it) or "servers" (we create one), not both.',
      );
    }
    const prefix = options.prefix ?? 'erl:';
    if (typeof prefix !== 'string' || !/^[\x21-\x7e]{0,64}$/.test(prefix)) {
      throw new RangeError(
        `Invalid option "prefix": expected up to 64 printable ASCII characters without spaces, got ${String(prefix)}.`,
      );
    }
    this.prefix = prefix;
    this.#ownsClient = options.client === undefined && options.servers !== undefined;
    this.#client =
      options.client ??
      (options.servers !== undefined ? createClient(options.servers) : sharedClient());
    this.#backend = new MemcachedBackend(this.#client);
  }

  /** Called by express-rate-limit with its options; the window becomes the counters' TTL. */
  init(options: StoreInitOptions): void {
    // memcached TTLs are whole seconds; rounding up never shortens a window.
    this.#windowSeconds = Math.max(1, Math.ceil(options.windowMs / 1000));
  }

  /** Counts one hit, creating the counter on the first. One round trip. */
  async increment(key: string): Promise<StoreHitInfo> {
    const { value, ttlSeconds } = await this.#backend.increment(
      this.#key(key),
      1,
      this.#windowSeconds,
    );
    return { totalHits: value, resetTime: this.#resetTime(ttlSeconds) };
  }

  /** Takes one hit back (skipFailedRequests / skipSuccessfulRequests). */
  async decrement(key: string): Promise<void> {
    await this.#backend.decrement(this.#key(key), 1);
  }

  /** The current count and reset time, or `undefined` when the key has no hits. */
  async get(key: string): Promise<StoreHitInfo | undefined> {
    const state = await this.#backend.readCounter(this.#key(key));
    if (state === null) return undefined;
    return { totalHits: state.value, resetTime: this.#resetTime(state.ttlSeconds) };
  }

  /** Forgets a key's hits. */
  async resetKey(key: string): Promise<void> {
    await this.#backend.delete([this.#key(key)]);
  }

  /** Closes the client if the store created it from `servers`. */
  async shutdown(): Promise<void> {
    if (this.#ownsClient) await this.#client.close();
  }

  #key(key: string): string {
    return storageKey(this.prefix, key);
  }

  #resetTime(ttlSeconds: number): Date {
    const seconds = ttlSeconds < 0 ? this.#windowSeconds : ttlSeconds;
    return new Date(Date.now() + seconds * 1000);
  }
}
