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
 * Connects to `servers` (the validated `MEMCACHED_SERVERS`) when given; otherwise starts the
 * in-process memcached on a free loopback port, so the demo runs with zero setup.
 */
export async function startBackend(servers: readonly string[] | undefined): Promise<Backend> {
  let embedded: MemcachedServer | undefined;
  let list: string[];
  if (servers !== undefined && servers.length > 0) {
    list = [...servers];
  } else {
    embedded = await startServer({ port: 0, host: '127.0.0.1' });
    list = [embedded.address];
  }
  const client = new MemcachedClient(list);
  return {
    client,
    servers: list,
    embedded,
    async close() {
      await client.close();
      await embedded?.close();
    },
  };
}
