import type { SessionTtlFunction, StoredSession } from '../options.js';

/**
 * Seconds a session should live from `nowMs`: the cookie's `expires` (absolute, wins as in
 * express-session), else its `maxAge`, else the store's `ttl`. Never below 1: a cookie that has
 * already expired still gets a one-second item rather than memcached's "0 = never expires".
 */
export function sessionTtl(
  session: StoredSession,
  ttl: number | SessionTtlFunction,
  nowMs: number = Date.now(),
): number {
  const cookie = session.cookie;
  if (cookie && typeof cookie === 'object') {
    const expires = cookie.expires;
    if (expires !== undefined && expires !== null) {
      const at = expires instanceof Date ? expires.getTime() : Date.parse(String(expires));
      if (Number.isFinite(at)) return Math.max(1, Math.ceil((at - nowMs) / 1000));
    }
    const maxAge = cookie.maxAge ?? cookie.originalMaxAge;
    if (typeof maxAge === 'number' && Number.isFinite(maxAge)) {
      return Math.max(1, Math.ceil(maxAge / 1000));
    }
  }
  const seconds = typeof ttl === 'function' ? ttl(session) : ttl;
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new RangeError(
      `Invalid option "ttl": expected a positive integer of seconds, got ${seconds}.`,
    );
  }
  return seconds;
}

/**
 * Whether an unmodified session is due a touch: only when it would push the expiry memcached
 * already holds (`currentExpiresAtMs`, learnt from the read) later by at least `touchAfter`
 * seconds. Unknown current expiry means touch, since skipping could let the session lapse.
 */
export function touchIsDue(
  newTtl: number,
  currentExpiresAtMs: number | undefined,
  touchAfter: number | undefined,
  nowMs: number = Date.now(),
): boolean {
  if (currentExpiresAtMs === undefined) return true;
  const after = touchAfter ?? Math.floor(newTtl / 10);
  return nowMs + newTtl * 1000 - currentExpiresAtMs >= after * 1000;
}
