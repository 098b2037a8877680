import type { CacheBackend, MemcachedClient, ServerList } from '@memkit/core';
import type { CacheRequest } from './http-types.js';

/** A pino-compatible logger; the cache never writes to the console. */
export interface ResponseCacheLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
  debug?(obj: Record<string, unknown>, msg?: string): void;
}

/** Tags an entry is stored under: fixed, or computed from the request. */
export type TagsOption = readonly string[] | ((req: CacheRequest) => readonly string[]);

/** Turns a request into its cache key (before hashing); method and Vary are added by the engine. */
export type KeyFunction = (req: CacheRequest) => string;

/** Per-route settings (Fastify `config.cache`, Express `cacheResponse(...)`); override the defaults. */
export interface RouteCacheOptions {
  /** Freshness in seconds when the origin sends no `s-maxage`/`max-age`/`Expires`. */
  ttl?: number;
  /** Tags for {@link ResponseCache.invalidateTags}. */
  tags?: TagsOption;
  /** Custom cache key; {@link ResponseCache.invalidate} then takes the same string. */
  key?: KeyFunction;
  /** Seconds past freshness during which a stale copy is served while one request refreshes. */
  staleWhileRevalidate?: number;
  /** Seconds past freshness during which a stale copy replaces a thrown error or a 5xx. */
  staleIfError?: number;
}

/** Options of the response cache engine and both adapters. */
export interface ResponseCacheOptions extends RouteCacheOptions {
  /** A client the caller owns; never closed by the cache. @default none (created from `servers`) */
  client?: MemcachedClient;
  /** Servers for a client the cache creates and closes. @default MEMCACHED_SERVERS or 127.0.0.1:11211 */
  servers?: ServerList;
  /** Where entries live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend;
  /** Default freshness in seconds when the origin gives none. @default 60 */
  ttl?: number;
  /** Prefix of every memcached key the cache writes. @default 'rc:' */
  keyPrefix?: string;
  /** Status codes that may be stored (RFC 9111 §3 "heuristically cacheable" set). @default [200, 203, 204, 300, 301, 404, 405, 410, 414, 501] */
  statusCodes?: readonly number[];
  /** Sort query parameters when building the key (`?b=1&a=2` equals `?a=2&b=1`). @default false */
  sortQuery?: boolean;
  /** URL path prefixes that {@link ResponseCache.invalidatePrefix} may invalidate. @default [] */
  prefixes?: readonly string[];
  /** Bodies larger than this are compressed (deflate) before storing. @default 16384 */
  compressThresholdBytes?: number;
  /** Largest item written to memcached; larger bodies are split into chunks of this size. @default 1000000 */
  itemSizeBytes?: number;
  /** Largest body stored at all; larger ones are passed through and not stored. @default 8388608 */
  maxBodyBytes?: number;
  /** How long a request waits for another instance that is regenerating the same key. @default 5000 */
  lockWaitMs?: number;
  /** TTL of the regeneration lock; bounds how long a crashed regenerator blocks the key. @default 30 */
  lockTtl?: number;
  /** Receives outage and not-stored reasons. @default none */
  logger?: ResponseCacheLogger;
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
  readonly keyPrefix: string;
  readonly statusCodes: ReadonlySet<number>;
  readonly sortQuery: boolean;
  readonly prefixes: readonly string[];
  readonly compressThresholdBytes: number;
  readonly itemSizeBytes: number;
  readonly maxBodyBytes: number;
  readonly lockWaitMs: number;
  readonly lockTtl: number;
  readonly logger: ResponseCacheLogger | undefined;
}

/** The defaults applied by {@link resolveResponseCacheOptions}. */
export const DEFAULT_RESPONSE_CACHE_OPTIONS = Object.freeze({
  ttl: 60,
  staleWhileRevalidate: 0,
  staleIfError: 0,
  keyPrefix: 'rc:',
  statusCodes: Object.freeze([200, 203, 204, 300, 301, 404, 405, 410, 414, 501]),
  sortQuery: false,
  prefixes: Object.freeze([] as string[]),
  compressThresholdBytes: 16_384,
  itemSizeBytes: 1_000_000,
  maxBodyBytes: 8_388_608,
  lockWaitMs: 5000,
  lockTtl: 30,
} as const);

// A Record over every key keeps the unknown-option check in step with the type at compile time.
const KNOWN_KEYS: Record<keyof ResponseCacheOptions, true> = {
  client: true,
  servers: true,
  backend: true,
  ttl: true,
  tags: true,
  key: true,
  staleWhileRevalidate: true,
  staleIfError: true,
  keyPrefix: true,
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

const ROUTE_KEYS: Record<keyof RouteCacheOptions, true> = {
  ttl: true,
  tags: true,
  key: true,
  staleWhileRevalidate: true,
  staleIfError: true,
};

function fail(name: string, expected: string, got: unknown): never {
  const shown = typeof got === 'function' ? 'a function' : (JSON.stringify(got) ?? String(got));
  throw new RangeError(`Invalid option "${name}": expected ${expected}, got ${shown}.`);
}

function checkObject(options: unknown, known: Record<string, true>): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RangeError(`Invalid options: expected an object, got ${String(options)}.`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!(key in known)) {
      throw new RangeError(
        `Invalid option "${key}": unknown option. Known options: ${Object.keys(known).join(', ')}.`,
      );
    }
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function integer(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(name, min === 0 ? 'a non-negative integer' : `an integer >= ${min}`, value);
  }
  return value;
}

function tagsOption(value: unknown): TagsOption | undefined {
  if (value === undefined || typeof value === 'function') return value as TagsOption | undefined;
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string' && t.length > 0)) {
    fail('tags', 'an array of non-empty strings or a function', value);
  }
  return Object.freeze([...value]);
}

function keyOption(value: unknown): KeyFunction | undefined {
  if (value !== undefined && typeof value !== 'function') fail('key', 'a function', value);
  return value as KeyFunction | undefined;
}

/**
 * Validates per-route options (Fastify `config.cache`, Express `cacheResponse()`).
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveRouteCacheOptions(options: RouteCacheOptions = {}): RouteCacheOptions {
  const o = checkObject(options, ROUTE_KEYS);
  const out: RouteCacheOptions = {};
  if (o.ttl !== undefined) out.ttl = integer('ttl', o.ttl, 1);
  if (o.tags !== undefined) out.tags = tagsOption(o.tags);
  if (o.key !== undefined) out.key = keyOption(o.key);
  if (o.staleWhileRevalidate !== undefined)
    out.staleWhileRevalidate = integer('staleWhileRevalidate', o.staleWhileRevalidate, 0);
  if (o.staleIfError !== undefined) out.staleIfError = integer('staleIfError', o.staleIfError, 0);
  return Object.freeze(out);
}

/**
 * Applies defaults, validates and freezes the cache options.
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveResponseCacheOptions(
  options: ResponseCacheOptions = {},
): ResolvedResponseCacheOptions {
  const o = checkObject(options, KNOWN_KEYS);
  const d = DEFAULT_RESPONSE_CACHE_OPTIONS;
  if (o.client !== undefined && o.servers !== undefined) {
    throw new RangeError(
      'Invalid option "servers": expected either "client" or "servers", got both. Pass one.',
    );
  }
  if (o.client !== undefined && (typeof o.client !== 'object' || o.client === null)) {
    fail('client', 'a MemcachedClient', o.client);
  }
  if (o.backend !== undefined && (o.client !== undefined || o.servers !== undefined)) {
    throw new RangeError(
      `Invalid option "backend": expected one of "backend", "client" or "servers", got ${o.client !== undefined ? '"client"' : '"servers"'} as well. Pass one.`,
    );
  }
  const backend = o.backend as CacheBackend | undefined;
  if (
    backend !== undefined &&
    (typeof backend !== 'object' ||
      backend === null ||
      typeof backend.fetchForRecache !== 'function')
  ) {
    fail('backend', 'a CacheBackend (MemcachedBackend or RedisBackend)', backend);
  }
  const servers = o.servers;
  if (servers !== undefined && typeof servers !== 'string' && !Array.isArray(servers)) {
    fail('servers', 'a "host:port" string or a list of servers', servers);
  }
  const keyPrefix = o.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string' || keyPrefix.length > 40 || /[\s\x00-\x1f]/.test(keyPrefix)) {
    fail('keyPrefix', 'a string of at most 40 characters without whitespace', keyPrefix);
  }
  const statusCodes = o.statusCodes ?? d.statusCodes;
  if (
    !Array.isArray(statusCodes) ||
    !statusCodes.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)
  ) {
    fail('statusCodes', 'an array of HTTP status codes', statusCodes);
  }
  const prefixes = o.prefixes ?? d.prefixes;
  if (
    !Array.isArray(prefixes) ||
    !prefixes.every((p) => typeof p === 'string' && p.startsWith('/'))
  ) {
    fail('prefixes', 'an array of URL paths starting with "/"', prefixes);
  }
  const sortQuery = o.sortQuery ?? d.sortQuery;
  if (typeof sortQuery !== 'boolean') fail('sortQuery', 'a boolean', sortQuery);
  const logger = o.logger as ResponseCacheLogger | undefined;
  if (logger !== undefined && typeof logger?.warn !== 'function') {
    fail('logger', 'an object with a warn() method', logger);
  }
  const itemSizeBytes = integer('itemSizeBytes', o.itemSizeBytes ?? d.itemSizeBytes, 1024);
  return Object.freeze({
    client: o.client as MemcachedClient | undefined,
    servers: servers as ServerList | undefined,
    backend,
    ttl: integer('ttl', o.ttl ?? d.ttl, 1),
    tags: tagsOption(o.tags),
    key: keyOption(o.key),
    staleWhileRevalidate: integer(
      'staleWhileRevalidate',
      o.staleWhileRevalidate ?? d.staleWhileRevalidate,
      0,
    ),
    staleIfError: integer('staleIfError', o.staleIfError ?? d.staleIfError, 0),
    keyPrefix,
    statusCodes: new Set(statusCodes as number[]),
    sortQuery,
    prefixes: Object.freeze([...(prefixes as string[])]),
    compressThresholdBytes: integer(
      'compressThresholdBytes',
      o.compressThresholdBytes ?? d.compressThresholdBytes,
      0,
    ),
    itemSizeBytes,
    maxBodyBytes: integer('maxBodyBytes', o.maxBodyBytes ?? d.maxBodyBytes, 0),
    lockWaitMs: integer('lockWaitMs', o.lockWaitMs ?? d.lockWaitMs, 0),
    lockTtl: integer('lockTtl', o.lockTtl ?? d.lockTtl, 1),
    logger,
  });
}
