import { MemcachedValueTooLargeError } from '@memkit/core';
import type {
  CacheRoute,
  ForwardDecision,
  ForwardResult,
  ResponseCacheStats,
} from '../cache-decision.js';
import { keyOrigin, keyTarget, memcachedKey, primaryKey, targetPath } from '../cache-key.js';
import { decideStore, streamReason } from '../cache-policy.js';
import type { ForwardReason } from '../cache-status.js';
import { forwardStatus } from '../cache-status.js';
import { type CacheRequest, headerString, type OriginResponse } from '../http-types.js';
import type { ResolvedResponseCacheOptions } from '../options.js';
import { type EntryMeta, encodePassMarker } from './entry-codec.js';
import type { EntryStore } from './entry-store.js';
import { type WriteContext, writeEntry } from './entry-writer.js';
import { hitResponse, hitTemplate, notModified, notModifiedResponse } from './hit-response.js';

/** Everything known about a request that goes to the handler. */
export interface Forward extends WriteContext {
  route: CacheRoute;
  store: boolean;
  fwd: ForwardReason;
  detail: string | undefined;
  /** Why the request counts as personalised (`cookie`, `authorization`), if it does. */
  personal: string | undefined;
  lockKey: string | undefined;
  /** Whether the locked item holds an entry (release = mark stale) or a stub (release = delete). */
  lockOnEntry: boolean;
  fallback: { meta: EntryMeta; body: Buffer; freshTtl: number; age: number } | undefined;
  endFlight: () => void;
  /** Called with the primary key once an entry is stored under a default (URL) key. */
  onStored: ((primary: string, ttl: number) => Promise<void>) | undefined;
}

const NO_FLIGHT = (): void => {};
const NO_VERSIONS: ReadonlyMap<string, string> = new Map();

/**
 * The default primary key of a request: protocol and host as the framework resolved them, the
 * raw target as routed, and the `keyHeaders`.
 */
export function defaultPrimaryKey(
  req: CacheRequest,
  options: Pick<ResolvedResponseCacheOptions, 'sortQuery' | 'keyHeaders'>,
): string {
  const host = req.host ?? headerString(req.headers, 'host');
  return primaryKey(
    keyOrigin(req.protocol, host),
    keyTarget(req.url, options.sortQuery),
    options.keyHeaders,
    req.headers,
  );
}

/**
 * A request's context before the lookup: its keys (entry, tag and configured-prefix version
 * keys), none when `primary` is undefined (a bypassed request).
 */
export function forwardContext(
  req: CacheRequest,
  route: CacheRoute,
  primary: string | undefined,
  options: Pick<ResolvedResponseCacheOptions, 'keyPrefix' | 'prefixes'>,
  onStored: Forward['onStored'],
): Forward {
  const prefix = options.keyPrefix;
  const tagKeys: string[] = [];
  if (primary !== undefined) {
    const tags = typeof route.tags === 'function' ? route.tags(req) : (route.tags ?? []);
    for (const t of tags) tagKeys.push(memcachedKey(prefix, 't', t));
    const prefixes = options.prefixes;
    // Prefixes match the raw path, as the router saw it.
    const path = prefixes.length === 0 ? '' : targetPath(req.url);
    for (const p of prefixes) {
      const base = p.endsWith('/') ? p : `${p}/`;
      if (path === p || path.startsWith(base)) tagKeys.push(memcachedKey(prefix, 'p', p));
    }
  }
  return {
    req,
    route,
    primary: primary ?? '',
    k0: primary === undefined ? '' : memcachedKey(prefix, 'e', primary),
    pointer: undefined,
    tagKeys,
    tagVersions: NO_VERSIONS,
    staleWindow: Math.max(route.staleWhileRevalidate, route.staleIfError),
    store: false,
    fwd: 'miss',
    detail: undefined,
    personal: undefined,
    lockKey: undefined,
    lockOnEntry: false,
    fallback: undefined,
    endFlight: NO_FLIGHT,
    onStored: primary === undefined ? undefined : onStored,
  };
}

/** What finishing a forwarded request needs from the engine. */
export interface ForwardDeps {
  store: EntryStore;
  options: ResolvedResponseCacheOptions;
  stats: ResponseCacheStats;
  failure(err: unknown): void;
}

/**
 * The decision handed to the adapter for a request that goes to the handler: `finish()` or
 * `abandon()` ends it exactly once (stores, or releases the lock / leaves a pass marker).
 */
export function forwardDecision(deps: ForwardDeps, f: Forward): ForwardDecision {
  if (f.fwd !== 'bypass') deps.stats.misses++;
  let done = false;
  const passthrough =
    !f.store && f.lockKey === undefined && f.fallback === undefined
      ? { 'x-cache': 'MISS', 'cache-status': forwardStatus(f.fwd, undefined, false, f.detail) }
      : undefined;
  return {
    action: 'forward',
    passthrough,
    maxBodyBytes: deps.options.maxBodyBytes,
    streamReason,
    finish: async (origin) => {
      if (done) return { headers: {}, replacement: undefined, keep: NOTHING_KEPT };
      done = true;
      try {
        return await finishForward(deps, f, origin);
      } finally {
        f.endFlight();
      }
    },
    abandon: (reason) => {
      if (done) return;
      done = true;
      if (f.store) {
        deps.stats.notStored++;
        deps.options.logger?.debug?.({ url: f.req.url, reason }, 'response not cached');
      }
      // A streamed or oversized body will be so next time too: remember it (hit-for-pass).
      const pass = passReason(reason, undefined) ? reason : undefined;
      releaseLock(deps, f, pass).finally(f.endFlight);
    },
  };
}

/**
 * Reasons that say the resource itself is not storable (not a failed write): the key gets a
 * hit-for-pass marker, so the next requests go to the origin in parallel instead of queueing
 * behind the regeneration lock one by one (Varnish's hit-for-pass).
 */
const PASS_REASONS = new Set([
  'set-cookie',
  'vary-star',
  'no-store',
  'private',
  'no-cache',
  'authorization',
  'not-storable',
  'expired',
  'status',
  'too-large',
  'stream',
  'event-stream',
]);

/** Whether a not-stored `reason` earns the key a hit-for-pass marker. */
export function passReason(reason: string | undefined, status: number | undefined): boolean {
  if (reason === undefined || !PASS_REASONS.has(reason)) return false;
  // A server error is a bad moment, not a property of the resource: the next request retries.
  return reason !== 'status' || (status !== undefined && status < 500);
}

/**
 * Completes a forwarded request: stale-if-error replacement, or the storage decision and write,
 * then releases any lock still held (or turns it into a hit-for-pass marker). Returns the
 * headers the adapter adds, or a response to send instead (a stale copy, or a 304 when the
 * request's validators match what was just stored).
 */
export async function finishForward(
  deps: ForwardDeps,
  f: Forward,
  origin: OriginResponse,
): Promise<ForwardResult> {
  if (f.fallback !== undefined && origin.status >= 500) {
    // stale-if-error (RFC 5861): the handler failed, a recent enough copy stands in.
    deps.stats.staleHits++;
    await releaseLock(deps, f, undefined);
    const clock = { age: f.fallback.age, freshTtl: f.fallback.freshTtl };
    const fallback = hitTemplate(f.fallback.meta, f.fallback.body);
    const replacement = hitResponse(f.req, fallback, clock, true);
    return { headers: {}, replacement, keep: keepHeaders(f) };
  }
  let stored = false;
  let detail = f.detail;
  let etag: string | undefined;
  let storedHeaders: Record<string, string | string[]> | undefined;
  if (f.store && f.req.method === 'GET') {
    const decision = decideStore(f.req, origin, deps.options.statusCodes, f.route.ttl, f.personal);
    if (!decision.store) {
      detail = decision.reason;
    } else {
      try {
        const result = await writeEntry(deps.store, f, origin, decision, deps.options);
        if (result.stored) {
          stored = true;
          etag = result.etag;
          storedHeaders = decision.headers;
          if (f.lockKey === result.key || f.lockKey === f.k0) f.lockKey = undefined;
          if (f.onStored !== undefined) {
            await f.onStored(f.primary, decision.ttl + f.staleWindow).catch(deps.failure);
          }
        } else {
          detail = result.reason;
        }
      } catch (err) {
        // An item over the storage's value limit is a property of this response (remembered
        // as not storable), not an outage.
        if (err instanceof MemcachedValueTooLargeError) detail = 'too-large';
        else {
          deps.failure(err);
          detail = 'cache-unavailable';
        }
      }
    }
    if (stored) deps.stats.stored++;
    else {
      deps.stats.notStored++;
      deps.options.logger?.debug?.({ url: f.req.url, reason: detail }, 'response not cached');
    }
  }
  await releaseLock(deps, f, passReason(detail, origin.status) ? detail : undefined);
  const headers: Record<string, string> = {
    'x-cache': 'MISS',
    'cache-status': forwardStatus(f.fwd, origin.status, stored, stored ? undefined : detail),
  };
  if (etag !== undefined) {
    headers.etag = etag;
    // The client's copy may be exactly what the origin just produced (a revalidation): its
    // validators are checked against the stored response, as a hit's would be.
    if (
      origin.status >= 200 &&
      origin.status < 300 &&
      (f.req.headers['if-none-match'] !== undefined ||
        f.req.headers['if-modified-since'] !== undefined) &&
      notModified(f.req, etag, storedHeaders?.['last-modified'])
    ) {
      return {
        headers,
        replacement: notModifiedResponse({ ...storedHeaders, ...headers }),
        keep: keepHeaders(f),
      };
    }
  }
  return { headers, replacement: undefined, keep: NOTHING_KEPT };
}

const NOTHING_KEPT: ReadonlySet<string> = new Set();

/** What of the origin's response survives a replacement: this client's own headers. */
function keepHeaders(f: Forward): ReadonlySet<string> {
  return new Set(['set-cookie', ...(f.req.presetHeaders ?? [])]);
}

/**
 * Gives up a won lock so the next caller can regenerate, or, with `pass`, replaces it with a
 * hit-for-pass marker for `passTtl` seconds. Never throws.
 */
export async function releaseLock(
  deps: ForwardDeps,
  f: Forward,
  pass: string | undefined,
): Promise<void> {
  const key = f.lockKey;
  if (key === undefined) return;
  f.lockKey = undefined;
  try {
    if (pass !== undefined) {
      await deps.store.store(key, encodePassMarker(pass), deps.options.passTtl);
    } else if (f.lockOnEntry) await deps.store.markStale(key);
    else await deps.store.remove(key);
  } catch (err) {
    deps.failure(err);
  }
}
