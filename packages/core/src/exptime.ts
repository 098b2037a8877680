/**
 * memcached reads an exptime over 30 days (2,592,000 s) as an absolute Unix time, so a relative
 * TTL of 31 days sent as is would land in 1970 and expire at once. This is the one place that
 * rule lives: every TTL memkit sends (text commands, meta `T`/`N` flags, backends, middleware)
 * goes through {@link toExptime}.
 */
export const MAX_RELATIVE_TTL_SECONDS = 60 * 60 * 24 * 30;

/**
 * Turns a TTL in seconds into memcached's exptime field: 0 (or `undefined`) never expires, a
 * negative TTL expires the item at once (sent as -1, as memcached reads it), a TTL over 30 days
 * becomes the absolute Unix time `now + ttl`.
 * @throws RangeError when `ttl` is not an integer.
 * @example
 * toExptime(60); // 60
 * toExptime(31 * 86_400); // Math.floor(Date.now() / 1000) + 2_678_400
 */
export function toExptime(ttl: number | undefined, nowMs?: number): number {
  if (ttl === undefined || ttl === 0) return 0;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl)) {
    throw new RangeError(`Invalid ttl: expected an integer of seconds, got ${String(ttl)}.`);
  }
  if (ttl < 0) return -1;
  // The clock is read only for the rare long TTL: a default parameter would read it every call.
  return ttl > MAX_RELATIVE_TTL_SECONDS ? Math.floor((nowMs ?? Date.now()) / 1000) + ttl : ttl;
}
