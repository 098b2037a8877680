import {
  type CacheBackend,
  checkBackendChoice,
  checkOptionKeys,
  keyPrefixOption,
  type MemcachedClient,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  type ServerList,
} from '@memkit/core';

/** Options of {@link SessionManager}. TTLs are seconds. */
export interface SessionManagerOptions {
  /** A client the caller owns; the manager never closes it. @default none (see `servers`) */
  client?: MemcachedClient | undefined;
  /** Servers for a client the manager creates and closes on `close()`. @default `MEMCACHED_SERVERS` or `127.0.0.1:11211` */
  servers?: ServerList | undefined;
  /** Where sessions live instead of a memcached client, e.g. `new RedisBackend(redis)` from `@memkit/core/redis`; the caller owns it. @default none (memcached) */
  backend?: CacheBackend | undefined;
  /** Prepended to every session id to form the storage key. @default 'session:' */
  keyPrefix?: string | undefined;
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
  readonly keyPrefix: string;
  readonly ttl: number;
  readonly updateRetries: number;
}

/** The defaults applied by {@link resolveSessionManagerOptions}. */
export const DEFAULT_SESSION_MANAGER_OPTIONS = Object.freeze({
  keyPrefix: 'session:',
  ttl: 1800,
  updateRetries: 3,
} as const);

const KNOWN_KEYS: Record<keyof SessionManagerOptions, true> = {
  client: true,
  servers: true,
  backend: true,
  keyPrefix: true,
  ttl: true,
  updateRetries: true,
};

/**
 * Applies defaults, validates and freezes session manager options.
 * @throws MemcachedInvalidOptionError on an unknown option or a bad value, naming both.
 */
export function resolveSessionManagerOptions(
  options: SessionManagerOptions = {},
): ResolvedSessionManagerOptions {
  const o = checkOptionKeys(options, KNOWN_KEYS);
  const d = DEFAULT_SESSION_MANAGER_OPTIONS;
  checkBackendChoice(o);
  return Object.freeze({
    client: o.client,
    servers: o.servers,
    backend: o.backend,
    keyPrefix: keyPrefixOption('keyPrefix', o.keyPrefix ?? d.keyPrefix, 200),
    ttl: positiveIntegerOption('ttl', o.ttl ?? d.ttl),
    updateRetries: nonNegativeIntegerOption('updateRetries', o.updateRetries ?? d.updateRetries),
  });
}
