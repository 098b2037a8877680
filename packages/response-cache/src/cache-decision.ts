import type { CacheResponse, OriginResponse } from './http-types.js';
import type { KeyFunction, TagsOption } from './options.js';

/** Per-route settings merged over the cache's defaults; build with {@link ResponseCache.route}. */
export interface CacheRoute {
  readonly ttl: number;
  readonly tags: TagsOption | undefined;
  readonly key: KeyFunction | undefined;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  readonly shareCookieRequests: boolean;
}

/** Counters since the cache was created. */
export interface ResponseCacheStats {
  /** Requests the engine was asked about. */
  requests: number;
  hits: number;
  /** Stale copies served (stale-while-revalidate or stale-if-error). */
  staleHits: number;
  misses: number;
  stored: number;
  notStored: number;
  /** Requests that skipped the cache (method, `Cookie`/`Authorization`, honoured `no-store`). */
  bypassed: number;
  /** Requests sent to the origin because the key is marked not storable (hit-for-pass). */
  passed: number;
  /** Requests that waited for a regeneration in this process instead of asking memcached. */
  coalesced: number;
  /** memcached failures the cache absorbed (fail open). */
  errors: number;
}

/** The outcome of a forwarded request: headers to add, or a stale copy to send instead. */
export interface ForwardResult {
  /** Headers to set on the origin's response (`X-Cache`, `Cache-Status`, `ETag`). */
  readonly headers: Readonly<Record<string, string>>;
  /** When set, send this (a stale copy, a 304) instead of the origin's response. */
  readonly replacement: CacheResponse | undefined;
  /**
   * With a `replacement`: the origin response's headers that still go out (those set before
   * the cache ran, and `Set-Cookie`, which belongs to this client); drop every other one.
   */
  readonly keep: ReadonlySet<string>;
}

/** What to do with a request. Every `forward` must end with `finish()` or `abandon()`. */
export type CacheDecision =
  | {
      readonly action: 'serve';
      readonly response: CacheResponse;
      /**
       * Set when this request won a stale-while-revalidate refresh: the adapter replays the
       * request (`revalidate.request`) in the background, then calls `done()`.
       */
      readonly revalidate?: Revalidation | undefined;
    }
  | ForwardDecision;

/** A request that goes to the handler. Must end with `finish()` or `abandon()`. */
export interface ForwardDecision {
  readonly action: 'forward';
  /**
   * Set when the engine will neither store nor replace the response (bypass, cache down): the
   * adapter may add these headers up front and stream the response instead of buffering it.
   * `finish()`/`abandon()` are then optional.
   */
  readonly passthrough: Readonly<Record<string, string>> | undefined;
  /** Bodies larger than this are not buffered: switch to pass-through and `abandon('too-large')`. */
  readonly maxBodyBytes: number;
  /**
   * Why a response with this `Content-Type` must stream rather than be buffered (server-sent
   * events never end), or undefined: the adapter then switches to pass-through and abandons.
   */
  streamReason(contentType: string | undefined): string | undefined;
  /** Hands the origin's buffered response over; stores it if allowed. */
  finish(origin: OriginResponse): Promise<ForwardResult>;
  /**
   * The response will not be handed over (client gone, streamed or oversized body): releases
   * locks; `reason` is logged at debug level.
   */
  abandon(reason?: string): void;
}

/**
 * The request a stale-while-revalidate refresh replays through the app. Built by the engine:
 * the client's validators are dropped (the refresh must produce a full response, not a 304),
 * a one-time token marks it, and the client's address and TLS flag are carried so every
 * middleware (a rate limiter) sees the same client, never an anonymous `unknown` one.
 */
export interface ReplayRequest {
  readonly method: 'GET';
  /** The original request target, as routed. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The original client's socket address. */
  readonly remoteAddress: string | undefined;
  /** Whether the original connection was TLS. */
  readonly encrypted: boolean;
}

/** A background refresh the adapter runs by replaying the request through its framework. */
export interface Revalidation {
  /** What to replay; the adapter only translates it into its framework's request. */
  readonly request: ReplayRequest;
  /** The replay finished or failed; releases the lock if the replay never reached the cache. */
  done(): void;
}

/** Request header carrying a revalidation token (random, known only to this process). */
export const REVALIDATE_HEADER = 'x-memkit-revalidate';
