import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';

/** Where the demo's cache lives: the fleet in `MEMCACHED_SERVERS`, or an embedded server. */
export interface Backend {
  client: MemcachedClient;
  /** The server list the client uses. */
  servers: string[];
  /** The in-process memcached started because `MEMCACHED_SERVERS` was not set. */
  embedded: MemcachedServer | undefined;
  /** Closes the client, then the embedded server if there is one. */
  close(): Promise<void>;
}

/**
 * Connects to `MEMCACHED_SERVERS` when it is set; otherwise starts the in-process memcached on a
 * free loopback port, so the demo runs with zero setup.
 */
export async function startBackend(
  env: Readonly<Record<string, string | undefined>>,
): Promise<Backend> {
  const fleet = env.MEMCACHED_SERVERS?.trim();
  let embedded: MemcachedServer | undefined;
  let servers: string[];
  if (fleet) {
    servers = fleet
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  } else {
    embedded = await startServer({ port: 0, host: '127.0.0.1' });
    servers = [embedded.address];
  }
  const client = new MemcachedClient(servers);
  return {
    client,
    servers,
    embedded,
    async close() {
      await client.close();
      await embedded?.close();
    },
  };
}
