import { createHash } from 'node:crypto';

/**
 * A digest of what a session holds, ignoring the cookie fields that move on every request
 * (`expires`, `maxAge`, @fastify/session's `originalExpires`), with express-session's
 * `originalMaxAge` compared in whole seconds: express-session recomputes it from the clock, so
 * it drifts by a millisecond now and then, while a deliberate change (a "remember me" maxAge)
 * still counts. Two sessions with the same fingerprint need no rewrite, only a touch.
 * Kept as a digest so remembered reads cost 64 bytes each whatever the session's size.
 */
export function sessionFingerprint(session: object): string {
  const text = JSON.stringify(session, function (this: unknown, key, value: unknown) {
    if (this === session && key === 'cookie' && value !== null && typeof value === 'object') {
      const {
        expires: _e,
        maxAge: _m,
        _expires: _x,
        originalExpires: _o,
        originalMaxAge,
        ...rest
      } = value as Record<string, unknown>;
      return typeof originalMaxAge === 'number'
        ? { ...rest, originalMaxAge: Math.round(originalMaxAge / 1000) }
        : { ...rest, originalMaxAge };
    }
    return value;
  });
  return createHash('sha256')
    .update(text ?? '')
    .digest('hex');
}
