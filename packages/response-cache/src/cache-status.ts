/** The cache's name in `Cache-Status` (RFC 9211). */
export const CACHE_NAME = 'memkit';

/** Why a request went to the origin, as RFC 9211's `fwd` parameter names it. */
export type ForwardReason = 'bypass' | 'miss' | 'request' | 'stale' | 'vary-miss' | 'uri-miss';

/** `X-Cache` values, for users of the guide's middleware. */
export type XCache = 'HIT' | 'MISS' | 'STALE';

/** `Cache-Status` for a response served from the cache; a negative ttl means served stale. */
export function hitStatus(ttl: number): string {
  return `${CACHE_NAME}; hit; ttl=${ttl}`;
}

/** `Cache-Status` for a response that went to the origin. */
export function forwardStatus(
  fwd: ForwardReason,
  status: number | undefined,
  stored: boolean,
  detail?: string,
): string {
  let out = `${CACHE_NAME}; fwd=${fwd}`;
  if (status !== undefined) out += `; fwd-status=${status}`;
  if (stored) out += '; stored';
  if (detail !== undefined)
    out += `; detail=${/^[A-Za-z][A-Za-z0-9_-]*$/.test(detail) ? detail : JSON.stringify(detail)}`;
  return out;
}
