/** The outcome of {@link RateLimiter.consume} or {@link RateLimiter.get} for one key. */
export interface RateLimitResult {
  /** Whether this request may proceed. */
  allowed: boolean;
  /** Units allowed per window. */
  limit: number;
  /** Units left in the current window after this request (never negative). */
  remaining: number;
  /** Seconds until the window resets (GCRA: until the bucket is full again). */
  resetSeconds: number;
  /** Seconds to wait before retrying; 0 when allowed. */
  retryAfterSeconds: number;
  /** True when memcached failed and the answer came from the fallback (or fail-open). */
  degraded: boolean;
}
