import type { CacheBackend, MemcachedClient, ServerList } from '@memkit/core';

/** Options of {@link SessionManager}. TTLs are seconds. */
export interface SessionManagerOptions {
  /** A client the caller owns; the manager never closes it. @default none (see `servers`) */
  client?: MemcachedClient | undefined;
  /** Servers for a client the manager creates and closes on `close()`. @default `MEMCACHED_SERVERS` or `127.0.0.1:11211` */
  servers?: ServerList | undefined;
  /** Where sessions live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend | undefined;
  /** Prepended to every session id to form the memcached key. @default 'session:' */
  prefix?: string | undefined;
  /** Idle lifetime: a session unused for this long expires; each `get` restarts it. @default 1800 */
  ttl?: number | undefined;
  /** How many read-merge-write rounds `update` tries when another update races it. @default 3 */
  updateRetries?: number | undefined;
}

/** {@link SessionManagerOptions} after defaults and validation. */
export interface ResolvedSessionManagerOptions {
  readonly client: MemcachedClient | undefined;
  readonly servers: ServerList | undefined;
  readonly backend: CacheBackend | undefined;
  readonly prefix: string;
  readonly ttl: number;
  readonly updateRetries: number;
}

/** The defaults applied by {@link resolveSessionManagerOptions}. */
export const DEFAULT_SESSION_MANAGER_OPTIONS = Object.freeze({
  prefix: 'session:',
  ttl: 1800,
  updateRetries: 3,
} as const);

const KNOWN_KEYS: Record<keyof SessionManagerOptions, true> = {
  client: true,
  servers: true,
  backend: true,
  prefix: true,
  ttl: true,
  updateRetries: true,
};

/**
 * Applies defaults, validates and freezes session manager options.
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveSessionManagerOptions(
  options: SessionManagerOptions = {},
): ResolvedSessionManagerOptions {
  if (options === null || typeof options !== 'object') {
    throw new RangeError(`Invalid options: expected an object, got ${String(options)}.`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !(key in KNOWN_KEYS)) {
      throw new RangeError(
        `Invalid option "${key}": unknown option. Known options: ${Object.keys(KNOWN_KEYS).join(', ')}.`,
      );
    }
  }
  const d = DEFAULT_SESSION_MANAGER_OPTIONS;
  if (options.client !== undefined && options.servers !== undefined) {
    throw new RangeError(
      'Invalid option "servers": give either a client (you own it) or servers (the manager owns its client), not both.',
    );
  }
  if (
    options.backend !== undefined &&
    (options.client !== undefined || options.servers !== undefined)
  ) {
    throw new RangeError(
      `Invalid option "backend": give one of backend, client or servers, not ${options.client !== undefined ? 'client' : 'servers'} as well.`,
    );
  }
  if (
    options.backend !== undefined &&
    (typeof options.backend !== 'object' ||
      options.backend === null ||
      typeof options.backend.get !== 'function')
  ) {
    throw new RangeError(
      `Invalid option "backend": expected a CacheBackend (MemcachedBackend or RedisBackend), got ${String(options.backend)}.`,
    );
  }
  const prefix = options.prefix ?? d.prefix;
  if (typeof prefix !== 'string' || /[\s\u0000-\u001f\u007f]/.test(prefix) || prefix.length > 200) {
    throw new RangeError(
      `Invalid option "prefix": expected a string of at most 200 characters without whitespace or control characters, got ${JSON.stringify(prefix)}.`,
    );
  }
  const ttl = options.ttl ?? d.ttl;
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw new RangeError(`Invalid option "ttl": expected a positive integer, got ${String(ttl)}.`);
  }
  const updateRetries = options.updateRetries ?? d.updateRetries;
  if (!Number.isInteger(updateRetries) || updateRetries < 0) {
    throw new RangeError(
      `Invalid option "updateRetries": expected a non-negative integer, got ${String(updateRetries)}.`,
    );
  }
  return Object.freeze({
    client: options.client,
    servers: options.servers,
    backend: options.backend,
    prefix,
    ttl,
    updateRetries,
  });
}
