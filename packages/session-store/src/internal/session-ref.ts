import { createHash } from 'node:crypto';

/**
 * A short, stable stand-in for a session id in errors and logs. The id itself is a bearer
 * credential: whoever reads it from a log can use the session.
 */
export function sessionRef(sid: string): string {
  return createHash('sha256').update(sid).digest('hex').slice(0, 12);
}
