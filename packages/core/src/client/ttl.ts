/**
 * memcached reads an expiration over 30 days as an absolute Unix time, so a relative TTL of 31
 * days would land in 1970 and expire at once. TTLs above this are converted to absolute times.
 */
export const MAX_RELATIVE_TTL = 60 * 60 * 24 * 30;

/**
 * Turns a TTL in seconds (0 = no expiry) into memcached's exptime field.
 * @throws RangeError when `ttl` is not a non-negative integer.
 */
export function toExptime(ttl: number | undefined, nowMs?: number): number {
  if (ttl === undefined || ttl === 0) return 0;
  if (!Number.isInteger(ttl) || ttl < 0) {
    throw new RangeError(`Invalid ttl: expected a non-negative integer of seconds, got ${ttl}.`);
  }
  // The clock is read only for the rare long TTL: a default parameter would read it every call.
  return ttl > MAX_RELATIVE_TTL ? Math.floor((nowMs ?? Date.now()) / 1000) + ttl : ttl;
}
