import { MemcachedClient } from '../client/memcached-client.js';
import type { ServerList } from '../client/server-list.js';
import { parseServerList } from '../client/server-list.js';
import { MemcachedInvalidOptionError } from '../errors.js';
import { describeOptionValue, invalidOption } from '../options/option-checks.js';
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

/** How {@link resolveBackend} settles a choice that names none of the three. */
export interface ResolveBackendOptions {
  /**
   * A client to use, not owned, when neither `client`, `servers` nor `backend` was given: the
   * Fastify plugins pass `app.memcached` here so an app keeps one set of connections.
   * @default none (a new client on `MEMCACHED_SERVERS` or 127.0.0.1:11211, owned)
   */
  readonly defaultClient?: MemcachedClient | undefined;
}

/** What {@link resolveBackend} settles on. */
export interface ResolvedBackend {
  /** Every operation's way to the data. */
  backend: CacheBackend;
  /** The memcached client behind it, when there is one (for `stats`, `close`, logging). */
  client: MemcachedClient | undefined;
  /** Whether the client was created here, so its user must close it. */
  ownsClient: boolean;
  /** Closes the client when it was created here; a client or backend that was passed in is never closed. */
  close(): Promise<void>;
}

/**
 * Validates the `client` / `servers` / `backend` options without creating anything: at most
 * one of the three, each of the right shape, the server list parseable.
 * @throws MemcachedInvalidOptionError naming the offending option.
 */
export function checkBackendChoice(choice: BackendChoice): void {
  const given = (['client', 'servers', 'backend'] as const).filter((k) => choice[k] !== undefined);
  if (given.length > 1) {
    const [first, second] = given as [string, string];
    throw new MemcachedInvalidOptionError(
      second,
      `Invalid option "${second}": give one of "client" (you own it), "servers" (a client is created and closed for you) or "backend", not "${first}" as well.`,
    );
  }
  const { client, servers, backend } = choice;
  if (client !== undefined && !(client instanceof MemcachedClient)) {
    throw invalidOption('client', 'a MemcachedClient', client);
  }
  if (
    backend !== undefined &&
    (typeof backend !== 'object' ||
      backend === null ||
      typeof backend.get !== 'function' ||
      typeof backend.increment !== 'function')
  ) {
    throw invalidOption('backend', 'a CacheBackend (MemcachedBackend or RedisBackend)', backend);
  }
  if (servers !== undefined) {
    try {
      parseServerList(servers);
    } catch (error) {
      throw new MemcachedInvalidOptionError(
        'servers',
        `Invalid option "servers": expected "host:port", a comma-separated list or an array of servers, got ${describeOptionValue(servers)} (${error instanceof Error ? error.message : String(error)}).`,
        { cause: error },
      );
    }
  }
}

/**
 * The one rule every middleware applies to its `client` / `servers` / `backend` options: a given
 * backend is used as is (a `MemcachedBackend` still exposes its client), else the given client,
 * else `defaultClient`, else a new client on `servers` (MEMCACHED_SERVERS or 127.0.0.1:11211
 * when omitted). Only that last one is owned: `close()` closes it and nothing else.
 * @throws MemcachedInvalidOptionError on a bad or conflicting choice.
 */
export function resolveBackend(
  choice: BackendChoice,
  options: ResolveBackendOptions = {},
): ResolvedBackend {
  checkBackendChoice(choice);
  if (choice.backend !== undefined) {
    const backend = choice.backend;
    return notOwned(backend, backend instanceof MemcachedBackend ? backend.client : undefined);
  }
  const given = choice.client ?? (choice.servers === undefined ? options.defaultClient : undefined);
  if (given !== undefined) return notOwned(new MemcachedBackend(given), given);
  const client = new MemcachedClient(choice.servers);
  let closing: Promise<void> | undefined;
  return {
    backend: new MemcachedBackend(client),
    client,
    ownsClient: true,
    close() {
      // Registering twice, or close() after onClose, must not close twice.
      closing ??= client.close();
      return closing;
    },
  };
}

function notOwned(backend: CacheBackend, client: MemcachedClient | undefined): ResolvedBackend {
  return { backend, client, ownsClient: false, close: () => Promise.resolve() };
}
