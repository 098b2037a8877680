import { hitStatus } from '../cache-status.js';
import { ifNoneMatchMatches } from '../etag.js';
import { type CacheRequest, type CacheResponse, headerString } from '../http-types.js';
import type { EntryMeta } from './entry-codec.js';

// RFC 9110 §15.4.5: what a 304 carries, plus the cache's own reporting headers.
const NOT_MODIFIED_HEADERS = new Set([
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
  'age',
  'x-cache',
  'cache-status',
]);

const EMPTY = Buffer.alloc(0);

/** Where an entry stands on memcached's clock. */
export interface EntryClock {
  /** Seconds since the origin produced the response. */
  age: number;
  /** Seconds of freshness left; negative when serving stale. */
  freshTtl: number;
}

/** Age and freshness of an entry from the remaining TTL memcached reported (`t` flag). */
export function entryClock(meta: EntryMeta, remaining: number): EntryClock {
  if (remaining < 0) return { age: meta.age, freshTtl: meta.ttl };
  const elapsed = Math.max(0, meta.ttl + meta.stale - remaining);
  return { age: meta.age + elapsed, freshTtl: remaining - meta.stale };
}

/**
 * The response for a request served from an entry: `Age`, `ETag`, `X-Cache`, `Cache-Status`;
 * a 304 when `If-None-Match` matches. A HEAD response keeps its body so frameworks compute the
 * right `Content-Length`; Node never writes the body of a HEAD response.
 */
export function hitResponse(
  req: CacheRequest,
  meta: EntryMeta,
  body: Buffer,
  clock: EntryClock,
  stale: boolean,
): CacheResponse {
  const headers: Record<string, string | string[]> = { ...meta.headers };
  headers.age = String(clock.age);
  headers.etag = meta.etag;
  headers['x-cache'] = stale ? 'STALE' : 'HIT';
  headers['cache-status'] = hitStatus(Math.min(clock.freshTtl, stale ? -1 : clock.freshTtl));
  const okStatus = meta.status >= 200 && meta.status < 300;
  if (okStatus && ifNoneMatchMatches(headerString(req.headers, 'if-none-match'), meta.etag)) {
    const notModified: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (NOT_MODIFIED_HEADERS.has(name)) notModified[name] = value;
    }
    return { status: 304, headers: notModified, body: EMPTY };
  }
  if (meta.status !== 204 && meta.status !== 304) headers['content-length'] = String(body.length);
  return { status: meta.status, headers, body };
}
