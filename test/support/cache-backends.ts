import { type CacheBackend, MemcachedBackend, MemcachedClient, startServer } from '@memkit/core';
import { RedisBackend } from '@memkit/core/redis';
import RedisMock from 'ioredis-mock';
import { requireBinary, startRealMemcached, suspend } from './memcached.js';
import { startRealRedis } from './redis.js';

/** One started backend with the fault and clock controls it offers. */
export interface TestCacheBackend {
  backend: CacheBackend;
  /** The memcached server's `host:port`, for more clients of it (memcached backends only). */
  address: string | undefined;
  /** Moves expiry time forward (in-process memcached only). */
  advanceClock: ((seconds: number) => void) | undefined;
  /** Stops answering while keeping connections open, until `resume()` (not on ioredis-mock). */
  hang: (() => void) | undefined;
  resume: (() => void) | undefined;
  stop(): Promise<void>;
}

/** A backend every shared suite runs against. */
export interface CacheBackendFactory {
  name: string;
  kind: 'memcached' | 'redis';
  /** False when the backend cannot run here (binary missing outside CI; under CI it throws). */
  available: boolean;
  /** Whether `advanceClock` exists, known before starting so clock tests are defined or not. */
  hasClock: boolean;
  start(options?: { timeoutMs?: number }): Promise<TestCacheBackend>;
}

let mockPort = 40_000;

/**
 * The in-process memcached and ioredis-mock always; a real memcached and a real Redis (Debian
 * `memcached` and `redis-server`, each started on an ephemeral port) when installed, which CI
 * guarantees.
 */
export const CACHE_BACKENDS: CacheBackendFactory[] = [
  {
    name: 'in-process memcached',
    kind: 'memcached',
    available: true,
    hasClock: true,
    async start(options = {}) {
      const server = await startServer({ host: '127.0.0.1', port: 0 });
      const client = new MemcachedClient(server.address, { timeoutMs: options.timeoutMs ?? 500 });
      return {
        backend: new MemcachedBackend(client),
        address: server.address,
        advanceClock: (s) => server.advanceClock(s),
        hang: () => server.hang(),
        resume: () => server.resume(),
        stop: async () => {
          await client.close();
          await server.close();
        },
      };
    },
  },
  {
    name: 'real memcached',
    kind: 'memcached',
    available: requireBinary('memcached'),
    hasClock: false,
    async start(options = {}) {
      const real = await startRealMemcached();
      const client = new MemcachedClient(real.address, { timeoutMs: options.timeoutMs ?? 500 });
      return {
        backend: new MemcachedBackend(client),
        address: real.address,
        advanceClock: undefined,
        hang: () => suspend(real.process.pid),
        resume: () => real.process.kill('SIGCONT'),
        stop: async () => {
          real.process.kill('SIGCONT');
          await client.close();
          await real.stop();
        },
      };
    },
  },
  {
    name: 'ioredis-mock',
    kind: 'redis',
    available: true,
    hasClock: false,
    async start(options = {}) {
      // ioredis-mock shares data between instances of one host:port; a port each isolates them.
      const redis = new RedisMock({ port: mockPort++ });
      return {
        backend: new RedisBackend(redis, { timeoutMs: options.timeoutMs ?? 500 }),
        address: undefined,
        advanceClock: undefined,
        hang: undefined,
        resume: undefined,
        stop: async () => {
          redis.disconnect();
        },
      };
    },
  },
  {
    name: 'real Redis',
    kind: 'redis',
    available: requireBinary('redis-server'),
    hasClock: false,
    async start(options = {}) {
      const real = await startRealRedis();
      return {
        backend: new RedisBackend(real.redis, { timeoutMs: options.timeoutMs ?? 500 }),
        address: undefined,
        advanceClock: undefined,
        hang: () => suspend(real.pid),
        resume: () => process.kill(real.pid, 'SIGCONT'),
        stop: () => real.stop(),
      };
    },
  },
];
