/** One stored item as a backend reads it back. */
export interface BackendItem {
  /** The stored bytes. */
  readonly value: Buffer;
  /** Token for {@link CacheBackend.set}'s `cas` option: the write succeeds only over this copy. */
  readonly cas: string;
  /** Whole seconds until the item expires; -1 when it never does. */
  readonly ttl: number;
}

/** Outcome of a write: `exists` and `not_found` are CAS outcomes, `not_stored` an `add` that lost. */
export type BackendWriteStatus = 'stored' | 'exists' | 'not_found' | 'not_stored';

/** What {@link CacheBackend.set} did, with the new CAS token when it stored. */
export interface BackendWriteResult {
  readonly status: BackendWriteStatus;
  /** The stored copy's CAS token (`undefined` unless `status` is `stored`). */
  readonly cas: string | undefined;
}

/** Options of {@link CacheBackend.set}. */
export interface BackendSetOptions {
  /** `add` stores only when the key is absent. @default 'set' */
  readonly mode?: 'set' | 'add';
  /** Store only over the copy that had this token (compare-and-set). @default none */
  readonly cas?: string | undefined;
}

/** Options of {@link CacheBackend.increment}. */
export interface BackendIncrementOptions {
  /** A missing counter is created holding this value (not `initial + delta`); without it a miss stays a miss. @default none */
  readonly initial?: number | undefined;
  /** TTL in seconds of a counter created from `initial` (0: never expires). @default 0 */
  readonly ttl?: number | undefined;
}

/** A counter after an increment. */
export interface BackendCounter {
  /** The counter's new value. */
  readonly value: number;
  /** Whole seconds until it expires; -1 when it never does. */
  readonly ttl: number;
}

/** Options of {@link CacheBackend.fetchForRecache}. */
export interface BackendRecacheOptions {
  /** On a miss, create an empty placeholder for this many seconds and hand the win to exactly one caller. @default none */
  readonly lockTtl?: number | undefined;
  /** The first caller to see fewer than this many seconds left wins a refresh. @default none */
  readonly recacheBelow?: number | undefined;
}

/** An item read by {@link CacheBackend.fetchForRecache}, with the stampede flags. */
export interface BackendRecacheItem {
  /** The stored bytes (empty for a placeholder created by `lockTtl`). */
  readonly value: Buffer;
  /** Whole seconds until it expires; -1 when it never does. */
  readonly ttl: number;
  /** This caller won the right to regenerate the item. */
  readonly won: boolean;
  /** Another caller already won it. */
  readonly alreadyWon: boolean;
  /** The item was marked stale by {@link CacheBackend.markStale}. */
  readonly stale: boolean;
}

/** What a backend can do beyond the common contract, so middleware can adapt to it. */
export interface BackendCapabilities {
  /** Longest key in bytes the backend accepts (memcached: 250). */
  readonly maxKeyBytes: number;
  /** Whether keys may contain spaces, control characters and non-ASCII (Redis: yes). */
  readonly binaryKeys: boolean;
  /** Whether `get`/`getMulti` of keys on several servers is one round trip per server. */
  readonly pipelinedMultiGet: boolean;
  /** Whether one round trip can mark an item stale and hand the refresh to one caller (`fetchForRecache`/`markStale`). */
  readonly staleWhileRevalidate: boolean;
}

/**
 * The storage operations memkit's middleware needs, with one meaning on every backend: TTLs are
 * whole seconds (0 = never expires), a miss is `null`, lost races are return values, and every
 * failure is a `MemcachedError` subclass (so an outage looks the same on every backend).
 *
 * Implemented by `MemcachedBackend` (the default, over a `MemcachedClient`) and by
 * `RedisBackend` from `@memkit/core/redis` (over ioredis). Backends never close what they wrap:
 * the caller owns the client.
 */
export interface CacheBackend {
  /** `'memcached'` or `'redis'`, for logs and metrics. */
  readonly kind: string;
  /** What this backend offers beyond the common contract. */
  readonly capabilities: BackendCapabilities;
  /** Reads one item with its CAS token and remaining TTL; `null` on a miss. */
  get(key: string): Promise<BackendItem | null>;
  /** Reads many values at once; misses are absent from the map. */
  getMulti(keys: readonly string[]): Promise<Map<string, Buffer>>;
  /** Stores a value for `ttl` seconds; see {@link BackendSetOptions} for `add` and CAS. */
  set(
    key: string,
    value: string | Buffer,
    ttl: number,
    options?: BackendSetOptions,
  ): Promise<BackendWriteResult>;
  /** Removes a key; false when it did not exist. */
  delete(key: string): Promise<boolean>;
  /** Gives an item a new TTL without rewriting it; false when it does not exist. */
  touch(key: string, ttl: number): Promise<boolean>;
  /**
   * Adds `delta` to a counter in one atomic step, creating it from `options.initial` with
   * `options.ttl`; `null` when it is missing and no `initial` was given.
   */
  increment(
    key: string,
    delta: number,
    options?: BackendIncrementOptions,
  ): Promise<BackendCounter | null>;
  /** Subtracts `delta` from a counter, not below zero; `null` when it is missing. */
  decrement(key: string, delta: number): Promise<number | null>;
  /**
   * Moves a namespace version past every earlier one and returns it. A missing version is
   * created at the current Unix time, so an evicted version never brings old entries back.
   */
  bumpVersion(key: string): Promise<number>;
  /** Reads an item with the stampede flags (see {@link BackendRecacheOptions}); `null` on a miss. */
  fetchForRecache(key: string, options: BackendRecacheOptions): Promise<BackendRecacheItem | null>;
  /** Keeps an item's bytes but marks it stale: the next `fetchForRecache` hands the refresh to one caller. */
  markStale(key: string): Promise<boolean>;

  // --- Added for the session store and rate limiter (issue #13): their fast paths, in core. ---

  /**
   * Reads an item and gives it a new TTL in the same step (memcached's `mg v c t T`, one round
   * trip, no rewrite): sliding expiry. The returned `ttl` is the new one; `null` on a miss
   * (nothing is created).
   */
  getAndTouch(key: string, ttl: number): Promise<BackendItem | null>;
  /**
   * Reads a namespace version written by {@link CacheBackend.bumpVersion}; `undefined` when it
   * is missing (never bumped, or evicted) or does not hold a version.
   */
  readVersion(key: string): Promise<number | undefined>;
}
