import type { CacheBackend, MemcachedClient } from '@memkit/core';

/** How hits are counted. All three are atomic across every process sharing the memcached fleet. */
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window' | 'gcra';

/** A pino-compatible logger; the rate limiter never writes to the console. */
export interface RateLimiterLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
  info?(obj: Record<string, unknown>, msg?: string): void;
}

/** Options of the framework-free {@link RateLimiter} engine. */
export interface RateLimiterOptions {
  /** Requests (cost units) allowed per window and key. Required. */
  limit: number;
  /** Length of the window in seconds. Required. */
  windowSeconds: number;
  /** Counting algorithm. @default 'fixed-window' */
  algorithm?: RateLimitAlgorithm;
  /** GCRA only: how many units may arrive at once before spacing is enforced. @default limit */
  burst?: number;
  /** A client the caller owns; never closed by the limiter. @default a shared client */
  client?: MemcachedClient;
  /** Servers for a client the limiter creates and closes on `close()`. @default none */
  servers?: string | string[];
  /** Where counters live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend;
  /** Prefix of every memcached key the limiter writes. @default 'rl:' */
  prefix?: string;
  /** Allow requests when memcached fails (`false`: the failure is thrown, adapters answer 503). @default true */
  failOpen?: boolean;
  /** With `failOpen`, count in process memory while memcached fails, so the app stays protected. @default true */
  fallback?: boolean;
  /** Keys the in-memory fallback holds at most; the oldest are dropped first. @default 10000 */
  fallbackMaxKeys?: number;
  /** Receives outage and recovery messages. @default none */
  logger?: RateLimiterLogger;
  /** Clock in milliseconds, read by sliding-window, GCRA and the fallback. @default Date.now */
  now?: () => number;
}

/** Shape of the JSON body sent with a 429. */
export type RateLimitResponseFormat = 'json' | 'problem+json';

/** Which IETF draft of the `RateLimit` / `RateLimit-Policy` headers to send. */
export type StandardHeadersVersion = 'draft-7' | 'draft-8';

/** HTTP options shared by the Express middleware and the Fastify plugin. */
export interface HttpRateLimitOptions<Req> extends RateLimiterOptions {
  /** Derives the client key; the framework's trust-proxy-aware IP by default. @default req.ip */
  keyGenerator?: (req: Req) => string | Promise<string>;
  /** Returns true for requests that are neither counted nor limited. @default none */
  skip?: (req: Req) => boolean | Promise<boolean>;
  /** Keys (usually IPs) that are never limited. @default [] */
  allowList?: readonly string[];
  /** Units a request consumes. @default 1 */
  cost?: number | ((req: Req) => number | Promise<number>);
  /** Refund requests answered with status >= 400 (or aborted) after the response. @default false */
  skipFailedRequests?: boolean;
  /** Refund requests answered with status < 400 after the response. @default false */
  skipSuccessfulRequests?: boolean;
  /** Send `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (epoch seconds). @default true */
  legacyHeaders?: boolean;
  /** Send the IETF draft's `RateLimit-Policy` and `RateLimit` headers; `true` means 'draft-8'. @default false */
  standardHeaders?: boolean | StandardHeadersVersion;
  /** Status of a limited response. @default 429 */
  statusCode?: number;
  /** Body of a limited response: the guide's JSON or RFC 9457 `application/problem+json`. @default 'json' */
  responseFormat?: RateLimitResponseFormat;
  /** Group IPv6 clients by this prefix length (a /56 is one customer); `false` keys by full address. @default 56 */
  ipv6Subnet?: number | false;
}

/** {@link RateLimiterOptions} after defaults and validation. */
export interface ResolvedRateLimiterOptions {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly algorithm: RateLimitAlgorithm;
  readonly burst: number;
  readonly client: MemcachedClient | undefined;
  readonly servers: string | string[] | undefined;
  readonly backend: CacheBackend | undefined;
  readonly prefix: string;
  readonly failOpen: boolean;
  readonly fallback: boolean;
  readonly fallbackMaxKeys: number;
  readonly logger: RateLimiterLogger | undefined;
  readonly now: () => number;
}

/** {@link HttpRateLimitOptions} after defaults and validation. */
export interface ResolvedHttpRateLimitOptions<Req> {
  readonly engine: ResolvedRateLimiterOptions;
  readonly keyGenerator: ((req: Req) => string | Promise<string>) | undefined;
  readonly skip: ((req: Req) => boolean | Promise<boolean>) | undefined;
  readonly allowList: ReadonlySet<string>;
  readonly cost: number | ((req: Req) => number | Promise<number>);
  readonly skipFailedRequests: boolean;
  readonly skipSuccessfulRequests: boolean;
  readonly legacyHeaders: boolean;
  readonly standardHeaders: StandardHeadersVersion | false;
  readonly statusCode: number;
  readonly responseFormat: RateLimitResponseFormat;
  readonly ipv6Subnet: number | false;
}

/** Defaults applied by {@link resolveRateLimiterOptions} and {@link resolveHttpRateLimitOptions}. */
export const DEFAULT_RATE_LIMITER_OPTIONS = Object.freeze({
  algorithm: 'fixed-window',
  prefix: 'rl:',
  failOpen: true,
  fallback: true,
  fallbackMaxKeys: 10_000,
  cost: 1,
  skipFailedRequests: false,
  skipSuccessfulRequests: false,
  legacyHeaders: true,
  standardHeaders: false,
  statusCode: 429,
  responseFormat: 'json',
  ipv6Subnet: 56,
} as const);

// Records over every key keep the unknown-option check in step with the types at compile time.
const ENGINE_KEYS: Record<keyof RateLimiterOptions, true> = {
  limit: true,
  windowSeconds: true,
  algorithm: true,
  burst: true,
  client: true,
  servers: true,
  backend: true,
  prefix: true,
  failOpen: true,
  fallback: true,
  fallbackMaxKeys: true,
  logger: true,
  now: true,
};
const HTTP_KEYS: Record<keyof HttpRateLimitOptions<unknown>, true> = {
  ...ENGINE_KEYS,
  keyGenerator: true,
  skip: true,
  allowList: true,
  cost: true,
  skipFailedRequests: true,
  skipSuccessfulRequests: true,
  legacyHeaders: true,
  standardHeaders: true,
  statusCode: true,
  responseFormat: true,
  ipv6Subnet: true,
};

const ALGORITHMS: readonly RateLimitAlgorithm[] = ['fixed-window', 'sliding-window', 'gcra'];

/**
 * Applies defaults, validates and freezes engine options.
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveRateLimiterOptions(options: RateLimiterOptions): ResolvedRateLimiterOptions {
  checkKeys(options, ENGINE_KEYS);
  return resolveEngine(options);
}

/**
 * Applies defaults, validates and freezes the HTTP adapters' options.
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveHttpRateLimitOptions<Req>(
  options: HttpRateLimitOptions<Req>,
): ResolvedHttpRateLimitOptions<Req> {
  checkKeys(options, HTTP_KEYS);
  const d = DEFAULT_RATE_LIMITER_OPTIONS;
  const o = options;
  const cost = o.cost ?? d.cost;
  if (typeof cost !== 'function') positiveInteger('cost', cost);
  const allowList = o.allowList ?? [];
  if (!Array.isArray(allowList) || allowList.some((k) => typeof k !== 'string')) {
    throw new RangeError(
      `Invalid option "allowList": expected an array of strings, got ${String(allowList)}.`,
    );
  }
  const standard = o.standardHeaders ?? d.standardHeaders;
  if (standard !== true && standard !== false && standard !== 'draft-7' && standard !== 'draft-8') {
    throw new RangeError(
      `Invalid option "standardHeaders": expected a boolean, 'draft-7' or 'draft-8', got ${String(standard)}.`,
    );
  }
  const statusCode = o.statusCode ?? d.statusCode;
  if (!Number.isInteger(statusCode) || statusCode < 400 || statusCode > 599) {
    throw new RangeError(
      `Invalid option "statusCode": expected an integer from 400 to 599, got ${String(statusCode)}.`,
    );
  }
  const format = o.responseFormat ?? d.responseFormat;
  if (format !== 'json' && format !== 'problem+json') {
    throw new RangeError(
      `Invalid option "responseFormat": expected 'json' or 'problem+json', got ${String(format)}.`,
    );
  }
  const subnet = o.ipv6Subnet ?? d.ipv6Subnet;
  if (subnet !== false && (!Number.isInteger(subnet) || subnet < 1 || subnet > 128)) {
    throw new RangeError(
      `Invalid option "ipv6Subnet": expected false or an integer from 1 to 128, got ${String(subnet)}.`,
    );
  }
  return Object.freeze({
    engine: resolveEngine(options),
    keyGenerator: optionalFunction('keyGenerator', o.keyGenerator),
    skip: optionalFunction('skip', o.skip),
    allowList: new Set(allowList),
    cost,
    skipFailedRequests: bool('skipFailedRequests', o.skipFailedRequests ?? d.skipFailedRequests),
    skipSuccessfulRequests: bool(
      'skipSuccessfulRequests',
      o.skipSuccessfulRequests ?? d.skipSuccessfulRequests,
    ),
    legacyHeaders: bool('legacyHeaders', o.legacyHeaders ?? d.legacyHeaders),
    standardHeaders: standard === true ? 'draft-8' : standard,
    statusCode,
    responseFormat: format,
    ipv6Subnet: subnet,
  });
}

function resolveEngine(o: RateLimiterOptions): ResolvedRateLimiterOptions {
  const d = DEFAULT_RATE_LIMITER_OPTIONS;
  const limit = positiveInteger('limit', o.limit);
  const algorithm = o.algorithm ?? d.algorithm;
  if (!ALGORITHMS.includes(algorithm)) {
    throw new RangeError(
      `Invalid option "algorithm": expected one of ${ALGORITHMS.join(', ')}, got ${String(algorithm)}.`,
    );
  }
  if (o.client !== undefined && o.servers !== undefined) {
    throw new RangeError(
      'Invalid option "servers": pass either "client" (you own it) or "servers" (we create one), not both.',
    );
  }
  if (o.backend !== undefined && (o.client !== undefined || o.servers !== undefined)) {
    throw new RangeError(
      `Invalid option "backend": pass one of "backend", "client" or "servers", not ${o.client !== undefined ? '"client"' : '"servers"'} as well.`,
    );
  }
  if (
    o.backend !== undefined &&
    (typeof o.backend !== 'object' ||
      o.backend === null ||
      typeof o.backend.increment !== 'function')
  ) {
    throw new RangeError(
      `Invalid option "backend": expected a CacheBackend (MemcachedBackend or RedisBackend), got ${String(o.backend)}.`,
    );
  }
  if (
    o.servers !== undefined &&
    typeof o.servers !== 'string' &&
    !(Array.isArray(o.servers) && o.servers.every((s) => typeof s === 'string'))
  ) {
    throw new RangeError(
      `Invalid option "servers": expected a string or an array of "host:port" strings, got ${String(o.servers)}.`,
    );
  }
  const prefix = o.prefix ?? d.prefix;
  if (typeof prefix !== 'string' || !/^[\x21-\x7e]{0,64}$/.test(prefix)) {
    throw new RangeError(
      `Invalid option "prefix": expected up to 64 printable ASCII characters without spaces, got ${String(prefix)}.`,
    );
  }
  const logger = o.logger;
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger.warn !== 'function')) {
    throw new RangeError('Invalid option "logger": expected a pino-compatible logger.');
  }
  return Object.freeze({
    limit,
    windowSeconds: positiveInteger('windowSeconds', o.windowSeconds),
    algorithm,
    burst: positiveInteger('burst', o.burst ?? limit),
    client: o.client,
    servers: o.servers,
    backend: o.backend,
    prefix,
    failOpen: bool('failOpen', o.failOpen ?? d.failOpen),
    fallback: bool('fallback', o.fallback ?? d.fallback),
    fallbackMaxKeys: positiveInteger('fallbackMaxKeys', o.fallbackMaxKeys ?? d.fallbackMaxKeys),
    logger,
    now: optionalFunction('now', o.now) ?? Date.now,
  });
}

function checkKeys(options: unknown, known: Record<string, true>): void {
  if (options === null || typeof options !== 'object') {
    throw new RangeError(`Invalid options: expected an object, got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!(key in known)) {
      throw new RangeError(
        `Invalid option "${key}": unknown option. Known options: ${Object.keys(known).join(', ')}.`,
      );
    }
  }
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `Invalid option "${name}": expected a positive integer, got ${String(value)}.`,
    );
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new RangeError(`Invalid option "${name}": expected a boolean, got ${String(value)}.`);
  }
  return value;
}

function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new RangeError(`Invalid option "${name}": expected a function, got ${String(value)}.`);
  }
  return value;
}
