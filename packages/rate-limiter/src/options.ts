import {
  booleanOption,
  type CacheBackend,
  checkBackendChoice,
  checkOptionKeys,
  enumOption,
  functionOption,
  integerOption,
  invalidOption,
  keyPrefixOption,
  type Logger,
  loggerOption,
  type MemcachedClient,
  positiveIntegerOption,
  type ServerList,
  stringOption,
} from '@memkit/core';

/** How hits are counted. All three are atomic across every process sharing the memcached fleet. */
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window' | 'gcra';

/** The rate limiter's logger: core's pino-compatible {@link Logger}. */
export type RateLimiterLogger = Logger;

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
  /** A client the caller owns; never closed by the limiter. @default none (see `servers`) */
  client?: MemcachedClient | undefined;
  /** Servers for a client the limiter creates and closes on `close()`. @default `MEMCACHED_SERVERS` or `127.0.0.1:11211` */
  servers?: ServerList | undefined;
  /** Where counters live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend | undefined;
  /**
   * Prefix of every key the limiter writes. Given explicitly, limiters sharing it share counters
   * (across processes too), so a second limiter with the same `keyPrefix` and other settings
   * throws. Left out, the prefix is `rl:` plus the settings, so limiters with different
   * settings never share counters. @default 'rl:<algorithm><limit>-<windowSeconds>:'
   */
  keyPrefix?: string | undefined;
  /** Keeps this limiter's counters apart from others with the same settings; the Fastify plugin passes each limited route's `METHOD url`. @default none */
  scope?: string | undefined;
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
  readonly servers: ServerList | undefined;
  readonly backend: CacheBackend | undefined;
  /** The explicit `keyPrefix`, or `undefined` for the settings-derived default. */
  readonly keyPrefix: string | undefined;
  readonly scope: string | undefined;
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
  keyPrefix: 'rl:',
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
  keyPrefix: true,
  scope: true,
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
const STANDARD_HEADERS = [true, false, 'draft-7', 'draft-8'] as const;
const RESPONSE_FORMATS: readonly RateLimitResponseFormat[] = ['json', 'problem+json'];

/**
 * Applies defaults, validates and freezes engine options.
 * @throws MemcachedInvalidOptionError on an unknown option or a bad value, naming both.
 */
export function resolveRateLimiterOptions(options: RateLimiterOptions): ResolvedRateLimiterOptions {
  return resolveEngine(checkOptionKeys(options, ENGINE_KEYS));
}

/**
 * Applies defaults, validates and freezes the HTTP adapters' options.
 * @throws MemcachedInvalidOptionError on an unknown option or a bad value, naming both.
 */
export function resolveHttpRateLimitOptions<Req>(
  options: HttpRateLimitOptions<Req>,
): ResolvedHttpRateLimitOptions<Req> {
  const o = checkOptionKeys(options, HTTP_KEYS);
  const d = DEFAULT_RATE_LIMITER_OPTIONS;
  const cost = o.cost ?? d.cost;
  if (typeof cost !== 'function') positiveIntegerOption('cost', cost);
  const allowList = o.allowList ?? [];
  if (!Array.isArray(allowList) || allowList.some((k) => typeof k !== 'string')) {
    throw invalidOption('allowList', 'an array of strings', allowList);
  }
  const standard = enumOption(
    'standardHeaders',
    o.standardHeaders ?? d.standardHeaders,
    STANDARD_HEADERS,
  );
  const subnet = o.ipv6Subnet ?? d.ipv6Subnet;
  return Object.freeze({
    engine: resolveEngine(o),
    keyGenerator: functionOption('keyGenerator', o.keyGenerator),
    skip: functionOption('skip', o.skip),
    allowList: new Set(allowList),
    cost,
    skipFailedRequests: booleanOption(
      'skipFailedRequests',
      o.skipFailedRequests ?? d.skipFailedRequests,
    ),
    skipSuccessfulRequests: booleanOption(
      'skipSuccessfulRequests',
      o.skipSuccessfulRequests ?? d.skipSuccessfulRequests,
    ),
    legacyHeaders: booleanOption('legacyHeaders', o.legacyHeaders ?? d.legacyHeaders),
    standardHeaders: standard === true ? 'draft-8' : standard,
    statusCode: integerOption('statusCode', o.statusCode ?? d.statusCode, { min: 400, max: 599 }),
    responseFormat: enumOption(
      'responseFormat',
      o.responseFormat ?? d.responseFormat,
      RESPONSE_FORMATS,
    ),
    ipv6Subnet:
      subnet === false ? false : integerOption('ipv6Subnet', subnet, { min: 1, max: 128 }),
  });
}

function resolveEngine(o: RateLimiterOptions): ResolvedRateLimiterOptions {
  const d = DEFAULT_RATE_LIMITER_OPTIONS;
  const limit = positiveIntegerOption('limit', o.limit);
  checkBackendChoice(o);
  return Object.freeze({
    limit,
    windowSeconds: positiveIntegerOption('windowSeconds', o.windowSeconds),
    algorithm: enumOption('algorithm', o.algorithm ?? d.algorithm, ALGORITHMS),
    burst: positiveIntegerOption('burst', o.burst ?? limit),
    client: o.client,
    servers: o.servers,
    backend: o.backend,
    // Room for the settings tag, the scope hash, a hashed key and the sliding window's suffix.
    keyPrefix:
      o.keyPrefix === undefined ? undefined : keyPrefixOption('keyPrefix', o.keyPrefix, 64),
    scope:
      o.scope === undefined
        ? undefined
        : stringOption('scope', o.scope, { allowEmpty: false, expected: 'a non-empty string' }),
    failOpen: booleanOption('failOpen', o.failOpen ?? d.failOpen),
    fallback: booleanOption('fallback', o.fallback ?? d.fallback),
    fallbackMaxKeys: positiveIntegerOption(
      'fallbackMaxKeys',
      o.fallbackMaxKeys ?? d.fallbackMaxKeys,
    ),
    logger: loggerOption('logger', o.logger),
    now: functionOption('now', o.now) ?? Date.now,
  });
}
