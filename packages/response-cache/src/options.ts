import {
  booleanOption,
  type CacheBackend,
  checkBackendChoice,
  checkOptionKeys,
  functionOption,
  integerOption,
  invalidOption,
  keyPrefixOption,
  type Logger,
  loggerOption,
  type MemcachedClient,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  type ServerList,
} from '@memkit/core';
import type { CacheRequest } from './http-types.js';

/** The logger the cache reports outages and not-stored reasons to (core's pino-compatible `Logger`). */
export type ResponseCacheLogger = Logger;

/** Tags an entry is stored under: fixed, or computed from the request. */
export type TagsOption = readonly string[] | ((req: CacheRequest) => readonly string[]);

/**
 * Turns a request into its cache key (before hashing); method and Vary are added by the engine.
 * The string replaces the whole default key (protocol, host, target, `keyHeaders`): put the
 * host in it yourself when one app serves several hosts.
 */
export type KeyFunction = (req: CacheRequest) => string;

/** Per-route settings (Fastify `config.cache`, Express `cacheResponse(...)`); override the defaults. */
export interface RouteCacheOptions {
  /** Freshness in seconds when the origin sends no `s-maxage`/`max-age`/`Expires`. @default 60 */
  ttl?: number;
  /** Tags for {@link ResponseCache.invalidateTags}. @default none */
  tags?: TagsOption;
  /** Custom cache key; {@link ResponseCache.invalidate} then takes the same string. Also opts the route in to requests with `Cookie`/`Authorization`. @default protocol, host, request target and `keyHeaders` */
  key?: KeyFunction;
  /** Seconds past freshness during which a stale copy is served while one request refreshes. @default 0 */
  staleWhileRevalidate?: number;
  /** Seconds past freshness during which a stale copy replaces a thrown error or a 5xx. @default 0 */
  staleIfError?: number;
  /**
   * Look up and store responses to requests that carry `Cookie` or `Authorization` as if they
   * had none (the route promises its response does not depend on them). @default false
   */
  shareCookieRequests?: boolean;
}

/** Options of the response cache engine and both adapters. */
export interface ResponseCacheOptions extends RouteCacheOptions {
  /** A client the caller owns; never closed by the cache. @default none (created from `servers`) */
  client?: MemcachedClient;
  /** Servers for a client the cache creates and closes. @default MEMCACHED_SERVERS or 127.0.0.1:11211 */
  servers?: ServerList;
  /** Where entries live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend;
  /** Prefix of every storage key the cache writes. @default 'rc:' */
  keyPrefix?: string;
  /** Request headers whose values are part of every key (e.g. `['x-tenant']`), besides the host. @default [] */
  keyHeaders?: readonly string[];
  /**
   * Follow the request's `Cache-Control: no-cache` / `max-age` / `min-fresh` / `no-store` and
   * `Pragma: no-cache` (RFC 9111 §5.2.1). Off by default, as in nginx and Varnish: otherwise any
   * client can force origin loads and overwrite fresh entries. @default false
   */
  honorRequestNoCache?: boolean;
  /**
   * Seconds a key is remembered as not storable (hit-for-pass): requests for it then go to the
   * handler in parallel instead of queueing behind the regeneration lock. @default 30
   */
  passTtl?: number;
  /** Status codes that may be stored (RFC 9111 §3 "heuristically cacheable" set). @default [200, 203, 204, 300, 301, 404, 405, 410, 414, 501] */
  statusCodes?: readonly number[];
  /** Sort query parameters when building the key (`?b=1&a=2` equals `?a=2&b=1`). @default false */
  sortQuery?: boolean;
  /** URL path prefixes that {@link ResponseCache.invalidatePrefix} may invalidate. @default [] */
  prefixes?: readonly string[];
  /** Bodies larger than this are compressed (deflate) before storing. @default 16384 */
  compressThresholdBytes?: number;
  /** Largest item written; larger bodies are split into chunks of this size. @default 1000000 */
  itemSizeBytes?: number;
  /** Largest body stored at all; larger ones are passed through and not stored. @default 8388608 */
  maxBodyBytes?: number;
  /** How long a request waits for another instance that is regenerating the same key. @default 5000 */
  lockWaitMs?: number;
  /** TTL of the regeneration lock; bounds how long a crashed regenerator blocks the key. @default 30 */
  lockTtl?: number;
  /** Receives outage and not-stored reasons (core's `Logger`: pino-compatible). @default none */
  logger?: Logger;
}

/** {@link ResponseCacheOptions} after defaults and validation. */
export interface ResolvedResponseCacheOptions {
  readonly client: MemcachedClient | undefined;
  readonly servers: ServerList | undefined;
  readonly backend: CacheBackend | undefined;
  readonly ttl: number;
  readonly tags: TagsOption | undefined;
  readonly key: KeyFunction | undefined;
  readonly staleWhileRevalidate: number;
  readonly staleIfError: number;
  readonly shareCookieRequests: boolean;
  readonly keyPrefix: string;
  readonly keyHeaders: readonly string[];
  readonly honorRequestNoCache: boolean;
  readonly passTtl: number;
  readonly statusCodes: ReadonlySet<number>;
  readonly sortQuery: boolean;
  readonly prefixes: readonly string[];
  readonly compressThresholdBytes: number;
  readonly itemSizeBytes: number;
  readonly maxBodyBytes: number;
  readonly lockWaitMs: number;
  readonly lockTtl: number;
  readonly logger: Logger | undefined;
}

/** The defaults applied by {@link resolveResponseCacheOptions}. */
export const DEFAULT_RESPONSE_CACHE_OPTIONS = Object.freeze({
  ttl: 60,
  staleWhileRevalidate: 0,
  staleIfError: 0,
  shareCookieRequests: false,
  keyPrefix: 'rc:',
  keyHeaders: Object.freeze([] as string[]),
  honorRequestNoCache: false,
  passTtl: 30,
  statusCodes: Object.freeze([200, 203, 204, 300, 301, 404, 405, 410, 414, 501]),
  sortQuery: false,
  prefixes: Object.freeze([] as string[]),
  compressThresholdBytes: 16_384,
  itemSizeBytes: 1_000_000,
  maxBodyBytes: 8_388_608,
  lockWaitMs: 5000,
  lockTtl: 30,
} as const);

// Records over every key keep the unknown-option checks in step with the types at compile time.
const ROUTE_KEYS: Record<keyof RouteCacheOptions, true> = {
  ttl: true,
  tags: true,
  key: true,
  staleWhileRevalidate: true,
  staleIfError: true,
  shareCookieRequests: true,
};

const KNOWN_KEYS: Record<keyof ResponseCacheOptions, true> = {
  ...ROUTE_KEYS,
  client: true,
  servers: true,
  backend: true,
  keyPrefix: true,
  keyHeaders: true,
  honorRequestNoCache: true,
  passTtl: true,
  statusCodes: true,
  sortQuery: true,
  prefixes: true,
  compressThresholdBytes: true,
  itemSizeBytes: true,
  maxBodyBytes: true,
  lockWaitMs: true,
  lockTtl: true,
  logger: true,
};

/** The option names {@link resolveResponseCacheOptions} accepts (adapters check theirs against it). */
export const RESPONSE_CACHE_OPTION_KEYS: readonly string[] = Object.freeze(Object.keys(KNOWN_KEYS));

function tagsOption(value: unknown): TagsOption | undefined {
  if (value === undefined || typeof value === 'function') return value as TagsOption | undefined;
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length > 0)) {
    throw invalidOption('tags', 'an array of non-empty strings or a function', value);
  }
  return Object.freeze([...value]);
}

// RFC 9110 §5.1 field-name token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function keyHeadersOption(value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((h) => typeof h === 'string' && HEADER_NAME.test(h))) {
    throw invalidOption('keyHeaders', 'an array of header names', value);
  }
  return Object.freeze([...new Set(value.map((h: string) => h.toLowerCase()))].sort());
}

/**
 * Validates per-route options (Fastify `config.cache`, Express `cacheResponse()`).
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on an unknown option or a bad value, naming both.
 */
export function resolveRouteCacheOptions(options: RouteCacheOptions = {}): RouteCacheOptions {
  const o = checkOptionKeys(options, ROUTE_KEYS);
  const out: RouteCacheOptions = {};
  if (o.ttl !== undefined) out.ttl = positiveIntegerOption('ttl', o.ttl);
  if (o.tags !== undefined) out.tags = tagsOption(o.tags);
  if (o.key !== undefined) out.key = functionOption('key', o.key);
  if (o.staleWhileRevalidate !== undefined)
    out.staleWhileRevalidate = nonNegativeIntegerOption(
      'staleWhileRevalidate',
      o.staleWhileRevalidate,
    );
  if (o.staleIfError !== undefined)
    out.staleIfError = nonNegativeIntegerOption('staleIfError', o.staleIfError);
  if (o.shareCookieRequests !== undefined)
    out.shareCookieRequests = booleanOption('shareCookieRequests', o.shareCookieRequests);
  return Object.freeze(out);
}

/**
 * Applies defaults, validates and freezes the cache options.
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on an unknown option or a bad value, naming both.
 */
export function resolveResponseCacheOptions(
  options: ResponseCacheOptions = {},
): ResolvedResponseCacheOptions {
  const o = checkOptionKeys(options, KNOWN_KEYS);
  const d = DEFAULT_RESPONSE_CACHE_OPTIONS;
  checkBackendChoice(o);
  const statusCodes = o.statusCodes ?? d.statusCodes;
  if (
    !Array.isArray(statusCodes) ||
    !statusCodes.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)
  ) {
    throw invalidOption('statusCodes', 'an array of HTTP status codes', statusCodes);
  }
  const prefixes = o.prefixes ?? d.prefixes;
  if (
    !Array.isArray(prefixes) ||
    !prefixes.every((p) => typeof p === 'string' && p.startsWith('/'))
  ) {
    throw invalidOption('prefixes', 'an array of URL paths starting with "/"', prefixes);
  }
  return Object.freeze({
    client: o.client,
    servers: o.servers,
    backend: o.backend,
    ttl: positiveIntegerOption('ttl', o.ttl ?? d.ttl),
    tags: tagsOption(o.tags),
    key: functionOption('key', o.key),
    staleWhileRevalidate: nonNegativeIntegerOption(
      'staleWhileRevalidate',
      o.staleWhileRevalidate ?? d.staleWhileRevalidate,
    ),
    staleIfError: nonNegativeIntegerOption('staleIfError', o.staleIfError ?? d.staleIfError),
    shareCookieRequests: booleanOption(
      'shareCookieRequests',
      o.shareCookieRequests ?? d.shareCookieRequests,
    ),
    // Room under memcached's 250-byte key limit for the kind and the 27-character hash.
    keyPrefix: keyPrefixOption('keyPrefix', o.keyPrefix ?? d.keyPrefix, 200),
    keyHeaders: keyHeadersOption(o.keyHeaders ?? d.keyHeaders),
    honorRequestNoCache: booleanOption(
      'honorRequestNoCache',
      o.honorRequestNoCache ?? d.honorRequestNoCache,
    ),
    passTtl: positiveIntegerOption('passTtl', o.passTtl ?? d.passTtl),
    statusCodes: new Set(statusCodes as number[]),
    sortQuery: booleanOption('sortQuery', o.sortQuery ?? d.sortQuery),
    prefixes: Object.freeze([...(prefixes as string[])]),
    compressThresholdBytes: nonNegativeIntegerOption(
      'compressThresholdBytes',
      o.compressThresholdBytes ?? d.compressThresholdBytes,
    ),
    itemSizeBytes: integerOption('itemSizeBytes', o.itemSizeBytes ?? d.itemSizeBytes, {
      min: 1024,
    }),
    maxBodyBytes: nonNegativeIntegerOption('maxBodyBytes', o.maxBodyBytes ?? d.maxBodyBytes),
    lockWaitMs: nonNegativeIntegerOption('lockWaitMs', o.lockWaitMs ?? d.lockWaitMs),
    lockTtl: positiveIntegerOption('lockTtl', o.lockTtl ?? d.lockTtl),
    logger: loggerOption('logger', o.logger),
  });
}
