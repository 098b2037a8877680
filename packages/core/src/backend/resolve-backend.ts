import { MemcachedClient } from '../client/memcached-client.js';
import type { ServerList } from '../client/server-list.js';
import type { CacheBackend } from './cache-backend.js';
import { MemcachedBackend } from './memcached-backend.js';

/** Where a middleware's data lives, as its options say it: at most one of the three. */
export interface BackendChoice {
  /** A client the caller owns. */
  client?: MemcachedClient | undefined;
  /** Servers for a client the middleware creates (and must close). */
  servers?: ServerList | undefined;
  /** Any other store (e.g. `RedisBackend`); the caller owns it. */
  backend?: CacheBackend | undefined;
}

/** What {@link resolveBackend} settles on. */
export interface ResolvedBackend {
  /** Every operation's way to the data. */
  backend: CacheBackend;
  /**
   * The memcached client behind it, when there is one: middleware then use its meta commands
   * directly, as a `MemcachedBackend` would, with fewer layers.
   */
  client: MemcachedClient | undefined;
  /** Whether the client was created here, so its user must close it. */
  ownsClient: boolean;
}

/**
 * The one rule every middleware applies to its `client` / `servers` / `backend` options: a given
 * backend is used as is (a `MemcachedBackend` still exposes its client), else the given client,
 * else a new client on `servers` (MEMCACHED_SERVERS or 127.0.0.1:11211 when omitted).
 */
export function resolveBackend(choice: BackendChoice): ResolvedBackend {
  if (choice.backend !== undefined) {
    const backend = choice.backend;
    return {
      backend,
      client: backend instanceof MemcachedBackend ? backend.client : undefined,
      ownsClient: false,
    };
  }
  const client = choice.client ?? new MemcachedClient(choice.servers);
  return {
    backend: new MemcachedBackend(client),
    client,
    ownsClient: choice.client === undefined,
  };
}
