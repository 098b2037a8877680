import type { RateLimitResult } from '../rate-limit-result.js';
import type { Backend } from './backend.js';

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
