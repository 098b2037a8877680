import {
  annotateActiveSpan,
  type CacheBackend,
  type MemcachedClient,
  type ResolvedBackend,
  resolveBackend,
} from '@memkit/core';
import {
  type CacheDecision,
  type CacheRoute,
  type ForwardDecision,
  REVALIDATE_HEADER,
  type ResponseCacheStats,
} from './cache-decision.js';
import { keyableHost, keyTarget, memcachedKey, variantKey } from './cache-key.js';
import { personalised, type RequestMode, requestMode } from './cache-policy.js';
import type { ForwardReason } from './cache-status.js';
import { type CacheRequest, headerString } from './http-types.js';
import type { DecodedItem, VaryPointer } from './internal/entry-codec.js';
import { EntryMemo } from './internal/entry-memo.js';
import { EntryStore, type FetchedItem } from './internal/entry-store.js';
import {
  defaultPrimaryKey,
  type Forward,
  type ForwardDeps,
  forwardContext,
  forwardDecision,
} from './internal/forward.js';
import { entryClock, hitResponse } from './internal/hit-response.js';
import { Invalidation } from './internal/invalidation.js';
import { OriginIndex } from './internal/origin-index.js';
import { PendingRevalidations } from './internal/replay-request.js';
import { SingleFlight } from './internal/single-flight.js';
import {
  type ResolvedResponseCacheOptions,
  type ResponseCacheOptions,
  type RouteCacheOptions,
  resolveResponseCacheOptions,
  resolveRouteCacheOptions,
} from './options.js';

// The decision as an attribute of the request's span (OpenTelemetry via @memkit/core/otel);
// constants, so a request allocates nothing for it when nobody traces.
const SPAN_HIT = Object.freeze({ 'memkit.cache.status': 'hit' });
const SPAN_MISS = Object.freeze({ 'memkit.cache.status': 'miss' });
const SPAN_STALE = Object.freeze({ 'memkit.cache.status': 'stale' });
const SPAN_BYPASS = Object.freeze({ 'memkit.cache.status': 'bypass' });

const NO_VERSIONS: ReadonlyMap<string, string> = new Map();

/** Whether every tag version an entry was stored with is still the current one. */
function tagsCurrent(
  stored: Record<string, string>,
  current: ReadonlyMap<string, string>,
): boolean {
  for (const key in stored) if (current.get(key) !== stored[key]) return false;
  return true;
}
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The framework-free HTTP response cache: RFC 9111 storage rules (via `http-cache-semantics`),
 * entries in memcached, one regeneration per key across every instance (meta `mg` N/R flags with
 * W/Z/X), stale-while-revalidate and stale-if-error, tag and prefix invalidation by version keys.
 * Fails open: a memcached failure makes a request go to the handler, never an error.
 * @example
 * const cache = new ResponseCache({ servers: '127.0.0.1:11211', ttl: 60 });
 * const decision = await cache.begin({ method: 'GET', url: '/users/1', headers: {} });
 */
export class ResponseCache {
  /** The resolved options. */
  readonly options: ResolvedResponseCacheOptions;
  /** Where entries are stored: the memcached client wrapped, or the `backend` given. */
  readonly backend: CacheBackend;
  readonly #resolved: ResolvedBackend;
  readonly #store: EntryStore;
  readonly #origins: OriginIndex;
  readonly #invalidation: Invalidation;
  readonly #deps: ForwardDeps;
  readonly #flights = new SingleFlight();
  readonly #defaults: CacheRoute;
  #down = false;
  readonly #memo: EntryMemo;
  readonly #pending = new PendingRevalidations();
  readonly #stats: ResponseCacheStats = {
    requests: 0,
    hits: 0,
    staleHits: 0,
    misses: 0,
    stored: 0,
    notStored: 0,
    bypassed: 0,
    passed: 0,
    coalesced: 0,
    errors: 0,
  };

  /**
   * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on an unknown option or
   *   a bad value, naming it.
   */
  constructor(options: ResponseCacheOptions = {}) {
    this.options = resolveResponseCacheOptions(options);
    const o = this.options;
    // Every storage operation goes through core's CacheBackend: memcached's meta commands and
    // the exptime rule live there, once, for every package.
    this.#resolved = resolveBackend(o);
    this.backend = this.#resolved.backend;
    this.#store = new EntryStore(this.backend);
    this.#origins = new OriginIndex(this.#store, o.keyPrefix, (p) => this.#invalidation.primary(p));
    this.#invalidation = new Invalidation(this.#store, this.#origins, o);
    this.#memo = new EntryMemo(this.#store, o.keyPrefix);
    this.#deps = {
      store: this.#store,
      options: o,
      stats: this.#stats,
      failure: (err) => this.#failure(err),
    };
    this.#defaults = Object.freeze({
      ttl: o.ttl,
      tags: o.tags,
      key: o.key,
      staleWhileRevalidate: o.staleWhileRevalidate,
      staleIfError: o.staleIfError,
      shareCookieRequests: o.shareCookieRequests,
    });
  }

  /**
   * The memcached client (injected or created from `servers`).
   * @throws RangeError when the cache runs on another backend (see `backend`).
   */
  get client(): MemcachedClient {
    const client = this.#resolved.client;
    if (client === undefined) {
      throw new RangeError(
        `This cache runs on a ${this.backend.kind} backend and has no memcached client; use cache.backend.`,
      );
    }
    return client;
  }

  /** Whether the cache talks to memcached through a client (false on another backend). */
  get hasClient(): boolean {
    return this.#resolved.client !== undefined;
  }

  /** Whether the cache created its client (from `servers`) and so closes it in {@link close}. */
  get ownsClient(): boolean {
    return this.#resolved.ownsClient;
  }

  /** A snapshot of the counters. */
  stats(): ResponseCacheStats {
    return { ...this.#stats };
  }

  /**
   * Per-route settings over the defaults; adapters call it once per route.
   * @throws MemcachedInvalidOptionError on a bad option.
   */
  route(options: RouteCacheOptions = {}): CacheRoute {
    const r = resolveRouteCacheOptions(options);
    const d = this.#defaults;
    return Object.freeze({
      ttl: r.ttl ?? d.ttl,
      tags: r.tags ?? d.tags,
      key: r.key ?? d.key,
      staleWhileRevalidate: r.staleWhileRevalidate ?? d.staleWhileRevalidate,
      staleIfError: r.staleIfError ?? d.staleIfError,
      shareCookieRequests: r.shareCookieRequests ?? d.shareCookieRequests,
    });
  }

  /**
   * Decides whether a request is served from the cache or goes to the handler. The key is the
   * request target as routed (`req.url`, never normalised), the protocol and host, and the
   * `keyHeaders`; or the route's `key`. A request with `Cookie` or `Authorization` is answered
   * only from entries whose response said `public`/`s-maxage`, unless the route opted in.
   */
  async begin(req: CacheRequest, route: CacheRoute = this.#defaults): Promise<CacheDecision> {
    // A stale-while-revalidate replay takes over the refresh its original request won.
    const pending = this.#pending.take(req.headers[REVALIDATE_HEADER]);
    if (pending !== undefined) return pending;
    this.#stats.requests++;
    const mode = requestMode(req, this.options.honorRequestNoCache);
    if (mode.kind === 'bypass') {
      this.#stats.bypassed++;
      return this.#forward(this.#context(req, route, undefined), false, 'bypass', mode.reason);
    }
    if (route.key === undefined && !keyableHost(req.host ?? headerString(req.headers, 'host'))) {
      // Not a host: keyed, it would alias another URL's entry (see keyableHost).
      this.#stats.bypassed++;
      return this.#forward(this.#context(req, route, undefined), false, 'bypass', 'host');
    }
    const personal =
      route.shareCookieRequests || route.key !== undefined ? undefined : personalised(req);
    const ctx = this.#context(req, route, this.#primaryOf(req, route));
    try {
      if (personal !== undefined) {
        ctx.personal = personal;
        return await this.#personal(ctx, mode.kind === 'lookup' && mode.head);
      }
      if (mode.kind === 'refresh') {
        ctx.tagVersions = await this.#tagVersions(ctx.tagKeys);
        this.#recovered();
        return this.#forward(ctx, true, 'request', undefined);
      }
      return await this.#lookup(ctx, mode);
    } catch (err) {
      this.#failure(err);
      return this.#forward(ctx, false, 'miss', 'cache-unavailable');
    }
  }

  /**
   * Invalidates one resource for every instance: an absolute URL (`https://example.com/users/42`,
   * that origin only), a request target (`/users/42`: on every host and protocol it was stored
   * under), or a route's custom `key`. Targets are compared raw, as requests are keyed. The
   * entry is marked stale (kept for stale-if-error only).
   * @returns whether something was there.
   */
  async invalidate(urlOrKey: string): Promise<boolean> {
    return this.#invalidation.invalidate(urlOrKey);
  }

  /** Invalidates every entry stored under any of `tags`, for every instance, O(1) per tag. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    return this.#invalidation.invalidateTags(tags);
  }

  /**
   * Invalidates every entry under a configured path prefix, for every instance, O(1).
   * @throws RangeError when `prefix` is not in the `prefixes` option (entries record the
   *   versions of configured prefixes only).
   */
  async invalidatePrefix(prefix: string): Promise<void> {
    return this.#invalidation.invalidatePrefix(prefix);
  }

  /**
   * Closes the client if the cache created it (from `servers`); a client or backend that was
   * passed in is never closed. Safe to call more than once.
   */
  close(): Promise<void> {
    return this.#resolved.close();
  }

  #primaryOf(req: CacheRequest, route: CacheRoute): string {
    return route.key === undefined ? defaultPrimaryKey(req, this.options) : route.key(req);
  }

  #context(req: CacheRequest, route: CacheRoute, primary: string | undefined): Forward {
    const onStored =
      primary === undefined || route.key !== undefined
        ? undefined
        : (p: string, ttl: number) =>
            this.#origins.record(keyTarget(req.url, this.options.sortQuery), p, ttl);
    return forwardContext(req, route, primary, this.options, onStored);
  }

  /**
   * A personalised request (`Cookie`/`Authorization`): served only from a fresh entry whose
   * response said `public`/`s-maxage`; otherwise it goes to the handler without taking the
   * lock or joining anyone's wait, and its response is stored only when it says the same.
   */
  async #personal(ctx: Forward, head: boolean): Promise<CacheDecision> {
    const [first, versions] = await Promise.all([
      this.#store.fetch(ctx.k0, undefined, undefined),
      this.#tagVersions(ctx.tagKeys),
    ]);
    this.#recovered();
    ctx.tagVersions = versions;
    let item = first;
    let decoded = item === null ? undefined : this.#memo.decode(item.value);
    if (decoded?.kind === 'vary') {
      ctx.pointer = decoded.pointer;
      item = await this.#store.fetch(this.#variantKey(ctx, decoded.pointer), undefined, undefined);
      decoded = item === null ? undefined : this.#memo.decode(item.value);
    }
    if (item !== null && decoded?.kind === 'entry' && decoded.meta.pub === true && !item.stale) {
      const clock = entryClock(decoded.meta, item.ttl);
      if (clock.freshTtl >= 0 && tagsCurrent(decoded.meta.tags, versions)) {
        const hit =
          this.#memo.known(decoded.meta) ?? (await this.#memo.hit(decoded.meta, decoded.body));
        if (hit !== undefined) {
          this.#stats.hits++;
          annotateActiveSpan(SPAN_HIT);
          return { action: 'serve', response: hitResponse(ctx.req, hit, clock, false) };
        }
      }
    }
    this.#stats.bypassed++;
    return this.#forward(ctx, !head, 'bypass', ctx.personal);
  }

  async #tagVersions(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const raw = await this.#store.values(keys);
    return new Map([...raw].map(([k, v]) => [k, v.toString('latin1')]));
  }

  async #lookup(
    ctx: Forward,
    mode: Extract<RequestMode, { kind: 'lookup' }>,
  ): Promise<CacheDecision> {
    let endPoll: (() => void) | undefined;
    try {
      const head = mode.head;
      // HEAD never takes the lock: its response has no body, so it cannot fill the cache.
      const lockTtl = head ? undefined : this.options.lockTtl;
      const recache = head ? undefined : ctx.staleWindow;
      const deadline = Date.now() + this.options.lockWaitMs;
      let backoffMs = 5;
      let polling = false;
      let markedStale = false;
      for (;;) {
        let first: FetchedItem | null;
        let versions: ReadonlyMap<string, string>;
        if (ctx.tagKeys.length === 0) {
          first = await this.#store.fetch(ctx.k0, lockTtl, recache);
          versions = NO_VERSIONS;
        } else {
          [first, versions] = await Promise.all([
            this.#store.fetch(ctx.k0, lockTtl, recache),
            this.#tagVersions(ctx.tagKeys),
          ]);
        }
        this.#recovered();
        ctx.tagVersions = versions;
        let item: FetchedItem | null = first;
        let decoded: DecodedItem | undefined =
          item === null ? undefined : this.#memo.decode(item.value);
        let key = ctx.k0;
        ctx.pointer = undefined;
        if (decoded?.kind === 'vary') {
          ctx.pointer = decoded.pointer;
          key = this.#variantKey(ctx, decoded.pointer);
          item = await this.#store.fetch(key, lockTtl, recache);
          decoded = item === null ? undefined : this.#memo.decode(item.value);
        }
        if (item === null) return this.#forward(ctx, !head, 'miss', undefined);
        if (decoded?.kind === 'pass') {
          // Hit-for-pass: this key's last response could not be stored. Straight to the origin,
          // in parallel, no lock; a response that is storable again replaces the marker.
          this.#stats.passed++;
          return this.#forward(ctx, !head, 'miss', 'hit-for-pass');
        }
        const entry = decoded?.kind === 'entry' ? decoded : undefined;
        if (entry === undefined) {
          // An empty stub: someone holds the regeneration lock, maybe us.
          if (item.won) {
            return this.#regenerate(ctx, key, false, undefined, ctx.pointer ? 'vary-miss' : 'miss');
          }
          if (head || !item.alreadyWon) return this.#forward(ctx, !head, 'miss', undefined);
        } else if (!tagsCurrent(entry.meta.tags, versions)) {
          // Invalidated by tag: mark it stale once so exactly one caller wins the regeneration.
          if (item.won) return this.#regenerate(ctx, key, true, undefined, 'miss');
          if (!item.alreadyWon) {
            if (markedStale || head) return this.#forward(ctx, !head, 'miss', 'tag');
            markedStale = true;
            await this.#store.markStale(key);
            continue;
          }
        } else {
          const clock = entryClock(entry.meta, item.ttl);
          const hit =
            this.#memo.known(entry.meta) ?? (await this.#memo.hit(entry.meta, entry.body));
          if (hit === undefined) return this.#forward(ctx, !head, 'miss', 'chunk-missing');
          // A recache win (`R`) means the refresh is due even when whole-second rounding still
          // shows 0 s of freshness (Redis rounds the remaining TTL up): never drop a won refresh.
          if (!item.stale && !item.won && clock.freshTtl >= 0) {
            if (
              (mode.maxAge !== undefined && clock.age > mode.maxAge) ||
              (mode.minFresh !== undefined && clock.freshTtl < mode.minFresh)
            ) {
              return this.#forward(ctx, !head, 'request', undefined);
            }
            this.#stats.hits++;
            annotateActiveSpan(SPAN_HIT);
            return {
              action: 'serve',
              response: hitResponse(ctx.req, hit, clock, false),
            };
          }
          const sie = ctx.route.staleIfError;
          const fallback =
            sie > 0 && -clock.freshTtl <= sie
              ? {
                  meta: entry.meta,
                  body: hit.body,
                  freshTtl: Math.min(clock.freshTtl, -1),
                  age: clock.age,
                }
              : undefined;
          const swr = ctx.route.staleWhileRevalidate;
          const withinSwr = swr > 0 && !item.stale && -clock.freshTtl <= swr;
          if (item.won && withinSwr && !head) {
            // stale-while-revalidate: this request gets the stale copy too; the refresh runs in
            // the background through the adapter's replay.
            this.#stats.staleHits++;
            annotateActiveSpan(SPAN_STALE);
            const refresh = this.#regenerate(ctx, key, true, fallback, 'stale');
            const response = hitResponse(ctx.req, hit, clock, true);
            return {
              action: 'serve',
              response,
              revalidate: this.#pending.create(refresh, ctx.req),
            };
          }
          if (item.won) return this.#regenerate(ctx, key, true, fallback, 'stale');
          if (withinSwr && (item.alreadyWon || head)) {
            this.#stats.staleHits++;
            annotateActiveSpan(SPAN_STALE);
            return { action: 'serve', response: hitResponse(ctx.req, hit, clock, true) };
          }
          if (head || !item.alreadyWon || Date.now() >= deadline) {
            return this.#forward({ ...ctx, fallback }, !head, 'stale', undefined);
          }
        }
        // Another caller (here or in another instance) is regenerating: wait, then look again.
        // In this process one request polls memcached; the others wait for it.
        if (Date.now() >= deadline) return this.#forward(ctx, true, 'miss', 'lock-timeout');
        if (!polling) {
          const flight = this.#flights.current(ctx.k0);
          if (flight !== undefined) {
            this.#stats.coalesced++;
            await Promise.race([flight, sleep(Math.max(0, deadline - Date.now()))]);
            continue;
          }
          polling = true;
          endPoll = this.#flights.lead(ctx.k0);
        }
        await sleep(Math.min(backoffMs, Math.max(0, deadline - Date.now())));
        backoffMs = Math.min(backoffMs * 2, 50);
      }
    } finally {
      endPoll?.();
    }
  }

  #variantKey(ctx: Forward, pointer: VaryPointer): string {
    const secondary = variantKey(ctx.primary, pointer.gen, pointer.vary, ctx.req.headers);
    return memcachedKey(this.options.keyPrefix, 'v', secondary);
  }

  #regenerate(
    ctx: Forward,
    lockKey: string,
    lockOnEntry: boolean,
    fallback: Forward['fallback'],
    fwd: ForwardReason,
  ): ForwardDecision {
    return this.#forward(
      { ...ctx, lockKey, lockOnEntry, fallback, endFlight: this.#flights.lead(ctx.k0) },
      true,
      fwd,
      undefined,
    );
  }

  #forward(
    ctx: Forward,
    store: boolean,
    fwd: ForwardReason,
    detail: string | undefined,
  ): ForwardDecision {
    annotateActiveSpan(fwd === 'bypass' ? SPAN_BYPASS : fwd === 'stale' ? SPAN_STALE : SPAN_MISS);
    return forwardDecision(this.#deps, { ...ctx, store, fwd, detail });
  }

  #failure(err: unknown): void {
    this.#stats.errors++;
    if (this.#down) return;
    this.#down = true;
    this.options.logger?.warn(
      { err },
      'response cache: storage unavailable, serving from handlers until it is back',
    );
  }

  #recovered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.options.logger?.warn({}, 'response cache: storage is back');
  }
}
