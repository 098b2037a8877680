import { randomBytes } from 'node:crypto';
import {
  annotateActiveSpan,
  type CacheBackend,
  type MemcachedClient,
  resolveBackend,
} from '@memkit/core';
import {
  type CacheDecision,
  type CacheRoute,
  type ForwardDecision,
  REVALIDATE_HEADER,
  type ResponseCacheStats,
  type Revalidation,
} from './cache-decision.js';
import { memcachedKey, normalizeUrl, variantKey } from './cache-key.js';
import { type RequestMode, requestMode } from './cache-policy.js';
import { type ForwardReason, forwardStatus } from './cache-status.js';
import type { CacheRequest } from './http-types.js';
import { type DecodedItem, decodeItem, type VaryPointer } from './internal/entry-codec.js';
import { EntryMemo } from './internal/entry-memo.js';
import { token } from './internal/entry-writer.js';
import { type Forward, type ForwardDeps, finishForward, releaseLock } from './internal/forward.js';
import { entryClock, hitResponse } from './internal/hit-response.js';
import {
  BackendStore,
  type EntryStore,
  type FetchedItem,
  MetaStore,
} from './internal/meta-store.js';
import { SingleFlight } from './internal/single-flight.js';
import {
  type ResolvedResponseCacheOptions,
  type ResponseCacheOptions,
  type RouteCacheOptions,
  resolveResponseCacheOptions,
  resolveRouteCacheOptions,
} from './options.js';

const NO_FLIGHT = (): void => {};
const NO_VERSIONS: ReadonlyMap<string, string> = new Map();

// The decision as an attribute of the request's span (OpenTelemetry via @memkit/core/otel);
// constants, so a request allocates nothing for it when nobody traces.
const SPAN_HIT = Object.freeze({ 'memkit.cache.status': 'hit' });
const SPAN_MISS = Object.freeze({ 'memkit.cache.status': 'miss' });
const SPAN_STALE = Object.freeze({ 'memkit.cache.status': 'stale' });
const SPAN_BYPASS = Object.freeze({ 'memkit.cache.status': 'bypass' });
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
  readonly #client: MemcachedClient | undefined;
  readonly #ownsClient: boolean;
  readonly #store: EntryStore;
  readonly #deps: ForwardDeps;
  readonly #flights = new SingleFlight();
  readonly #defaults: CacheRoute;
  #down = false;
  readonly #memo: EntryMemo;
  readonly #pending = new Map<string, ForwardDecision>();
  readonly #stats: ResponseCacheStats = {
    requests: 0,
    hits: 0,
    staleHits: 0,
    misses: 0,
    stored: 0,
    notStored: 0,
    bypassed: 0,
    coalesced: 0,
    errors: 0,
  };

  /** @throws RangeError on a bad option, naming it. */
  constructor(options: ResponseCacheOptions = {}) {
    this.options = resolveResponseCacheOptions(options);
    const o = this.options;
    // A core MemcachedBackend is unwrapped: memcached keeps its meta-command path either way.
    const resolved = resolveBackend(o);
    this.backend = resolved.backend;
    this.#client = resolved.client;
    this.#ownsClient = resolved.ownsClient;
    this.#store =
      this.#client === undefined ? new BackendStore(this.backend) : new MetaStore(this.#client);
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
    });
  }

  /**
   * The memcached client (injected or created from `servers`).
   * @throws RangeError when the cache runs on another backend (see `backend`).
   */
  get client(): MemcachedClient {
    if (this.#client === undefined) {
      throw new RangeError(
        `This cache runs on a ${this.backend.kind} backend and has no memcached client; use cache.backend.`,
      );
    }
    return this.#client;
  }

  /** Whether the cache talks to memcached through a client (false on another backend). */
  get hasClient(): boolean {
    return this.#client !== undefined;
  }

  /** A snapshot of the counters. */
  stats(): ResponseCacheStats {
    return { ...this.#stats };
  }

  /**
   * Per-route settings over the defaults; adapters call it once per route.
   * @throws RangeError on a bad option.
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
    });
  }

  /** Decides whether a request is served from the cache or goes to the handler. */
  async begin(req: CacheRequest, route: CacheRoute = this.#defaults): Promise<CacheDecision> {
    const token = req.headers[REVALIDATE_HEADER];
    const pending = typeof token === 'string' ? this.#pending.get(token) : undefined;
    if (pending !== undefined) {
      this.#pending.delete(token as string);
      return pending;
    }
    this.#stats.requests++;
    const mode = requestMode(req);
    if (mode.kind === 'bypass') {
      this.#stats.bypassed++;
      return this.#forward(this.#context(req, route, undefined), false, 'bypass', mode.reason);
    }
    const ctx = this.#context(req, route, this.#primary(route.key ? route.key(req) : req.url));
    try {
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
   * Invalidates one key for every instance: a URL path (`/users/42`, normalized like request
   * URLs) or a route's custom `key`. The entry is marked stale (kept for stale-if-error only).
   * @returns whether something was there.
   */
  async invalidate(urlOrKey: string): Promise<boolean> {
    const k0 = memcachedKey(this.options.keyPrefix, 'e', this.#primary(urlOrKey));
    const item = await this.#store.fetch(k0, undefined, undefined);
    if (item === null) return false;
    const decoded = decodeItem(item.value);
    // A Vary pointer is deleted: its variants become unreachable, all at once.
    if (decoded?.kind === 'vary') return this.#store.remove(k0);
    return this.#store.markStale(k0);
  }

  /** Invalidates every entry stored under any of `tags`, for every instance, O(1) per tag. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    await Promise.all(
      tags.map((t) =>
        this.#store.store(memcachedKey(this.options.keyPrefix, 't', t), Buffer.from(token()), 0),
      ),
    );
  }

  /**
   * Invalidates every entry under a configured path prefix, for every instance, O(1).
   * @throws RangeError when `prefix` is not in the `prefixes` option (entries record the
   *   versions of configured prefixes only).
   */
  async invalidatePrefix(prefix: string): Promise<void> {
    if (!this.options.prefixes.includes(prefix)) {
      throw new RangeError(
        `Invalid prefix ${JSON.stringify(prefix)}: not in the "prefixes" option (${JSON.stringify(this.options.prefixes)}). Add it there.`,
      );
    }
    const key = memcachedKey(this.options.keyPrefix, 'p', prefix);
    await this.#store.store(key, Buffer.from(token()), 0);
  }

  /** Closes the client if the cache created it (from `servers`); an injected one is left open. */
  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client?.close();
  }

  #primary(urlOrKey: string): string {
    return urlOrKey.startsWith('/') ? normalizeUrl(urlOrKey, this.options.sortQuery) : urlOrKey;
  }

  #context(req: CacheRequest, route: CacheRoute, primary: string | undefined): Forward {
    const prefix = this.options.keyPrefix;
    const tagKeys: string[] = [];
    if (primary !== undefined) {
      const tags = typeof route.tags === 'function' ? route.tags(req) : (route.tags ?? []);
      for (const t of tags) tagKeys.push(memcachedKey(prefix, 't', t));
      const prefixes = this.options.prefixes;
      const path = prefixes.length === 0 ? '' : normalizeUrl(req.url).replace(/\?.*$/, '');
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
      lockKey: undefined,
      lockOnEntry: false,
      fallback: undefined,
      endFlight: NO_FLIGHT,
    };
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
        const entry = decoded?.kind === 'entry' ? decoded : undefined;
        if (item === null) return this.#forward(ctx, !head, 'miss', undefined);
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
          if (!item.stale && clock.freshTtl >= 0) {
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
          const withinSwr = !item.stale && -clock.freshTtl <= ctx.route.staleWhileRevalidate;
          if (item.won && withinSwr && !head) {
            // stale-while-revalidate: this request gets the stale copy too; the refresh runs in
            // the background through the adapter's replay.
            this.#stats.staleHits++;
            annotateActiveSpan(SPAN_STALE);
            const refresh = this.#regenerate(ctx, key, true, fallback, 'stale');
            const response = hitResponse(ctx.req, hit, clock, true);
            return { action: 'serve', response, revalidate: this.#revalidation(refresh) };
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

  #revalidation(refresh: ForwardDecision): Revalidation {
    const token = randomBytes(18).toString('base64url');
    this.#pending.set(token, refresh);
    return {
      header: [REVALIDATE_HEADER, token],
      done: () => {
        const left = this.#pending.get(token);
        if (left === undefined) return;
        this.#pending.delete(token);
        left.abandon('replay-missed');
      },
    };
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
    const f: Forward = { ...ctx, store, fwd, detail };
    if (fwd !== 'bypass') this.#stats.misses++;
    annotateActiveSpan(fwd === 'bypass' ? SPAN_BYPASS : fwd === 'stale' ? SPAN_STALE : SPAN_MISS);
    let done = false;
    const passthrough =
      !store && f.lockKey === undefined && f.fallback === undefined
        ? { 'x-cache': 'MISS', 'cache-status': forwardStatus(fwd, undefined, false, detail) }
        : undefined;
    return {
      action: 'forward',
      passthrough,
      finish: async (origin) => {
        if (done) return { headers: {}, replacement: undefined };
        done = true;
        try {
          return await finishForward(this.#deps, f, origin);
        } finally {
          f.endFlight();
        }
      },
      abandon: (reason) => {
        if (done) return;
        done = true;
        if (store) {
          this.#stats.notStored++;
          this.options.logger?.debug?.({ url: f.req.url, reason }, 'response not cached');
        }
        releaseLock(this.#deps, f).finally(f.endFlight);
      },
    };
  }

  #failure(err: unknown): void {
    this.#stats.errors++;
    if (this.#down) return;
    this.#down = true;
    this.options.logger?.warn(
      { err },
      'response cache: memcached unavailable, serving from handlers until it is back',
    );
  }

  #recovered(): void {
    if (!this.#down) return;
    this.#down = false;
    this.options.logger?.warn({}, 'response cache: memcached is back');
  }
}
