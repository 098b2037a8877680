import type { StandardHeadersVersion } from '../options.js';
import type { RateLimitResult } from '../rate-limit-result.js';

/** Header settings the adapters were configured with. */
export interface HeaderSettings {
  legacyHeaders: boolean;
  standardHeaders: StandardHeadersVersion | false;
  windowSeconds: number;
}

/**
 * The rate-limit headers for a result, as `[name, value]` pairs: the widespread `X-RateLimit-*`
 * (reset as epoch seconds, as GitHub and express-rate-limit send it), the IETF draft's
 * `RateLimit-Policy` / `RateLimit`, and `Retry-After` when denied.
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  settings: HeaderSettings,
  nowMs: number,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const { limit, remaining, resetSeconds } = result;
  const w = settings.windowSeconds;
  if (settings.legacyHeaders) {
    headers.push(
      ['X-RateLimit-Limit', String(limit)],
      ['X-RateLimit-Remaining', String(remaining)],
      ['X-RateLimit-Reset', String(Math.ceil(nowMs / 1000) + resetSeconds)],
    );
  }
  if (settings.standardHeaders === 'draft-7') {
    headers.push(
      ['RateLimit-Policy', `${limit};w=${w}`],
      ['RateLimit', `limit=${limit}, remaining=${remaining}, reset=${resetSeconds}`],
    );
  } else if (settings.standardHeaders === 'draft-8') {
    const name = `"${limit}-in-${w}s"`;
    headers.push(
      ['RateLimit-Policy', `${name}; q=${limit}; w=${w}`],
      ['RateLimit', `${name}; r=${remaining}; t=${resetSeconds}`],
    );
  }
  if (!result.allowed) headers.push(['Retry-After', String(result.retryAfterSeconds)]);
  return headers;
}
