import type { CacheRoute, ForwardResult, ResponseCacheStats } from '../cache-decision.js';
import { decideStore } from '../cache-policy.js';
import type { ForwardReason } from '../cache-status.js';
import { forwardStatus } from '../cache-status.js';
import type { OriginResponse } from '../http-types.js';
import type { ResolvedResponseCacheOptions } from '../options.js';
import type { EntryMeta } from './entry-codec.js';
import { type WriteContext, writeEntry } from './entry-writer.js';
import { hitResponse, hitTemplate } from './hit-response.js';
import type { EntryStore } from './meta-store.js';

/** Everything known about a request that goes to the handler. */
export interface Forward extends WriteContext {
  route: CacheRoute;
  store: boolean;
  fwd: ForwardReason;
  detail: string | undefined;
  lockKey: string | undefined;
  /** Whether the locked item holds an entry (release = mark stale) or a stub (release = delete). */
  lockOnEntry: boolean;
  fallback: { meta: EntryMeta; body: Buffer; freshTtl: number; age: number } | undefined;
  endFlight: () => void;
}

/** What finishing a forwarded request needs from the engine. */
export interface ForwardDeps {
  store: EntryStore;
  options: ResolvedResponseCacheOptions;
  stats: ResponseCacheStats;
  failure(err: unknown): void;
}

/**
 * Completes a forwarded request: stale-if-error replacement, or the storage decision and write,
 * then releases any lock still held. Returns the headers the adapter adds.
 */
export async function finishForward(
  deps: ForwardDeps,
  f: Forward,
  origin: OriginResponse,
): Promise<ForwardResult> {
  if (f.fallback !== undefined && origin.status >= 500) {
    // stale-if-error (RFC 5861): the handler failed, a recent enough copy stands in.
    deps.stats.staleHits++;
    await releaseLock(deps, f);
    const clock = { age: f.fallback.age, freshTtl: f.fallback.freshTtl };
    const fallback = hitTemplate(f.fallback.meta, f.fallback.body);
    const replacement = hitResponse(f.req, fallback, clock, true);
    return { headers: {}, replacement };
  }
  let stored = false;
  let detail = f.detail;
  let etag: string | undefined;
  if (f.store && f.req.method === 'GET') {
    const decision = decideStore(f.req, origin, deps.options.statusCodes, f.route.ttl);
    if (!decision.store) {
      detail = decision.reason;
    } else {
      try {
        const result = await writeEntry(deps.store, f, origin, decision, deps.options);
        if (result.stored) {
          stored = true;
          etag = result.etag;
          if (f.lockKey === result.key || f.lockKey === f.k0) f.lockKey = undefined;
        } else {
          detail = result.reason;
        }
      } catch (err) {
        deps.failure(err);
        detail = 'cache-unavailable';
      }
    }
    if (stored) deps.stats.stored++;
    else {
      deps.stats.notStored++;
      deps.options.logger?.debug?.({ url: f.req.url, reason: detail }, 'response not cached');
    }
  }
  await releaseLock(deps, f);
  const headers: Record<string, string> = {
    'x-cache': 'MISS',
    'cache-status': forwardStatus(f.fwd, origin.status, stored, stored ? undefined : detail),
  };
  if (etag !== undefined) headers.etag = etag;
  return { headers, replacement: undefined };
}

/** Gives up a won lock so the next caller can regenerate. Never throws. */
export async function releaseLock(deps: ForwardDeps, f: Forward): Promise<void> {
  const key = f.lockKey;
  if (key === undefined) return;
  f.lockKey = undefined;
  try {
    if (f.lockOnEntry) await deps.store.markStale(key);
    else await deps.store.remove(key);
  } catch (err) {
    deps.failure(err);
  }
}
