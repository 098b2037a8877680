import {
  booleanOption,
  type CacheBackend,
  checkBackendChoice,
  checkOptionKeys,
  functionOption,
  invalidOption,
  keyPrefixOption,
  type Logger,
  loggerOption,
  type MemcachedClient,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  type ServerList,
} from '@memkit/core';
import type { SessionSerializer } from './session-serializer.js';

/** Data of one session as the frameworks hand it over: user fields plus an optional `cookie`. */
export interface StoredSession {
  /** The session cookie's settings; `expires`/`maxAge`/`originalMaxAge` set the TTL. */
  cookie?: SessionCookieLike | undefined;
  [key: string]: unknown;
}

/** The cookie fields the store reads (express-session's and @fastify/session's `Cookie`). */
export interface SessionCookieLike {
  /** Absolute expiry of the cookie; wins over `maxAge` when both are set. */
  expires?: Date | string | null | undefined;
  /** Milliseconds the cookie lives from now. */
  maxAge?: number | null | undefined;
  /** The `maxAge` the cookie was created with, in milliseconds. */
  originalMaxAge?: number | null | undefined;
}

/** Resolves the TTL of one session in seconds. */
export type SessionTtlFunction = (session: StoredSession) => number;

/** Rewrites a session after a CAS conflict: `stored` is what memcached holds now, `mine` the change being saved. */
export type SessionMergeFunction = (stored: StoredSession, mine: StoredSession) => StoredSession;

/** Compare-and-swap settings of {@link MemcachedStoreOptions.cas}. */
export interface SessionCasOptions {
  /** Called on a conflict to combine both changes; without it a conflict is an error. @default none */
  merge?: SessionMergeFunction | undefined;
  /** How many merge-and-retry rounds are tried before giving up with an error. @default 3 */
  retries?: number | undefined;
}

/** The session store's logger: core's pino-compatible {@link Logger}; only `warn` is used (undeserializable session data). */
export type SessionLogger = Logger;

/** Options of {@link MemcachedStore}. TTLs and `touchAfter` are seconds. */
export interface MemcachedStoreOptions {
  /** A client the caller owns; the store never closes it. @default none (see `servers`) */
  client?: MemcachedClient | undefined;
  /** Servers for a client the store creates and closes on `close()`. @default `MEMCACHED_SERVERS` or `127.0.0.1:11211` */
  servers?: ServerList | undefined;
  /** Where sessions live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend | undefined;
  /** Prepended to every session id to form the storage key. @default 'sess:' */
  keyPrefix?: string | undefined;
  /** TTL when the cookie has neither `maxAge` nor `expires` (seconds, or a function of the session). @default 86400 */
  ttl?: number | SessionTtlFunction | undefined;
  /** An unmodified session is touched at most once per this many seconds. @default a tenth of its TTL */
  touchAfter?: number | undefined;
  /** Turns a session into the stored string and back. @default JSON */
  serializer?: SessionSerializer | undefined;
  /** Never extend the expiry of unmodified sessions: they expire `ttl` after their last write. @default false */
  disableTouch?: boolean | undefined;
  /** Refuse (or merge) a write whose session another request changed since it was read, instead of last-writer-wins. A logout sticks either way. @default false */
  cas?: boolean | SessionCasOptions | undefined;
  /** Told about session data that no longer deserializes (it is then treated as missing). @default none */
  logger?: SessionLogger | undefined;
}

/** {@link MemcachedStoreOptions} after defaults and validation. */
export interface ResolvedMemcachedStoreOptions {
  readonly client: MemcachedClient | undefined;
  readonly servers: ServerList | undefined;
  readonly backend: CacheBackend | undefined;
  readonly keyPrefix: string;
  readonly ttl: number | SessionTtlFunction;
  readonly touchAfter: number | undefined;
  readonly serializer: SessionSerializer;
  readonly disableTouch: boolean;
  /** `undefined` when CAS is off. */
  readonly cas:
    | { readonly merge: SessionMergeFunction | undefined; readonly retries: number }
    | undefined;
  readonly logger: SessionLogger | undefined;
}

/** The defaults applied by {@link resolveMemcachedStoreOptions}. */
export const DEFAULT_MEMCACHED_STORE_OPTIONS = Object.freeze({
  keyPrefix: 'sess:',
  ttl: 86_400,
  disableTouch: false,
  cas: false,
  casRetries: 3,
  serializer: Object.freeze({
    stringify: (value: unknown): string => JSON.stringify(value),
    parse: (text: string): unknown => JSON.parse(text),
  }) satisfies SessionSerializer,
} as const);

// A Record over every key keeps the unknown-option check in step with the type at compile time.
const KNOWN_KEYS: Record<keyof MemcachedStoreOptions, true> = {
  client: true,
  servers: true,
  backend: true,
  keyPrefix: true,
  ttl: true,
  touchAfter: true,
  serializer: true,
  disableTouch: true,
  cas: true,
  logger: true,
};

const KNOWN_CAS_KEYS: Record<keyof SessionCasOptions, true> = { merge: true, retries: true };

/** The longest prefix that still leaves room for a 43-character session id in a 250-byte key. */
const MAX_PREFIX_BYTES = 200;

/**
 * Applies defaults, validates and freezes store options.
 * @throws MemcachedInvalidOptionError on an unknown option or a bad value, naming both.
 */
export function resolveMemcachedStoreOptions(
  options: MemcachedStoreOptions = {},
): ResolvedMemcachedStoreOptions {
  const o = checkOptionKeys(options, KNOWN_KEYS);
  const d = DEFAULT_MEMCACHED_STORE_OPTIONS;
  checkBackendChoice(o);
  const ttl = o.ttl ?? d.ttl;
  if (typeof ttl !== 'function') positiveIntegerOption('ttl', ttl);
  const serializer = o.serializer ?? d.serializer;
  if (
    typeof serializer !== 'object' ||
    serializer === null ||
    typeof serializer.stringify !== 'function' ||
    typeof serializer.parse !== 'function'
  ) {
    throw invalidOption('serializer', '{ stringify(value): string, parse(text) }', serializer);
  }
  return Object.freeze({
    client: o.client,
    servers: o.servers,
    backend: o.backend,
    keyPrefix: keyPrefixOption('keyPrefix', o.keyPrefix ?? d.keyPrefix, MAX_PREFIX_BYTES),
    ttl,
    touchAfter:
      o.touchAfter === undefined ? undefined : nonNegativeIntegerOption('touchAfter', o.touchAfter),
    serializer,
    disableTouch: booleanOption('disableTouch', o.disableTouch ?? d.disableTouch),
    cas: resolveCas(o.cas ?? d.cas),
    logger: loggerOption('logger', o.logger),
  });
}

function resolveCas(cas: unknown): ResolvedMemcachedStoreOptions['cas'] {
  if (cas === false) return undefined;
  if (cas === true)
    return Object.freeze({ merge: undefined, retries: DEFAULT_MEMCACHED_STORE_OPTIONS.casRetries });
  if (typeof cas !== 'object' || cas === null) {
    throw invalidOption('cas', 'a boolean or { merge?, retries? }', cas);
  }
  const { merge, retries } = checkOptionKeys(cas as SessionCasOptions, KNOWN_CAS_KEYS, 'cas.');
  return Object.freeze({
    merge: functionOption('cas.merge', merge),
    retries: nonNegativeIntegerOption(
      'cas.retries',
      retries ?? DEFAULT_MEMCACHED_STORE_OPTIONS.casRetries,
    ),
  });
}
