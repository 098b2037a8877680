/**
 * Keyv's TTL in milliseconds as memcached's whole seconds, rounded up so an entry never expires
 * before Keyv's own deadline (@keyv/memcache rounds down, so 500 ms became "never expire").
 * `undefined` and 0 mean no expiry; the 30-day rule (longer TTLs sent as an absolute time) is the
 * client's, in core.
 * @throws RangeError when `ttlMs` is negative or not a finite number.
 */
export function ttlSeconds(ttlMs: number | undefined): number {
  if (ttlMs === undefined || ttlMs === 0) return 0;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new RangeError(
      `Invalid ttl: expected a non-negative number of milliseconds, got ${String(ttlMs)}.`,
    );
  }
  return Math.ceil(ttlMs / 1000);
}
