import { MemcachedClient } from '@memkit/core';

let shared: MemcachedClient | undefined;

/**
 * The client used when neither `client` nor `servers` is given: one per process, so every
 * `rateLimiter(100, 3600)` in an app shares its connections. It is never closed by us.
 */
export function sharedClient(): MemcachedClient {
  shared ??= new MemcachedClient(process.env.MEMCACHED_SERVERS || '127.0.0.1:11211');
  return shared;
}

/** A client the limiter owns (from the `servers` option) and closes on `close()`. */
export function createClient(servers: string | string[]): MemcachedClient {
  return new MemcachedClient(servers);
}
