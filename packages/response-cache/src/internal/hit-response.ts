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
  'last-modified',
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
 * What every hit on one entry shares, computed once per entry (see `EntryMemo`): the stored
 * headers with `ETag` and `Content-Length` already in.
 */
export interface HitTemplate {
  readonly meta: EntryMeta;
  /** The origin's body bytes. */
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string | string[]>>;
}

/** Builds the per-entry part of a hit. */
export function hitTemplate(meta: EntryMeta, body: Buffer): HitTemplate {
  const headers: Record<string, string | string[]> = { ...meta.headers, etag: meta.etag };
  if (meta.status !== 204 && meta.status !== 304) headers['content-length'] = String(body.length);
  // Placeholders for the per-hit headers: a copy of this object then has them in its shape
  // already, and filling them in is a plain store rather than three shape changes per hit.
  headers.age = '';
  headers['x-cache'] = '';
  headers['cache-status'] = '';
  return { meta, body, headers };
}

/**
 * Whether a conditional request is answered 304 by a response with `etag` and `lastModified`
 * (RFC 9110 §13.2.2): `If-None-Match` decides when present (weak comparison); otherwise
 * `If-Modified-Since` against the stored `Last-Modified`.
 */
export function notModified(
  req: CacheRequest,
  etag: string,
  lastModified: string | string[] | undefined,
): boolean {
  if (req.headers['if-none-match'] !== undefined) {
    return ifNoneMatchMatches(headerString(req.headers, 'if-none-match'), etag);
  }
  const ims = req.headers['if-modified-since'];
  if (ims === undefined || typeof lastModified !== 'string') return false;
  const since = Date.parse(headerString(req.headers, 'if-modified-since') ?? '');
  const modified = Date.parse(lastModified);
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

/** A 304 carrying what RFC 9110 §15.4.5 allows of `headers`. */
export function notModifiedResponse(headers: Record<string, string | string[]>): CacheResponse {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    if (NOT_MODIFIED_HEADERS.has(name)) out[name] = headers[name] as string | string[];
  }
  return { status: 304, headers: out, body: EMPTY };
}

/**
 * The response for a request served from an entry: `Age`, `ETag`, `X-Cache`, `Cache-Status`;
 * a 304 when `If-None-Match` (or, without it, `If-Modified-Since`) says the client's copy is
 * current. Headers the request set before the cache ran (`presetHeaders`) are left out, so the
 * stored copy never overwrites them. A HEAD response keeps its body so frameworks compute the
 * right `Content-Length`; Node never writes the body of a HEAD response.
 */
export function hitResponse(
  req: CacheRequest,
  hit: HitTemplate,
  clock: EntryClock,
  stale: boolean,
): CacheResponse {
  const meta = hit.meta;
  const headers: Record<string, string | string[]> = { ...hit.headers };
  headers.age = String(clock.age);
  headers['x-cache'] = stale ? 'STALE' : 'HIT';
  headers['cache-status'] = hitStatus(Math.min(clock.freshTtl, stale ? -1 : clock.freshTtl));
  const preset = req.presetHeaders;
  if (preset !== undefined) for (const name of preset) delete headers[name];
  if (
    (req.headers['if-none-match'] !== undefined ||
      req.headers['if-modified-since'] !== undefined) &&
    meta.status >= 200 &&
    meta.status < 300 &&
    notModified(req, meta.etag, meta.headers['last-modified'])
  ) {
    return notModifiedResponse(headers);
  }
  return { status: meta.status, headers, body: hit.body };
}
