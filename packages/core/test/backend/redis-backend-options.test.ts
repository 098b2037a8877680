import { MemcachedClient, MemcachedInvalidOptionError } from '@memkit/core';
import { RedisBackend, resolveRedisBackendOptions } from '@memkit/core/redis';
import RedisMock from 'ioredis-mock';
import { describe, expect, it } from 'vitest';

describe('RedisBackend options', () => {
  it('defaults timeoutMs to 500 and freezes the result', () => {
    const o = resolveRedisBackendOptions();
    expect(o).toEqual({ timeoutMs: 500 });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('rejects unknown options and bad values at construction, naming them', () => {
    const redis = new RedisMock();
    expect(() => new RedisBackend(redis, { timeoutMs: 0 })).toThrow(
      'Invalid option "timeoutMs": expected a positive integer, got 0.',
    );
    expect(() => new RedisBackend(redis, { timeout: 5 } as never)).toThrow(
      /Invalid option "timeout": unknown option/,
    );
    expect(() => new RedisBackend(redis, { timeoutMs: -1 })).toThrow(MemcachedInvalidOptionError);
  });

  it('refuses something that is not an ioredis client', () => {
    const client = new MemcachedClient('127.0.0.1:1');
    expect(() => new RedisBackend(client as never)).toThrow(
      /Invalid option "redis": expected an ioredis Redis or Cluster instance/,
    );
    void client.close();
  });
});
