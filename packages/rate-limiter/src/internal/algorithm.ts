import type { CacheBackend } from '@memkit/core';
import type { RateLimitResult } from '../rate-limit-result.js';

/**
 * The part of core's `CacheBackend` the algorithms count with: memcached and Redis through
 * core's backends (every TTL through core's exptime rule), and the in-memory fallback.
 */
export type Backend = Pick<CacheBackend, 'get' | 'set' | 'increment' | 'decrement' | 'delete'>;

/** A decision; algorithms answer `degraded: false` and the engine marks fallback answers. */
export type Verdict = RateLimitResult;

/** One counting strategy over a {@link Backend}; `key` is already a full storage key. */
export interface Algorithm {
  /** Counts `cost` units and decides, atomically across every process sharing the backend. */
  consume(backend: Backend, key: string, cost: number): Promise<Verdict>;
  /** The state a 1-unit request would see, without counting it. */
  peek(backend: Backend, key: string): Promise<Verdict>;
  /** Gives back `cost` units counted earlier (skipFailedRequests and friends). */
  refund(backend: Backend, key: string, cost: number): Promise<void>;
  /** Every storage key the algorithm may hold for `key`, for reset. */
  storageKeys(key: string): string[];
}
