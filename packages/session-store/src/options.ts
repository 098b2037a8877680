import type { CacheBackend, MemcachedClient, ServerList } from '@memkit/core';
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

/** A pino-compatible logger; only `warn` is used (undeserializable session data). */
export interface SessionLogger {
  /** Receives one structured object and a message. */
  warn(obj: Record<string, unknown>, msg?: string): void;
}

/** Options of {@link MemcachedStore}. TTLs and `touchAfter` are seconds. */
export interface MemcachedStoreOptions {
  /** A client the caller owns; the store never closes it. @default none (see `servers`) */
  client?: MemcachedClient | undefined;
  /** Servers for a client the store creates and closes on `close()`. @default `MEMCACHED_SERVERS` or `127.0.0.1:11211` */
  servers?: ServerList | undefined;
  /** Where sessions live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend | undefined;
  /** Prepended to every session id to form the memcached key. @default 'sess:' */
  prefix?: string | undefined;
  /** TTL when the cookie has neither `maxAge` nor `expires` (seconds, or a function of the session). @default 86400 */
  ttl?: number | SessionTtlFunction | undefined;
  /** An unmodified session is touched at most once per this many seconds. @default a tenth of its TTL */
  touchAfter?: number | undefined;
  /** Turns a session into the stored string and back. @default JSON */
  serializer?: SessionSerializer | undefined;
  /** Never extend the expiry of unmodified sessions: they expire `ttl` after their last write. @default false */
  disableTouch?: boolean | undefined;
  /** Write with the CAS token of the read so concurrent changes are never silently lost. @default false */
  cas?: boolean | SessionCasOptions | undefined;
  /** Told about session data that no longer deserializes (it is then treated as missing). @default none */
  logger?: SessionLogger | undefined;
}

/** {@link MemcachedStoreOptions} after defaults and validation. */
export interface ResolvedMemcachedStoreOptions {
  readonly client: MemcachedClient | undefined;
  readonly servers: ServerList | undefined;
  readonly backend: CacheBackend | undefined;
  readonly prefix: string;
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
  prefix: 'sess:',
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
  prefix: true,
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
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveMemcachedStoreOptions(
  options: MemcachedStoreOptions = {},
): ResolvedMemcachedStoreOptions {
  if (options === null || typeof options !== 'object') {
    throw new RangeError(`Invalid options: expected an object, got ${String(options)}.`);
  }
  rejectUnknown(options, KNOWN_KEYS, '');
  const d = DEFAULT_MEMCACHED_STORE_OPTIONS;
  const o = options;

  if (o.client !== undefined && o.servers !== undefined) {
    throw new RangeError(
      'Invalid option "servers": give either a client (you own it) or servers (the store owns its client), not both.',
    );
  }
  if (o.client !== undefined && (typeof o.client !== 'object' || o.client === null)) {
    throw new RangeError(
      `Invalid option "client": expected a MemcachedClient, got ${String(o.client)}.`,
    );
  }
  if (o.backend !== undefined && (o.client !== undefined || o.servers !== undefined)) {
    throw new RangeError(
      `Invalid option "backend": give one of backend, client or servers, not ${o.client !== undefined ? 'client' : 'servers'} as well.`,
    );
  }
  if (
    o.backend !== undefined &&
    (typeof o.backend !== 'object' || o.backend === null || typeof o.backend.get !== 'function')
  ) {
    throw new RangeError(
      `Invalid option "backend": expected a CacheBackend (MemcachedBackend or RedisBackend), got ${String(o.backend)}.`,
    );
  }
  const servers = o.servers;
  // The client validates the entries themselves when it is created.
  if (servers !== undefined && typeof servers !== 'string' && !Array.isArray(servers)) {
    throw new RangeError(
      `Invalid option "servers": expected "host:port" or an array of servers, got ${String(servers)}.`,
    );
  }

  const prefix = o.prefix ?? d.prefix;
  if (typeof prefix !== 'string' || /[\s\u0000-\u001f\u007f]/.test(prefix)) {
    throw new RangeError(
      `Invalid option "prefix": expected a string without whitespace or control characters, got ${JSON.stringify(prefix)}.`,
    );
  }
  if (Buffer.byteLength(prefix) > MAX_PREFIX_BYTES) {
    throw new RangeError(
      `Invalid option "prefix": expected at most ${MAX_PREFIX_BYTES} bytes, got ${Buffer.byteLength(prefix)}.`,
    );
  }

  const ttl = o.ttl ?? d.ttl;
  if (typeof ttl !== 'function') positiveInteger('ttl', ttl);

  if (o.touchAfter !== undefined) nonNegativeInteger('touchAfter', o.touchAfter);

  const serializer = o.serializer ?? d.serializer;
  if (
    typeof serializer !== 'object' ||
    serializer === null ||
    typeof serializer.stringify !== 'function' ||
    typeof serializer.parse !== 'function'
  ) {
    throw new RangeError(
      `Invalid option "serializer": expected { stringify(value): string, parse(text) }, got ${String(serializer)}.`,
    );
  }

  const disableTouch = o.disableTouch ?? d.disableTouch;
  if (typeof disableTouch !== 'boolean') {
    throw new RangeError(
      `Invalid option "disableTouch": expected a boolean, got ${String(disableTouch)}.`,
    );
  }

  const logger = o.logger;
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger?.warn !== 'function')) {
    throw new RangeError('Invalid option "logger": expected a pino-compatible logger with warn().');
  }

  return Object.freeze({
    client: o.client,
    servers,
    backend: o.backend,
    prefix,
    ttl,
    touchAfter: o.touchAfter,
    serializer,
    disableTouch,
    cas: resolveCas(o.cas ?? d.cas),
    logger,
  });
}

function resolveCas(cas: unknown): ResolvedMemcachedStoreOptions['cas'] {
  if (cas === false) return undefined;
  if (cas === true)
    return Object.freeze({ merge: undefined, retries: DEFAULT_MEMCACHED_STORE_OPTIONS.casRetries });
  if (typeof cas !== 'object' || cas === null) {
    throw new RangeError(
      `Invalid option "cas": expected a boolean or { merge?, retries? }, got ${String(cas)}.`,
    );
  }
  rejectUnknown(cas, KNOWN_CAS_KEYS, 'cas.');
  const { merge, retries } = cas as SessionCasOptions;
  if (merge !== undefined && typeof merge !== 'function') {
    throw new RangeError(`Invalid option "cas.merge": expected a function, got ${String(merge)}.`);
  }
  return Object.freeze({
    merge,
    retries: nonNegativeInteger(
      'cas.retries',
      retries ?? DEFAULT_MEMCACHED_STORE_OPTIONS.casRetries,
    ),
  });
}

function rejectUnknown(options: object, known: Record<string, true>, path: string): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!(key in known)) {
      throw new RangeError(
        `Invalid option "${path}${key}": unknown option. Known options: ${Object.keys(known).join(', ')}.`,
      );
    }
  }
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Invalid option "${name}": expected a positive integer, got ${String(value)}.`,
    );
  }
  return value;
}

function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Invalid option "${name}": expected a non-negative integer, got ${String(value)}.`,
    );
  }
  return value;
}
