import { MemcachedClient, MemcachedError } from '@memkit/core';
import { RedisBackend } from '@memkit/core/redis';
import express from 'express';
import Fastify from 'fastify';
import RedisMock from 'ioredis-mock';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_BACKENDS, type TestCacheBackend } from '../../../test/support/cache-backends.js';
import {
  type RateLimitAlgorithm,
  RateLimiter,
  rateLimit,
  rateLimiter,
  resolveRateLimiterOptions,
} from '../src/index.js';

const ALGORITHMS: RateLimitAlgorithm[] = ['fixed-window', 'sliding-window', 'gcra'];

async function allowedOf(limiter: RateLimiter, key: string, n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, () => limiter.consume(key)));
  return results.filter((r) => r.allowed).length;
}

let unique = 0;
const freshKey = (label: string) => `${label}-${process.pid}-${++unique}`;

// The same limiter rules on every backend: memcached (given as `backend`) and Redis.
for (const factory of CACHE_BACKENDS) {
  describe.skipIf(!factory.available)(`RateLimiter with backend: ${factory.name}`, () => {
    let started: TestCacheBackend;

    beforeAll(async () => {
      started = await factory.start({ timeoutMs: 10_000 });
    });
    afterAll(async () => {
      await started.stop();
    });

    for (const algorithm of ALGORITHMS) {
      it(`${algorithm}: 1,000 concurrent requests with a limit of 100 allow exactly 100`, async () => {
        const { backend } = started;
        const limiter = new RateLimiter({ limit: 100, windowSeconds: 3600, algorithm, backend });
        expect(await allowedOf(limiter, freshKey(algorithm), 1000)).toBe(100);
      });

      it(`${algorithm}: two limiters sharing the backend (two processes' worth) allow exactly 100`, async () => {
        const { backend } = started;
        const a = new RateLimiter({ limit: 100, windowSeconds: 3600, algorithm, backend });
        const b = new RateLimiter({ limit: 100, windowSeconds: 3600, algorithm, backend });
        const key = freshKey(algorithm);
        const [x, y] = await Promise.all([allowedOf(a, key, 500), allowedOf(b, key, 500)]);
        expect(x + y).toBe(100);
      });

      it(`${algorithm}: get() reports without counting, reset() forgets, refund() gives back`, async () => {
        const { backend } = started;
        const limiter = new RateLimiter({ limit: 5, windowSeconds: 3600, algorithm, backend });
        const key = freshKey(algorithm);
        expect(await limiter.get(key)).toMatchObject({ allowed: true, remaining: 5, limit: 5 });
        await limiter.consume(key, 2);
        expect(await limiter.get(key)).toMatchObject({ allowed: true, remaining: 3 });
        await limiter.consume(key, 3);
        expect(await limiter.consume(key)).toMatchObject({ allowed: false, remaining: 0 });
        await limiter.reset(key);
        expect(await limiter.consume(key)).toMatchObject({ allowed: true, remaining: 4 });
        await limiter.consume(key, 4);
        await limiter.refund(key);
        expect((await limiter.consume(key)).allowed).toBe(true);
        expect((await limiter.consume(key)).allowed).toBe(false);
      });
    }

    it('fixed-window: reports the window the backend holds for the counter', async () => {
      const { backend } = started;
      const limiter = new RateLimiter({ limit: 3, windowSeconds: 120, backend });
      const first = await limiter.consume(freshKey('reset'));
      expect(first.resetSeconds).toBeGreaterThanOrEqual(119);
      expect(first.resetSeconds).toBeLessThanOrEqual(120);
      expect(first.degraded).toBe(false);
    });

    it('Express and Fastify take the backend in place of a client', async () => {
      const { backend } = started;
      const app = express();
      app.use(
        rateLimiter({ limit: 2, windowSeconds: 60, backend, keyGenerator: () => freshKey('x') }),
      );
      app.get('/', (_req, res) => res.send('ok'));
      const fixed = freshKey('express');
      const app2 = express();
      app2.use(rateLimiter({ limit: 2, windowSeconds: 60, backend, keyGenerator: () => fixed }));
      app2.get('/', (_req, res) => res.send('ok'));
      expect((await request(app).get('/')).status).toBe(200);
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await request(app2).get('/')).status);
      expect(statuses).toEqual([200, 200, 429]);

      const fastify = Fastify();
      const key = freshKey('fastify');
      await fastify.register(rateLimit, {
        limit: 1,
        windowSeconds: 60,
        backend,
        keyGenerator: () => key,
      });
      fastify.get('/', async () => 'ok');
      expect((await fastify.inject('/')).statusCode).toBe(200);
      expect((await fastify.inject('/')).statusCode).toBe(429);
      await fastify.close();
    });

    // ioredis-mock has no server to hang.
    if (factory.name !== 'ioredis-mock') {
      it('a hung backend: fail open answers from the in-memory fallback, fail closed throws', async () => {
        const own = await factory.start({ timeoutMs: 150 });
        try {
          const open = new RateLimiter({ limit: 1, windowSeconds: 60, backend: own.backend });
          const closed = new RateLimiter({
            limit: 1,
            windowSeconds: 60,
            backend: own.backend,
            failOpen: false,
          });
          const key = freshKey('hang');
          expect((await open.consume(key)).degraded).toBe(false);
          own.hang?.();
          const during = await open.consume(key);
          expect(during).toMatchObject({ degraded: true, allowed: true });
          expect(await open.consume(key)).toMatchObject({ degraded: true, allowed: false });
          await expect(closed.consume(key)).rejects.toBeInstanceOf(MemcachedError);
        } finally {
          own.resume?.();
          await own.stop();
        }
      });
    }
  });
}

describe('the backend option', () => {
  it('is exclusive with client and servers', () => {
    const backend = new RedisBackend(new RedisMock());
    const client = new MemcachedClient('127.0.0.1:1');
    expect(() =>
      resolveRateLimiterOptions({ limit: 1, windowSeconds: 1, backend, client }),
    ).toThrow(/Invalid option "backend": give one of "client" .* not "client" as well/);
    expect(() =>
      resolveRateLimiterOptions({ limit: 1, windowSeconds: 1, backend, servers: '127.0.0.1:1' }),
    ).toThrow(/not "servers"/);
    expect(() =>
      resolveRateLimiterOptions({ limit: 1, windowSeconds: 1, backend: {} as RedisBackend }),
    ).toThrow(/expected a CacheBackend/);
    void client.close();
  });

  it('a limiter on a backend never closes it', async () => {
    const redis = new RedisMock();
    const limiter = new RateLimiter({
      limit: 1,
      windowSeconds: 1,
      backend: new RedisBackend(redis),
    });
    await limiter.close();
    expect(redis.status).not.toBe('end');
  });
});
