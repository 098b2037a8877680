/**
 * memcached reads an expiration over 30 days as an absolute Unix time, so a relative 31-day TTL
 * would land in 1970 and expire at once (connect-memcached's bug). Meta commands take raw `T`
 * tokens, so the conversion the client does for `set` is done here for them.
 */
const MAX_RELATIVE_TTL = 60 * 60 * 24 * 30;

/** memcached's exptime for a TTL in seconds. */
export function exptime(ttl: number, nowMs: number = Date.now()): number {
  return ttl > MAX_RELATIVE_TTL ? Math.floor(nowMs / 1000) + ttl : ttl;
}
