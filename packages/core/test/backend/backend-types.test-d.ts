// Type tests, checked by `pnpm typecheck`: both backends fit the one interface, and the Redis
// one takes what users have (an ioredis Redis or Cluster, or ioredis-mock in tests).
import {
  type BackendItem,
  type CacheBackend,
  MemcachedBackend,
  MemcachedClient,
} from '@memkit/core';
import { RedisBackend, type RedisLike } from '@memkit/core/redis';
import { type Cluster, Redis } from 'ioredis';
import RedisMock from 'ioredis-mock';
import { expectTypeOf } from 'vitest';

expectTypeOf(new MemcachedBackend(new MemcachedClient())).toMatchTypeOf<CacheBackend>();
expectTypeOf(new RedisBackend(new Redis())).toMatchTypeOf<CacheBackend>();
expectTypeOf<Redis>().toMatchTypeOf<RedisLike>();
expectTypeOf<Cluster>().toMatchTypeOf<RedisLike>();
new RedisBackend(new RedisMock(), { timeoutMs: 200 });
// @ts-expect-error: an unknown option.
new RedisBackend(new Redis(), { timeout: 200 });
// @ts-expect-error: a memcached client is not a Redis client.
new RedisBackend(new MemcachedClient());

declare const backend: CacheBackend;
expectTypeOf(backend.get('k')).resolves.toEqualTypeOf<BackendItem | null>();
expectTypeOf(backend.set('k', 'v', 60, { mode: 'add' })).resolves.toHaveProperty('status');
