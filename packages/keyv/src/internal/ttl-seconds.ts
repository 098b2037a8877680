/**
 * Keyv's TTL in milliseconds as memcached's whole seconds, rounded up so an entry never expires
 * before Keyv's own deadline (@keyv/memcache rounds down, so 500 ms became "never expire").
 * `undefined` and 0 mean no expiry; a negative TTL stays negative, which core's `toExptime`
 * sends as "expired at once", as memcached reads it. The 30-day rule (longer TTLs sent as an
 * absolute time) is core's too: the client applies `toExptime` to every TTL it sends.
 * @throws RangeError when `ttlMs` is not a finite number.
 */
export function ttlSeconds(ttlMs: number | undefined): number {
  if (ttlMs === undefined || ttlMs === 0) return 0;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs)) {
    throw new RangeError(
      `Invalid ttl: expected a finite number of milliseconds, got ${String(ttlMs)}.`,
    );
  }
  // Math.ceil(-0.5) is -0, which memcached would read as "never expires".
  return ttlMs < 0 ? -1 : Math.ceil(ttlMs / 1000);
}
