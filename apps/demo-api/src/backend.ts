import {
  type DiscoveryOptions,
  MemcachedClient,
  MemcachedError,
  type MemcachedServer,
  startServer,
} from '@memkit/core';
import type { Logger } from 'pino';

/**
 * Where the demo's cache lives: the fleet in `MEMCACHED_SERVERS`, the one `MEMCACHED_DISCOVERY`
 * finds, or an embedded server.
 */
export interface Backend {
  client: MemcachedClient;
  /** The servers on the client's ring now (discovery changes them at run time). */
  readonly servers: string[];
  /** How the demo was told where memcached is, for the banner. */
  source: 'MEMCACHED_SERVERS' | 'MEMCACHED_DISCOVERY' | 'embedded';
  /** The in-process memcached started because neither variable was set. */
  embedded: MemcachedServer | undefined;
  /** Closes the client, then the embedded server if there is one. */
  close(): Promise<void>;
}

/** Where {@link startBackend} finds memcached: the validated `MEMCACHED_*` variables. */
export interface BackendConfig {
  servers?: readonly string[] | undefined;
  discovery?: DiscoveryOptions | undefined;
}

/**
 * Connects to `servers` (the validated `MEMCACHED_SERVERS`) or to the fleet `discovery` finds
 * (waiting for its first answer, so the first requests do not fail for want of a server);
 * with neither, starts the in-process memcached on a free loopback port, so the demo runs with
 * zero setup.
 */
export async function startBackend(config: BackendConfig = {}, logger?: Logger): Promise<Backend> {
  const { servers, discovery } = config;
  let embedded: MemcachedServer | undefined;
  let client: MemcachedClient;
  let source: Backend['source'];
  if (discovery !== undefined) {
    source = 'MEMCACHED_DISCOVERY';
    const seed = servers !== undefined && servers.length > 0 ? [...servers] : undefined;
    // No client logger: request failures are logged once per outage by the app (FailureLog).
    client = new MemcachedClient(seed, { discovery });
    client.on('topology', ({ added, removed, servers: now }) =>
      logger?.info({ added, removed, servers: now }, 'memcached fleet changed'),
    );
    // One line per failed round (one per interval); the last good fleet stays in use.
    client.on('error', (err) => {
      if (err.code === 'ERR_MEMCACHED_DISCOVERY') {
        // The reason, not a stack: a failed round is an outage, not a bug.
        logger?.warn(
          { code: err.code, reason: err.message },
          'memcached discovery failed; keeping the last fleet',
        );
      }
    });
    try {
      await client.ready();
    } catch (err) {
      // Not fatal: memcached may start after the demo (a fresh Kubernetes namespace). The client
      // keeps asking every interval; requests meanwhile are 503s, never a crash.
      const code = err instanceof MemcachedError ? err.code : 'ERR_INTERNAL';
      logger?.warn({ code }, 'memcached discovery found no fleet yet; answering 503 until it does');
    }
  } else if (servers !== undefined && servers.length > 0) {
    source = 'MEMCACHED_SERVERS';
    client = new MemcachedClient([...servers]);
  } else {
    source = 'embedded';
    embedded = await startServer({ port: 0, host: '127.0.0.1' });
    client = new MemcachedClient([embedded.address]);
  }
  return {
    client,
    get servers() {
      return client.servers;
    },
    source,
    embedded,
    async close() {
      await client.close();
      await embedded?.close();
    },
  };
}
