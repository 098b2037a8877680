import { randomBytes } from 'node:crypto';
import {
  type BackendSetOptions,
  type BackendWriteResult,
  MemcachedBackend,
  MemcachedClient,
  MemcachedValueTooLargeError,
  startServer,
} from '@memkit/core';
import { RedisBackend } from '@memkit/core/redis';
import express from 'express';
import RedisMock from 'ioredis-mock';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CACHE_BACKENDS, type TestCacheBackend } from '../../../test/support/cache-backends.js';
import { cacheResponse, ResponseCache, resolveResponseCacheOptions } from '../src/index.js';

let unique = 0;
const prefix = () => `rcb${++unique}-${Date.now()}:`;

// The HTTP cache's promises on every backend: memcached (given as `backend`) and Redis.
for (const factory of CACHE_BACKENDS) {
  describe.skipIf(!factory.available)(`response cache with backend: ${factory.name}`, () => {
    let started: TestCacheBackend;
    beforeAll(async () => {
      started = await factory.start({ timeoutMs: 10_000 });
    });
    afterAll(async () => {
      await started.stop();
    });

    it('cacheResponse({ ttl, backend }) serves a GET from the cache the second time', async () => {
      let calls = 0;
      const app = express();
      app.get(
        '/users/1',
        cacheResponse({ ttl: 60, backend: started.backend, keyPrefix: prefix() }),
        (_req, res) => {
          calls++;
          res.json({ id: 1, calls });
        },
      );
      const first = await request(app).get('/users/1').set('host', 'app.test');
      const second = await request(app).get('/users/1').set('host', 'app.test');
      expect(first.headers['x-cache']).toBe('MISS');
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.body).toEqual({ id: 1, calls: 1 });
      expect(calls).toBe(1);
    });

    it('runs the handler once for 100 concurrent requests on two instances', async () => {
      let calls = 0;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const keyPrefix = prefix();
      const caches = [0, 1].map(
        () => new ResponseCache({ backend: started.backend, keyPrefix, lockWaitMs: 30_000 }),
      );
      const apps = caches.map((cache) => {
        const app = express();
        app.get('/cold', cacheResponse({ cache }), async (_req, res) => {
          calls++;
          await gate;
          res.send('expensive');
        });
        return app;
      });
      // supertest sends on then(): start every request now, not when awaited.
      const pending = Array.from({ length: 100 }, (_, i) =>
        request(apps[i % 2] as express.Express)
          .get('/cold')
          .set('host', 'app.test')
          .then((r) => r),
      );
      // Release the one regeneration only once every request has reached a cache.
      await vi.waitFor(
        () => expect(caches.reduce((sum, c) => sum + c.stats().requests, 0)).toBe(100),
        { timeout: 20_000, interval: 20 },
      );
      release();
      const responses = await Promise.all(pending);
      expect(calls).toBe(1);
      expect(responses.every((r) => r.status === 200 && r.text === 'expensive')).toBe(true);
    });

    it('round-trips binary bodies, compressed and chunked past the item size', async () => {
      const binary = randomBytes(200_000);
      const text = Buffer.from('compress me '.repeat(20_000));
      const app = express();
      const options = { backend: started.backend, keyPrefix: prefix(), itemSizeBytes: 64 * 1024 };
      const cache = new ResponseCache(options);
      app.get('/bin', cacheResponse({ cache }), (_req, res) => {
        res.type('application/octet-stream').send(binary);
      });
      app.get('/txt', cacheResponse({ cache }), (_req, res) => {
        res.type('text/plain').send(text);
      });
      for (const [path, bytes] of [
        ['/bin', binary],
        ['/txt', text],
      ] as const) {
        await request(app).get(path).set('host', 'app.test');
        const hit = await request(app)
          .get(path)
          .set('host', 'app.test')
          .buffer(true)
          .parse((res, done) => {
            const parts: Buffer[] = [];
            res.on('data', (d: Buffer) => parts.push(d));
            res.on('end', () => done(null, Buffer.concat(parts)));
          });
        expect(hit.headers['x-cache'], path).toBe('HIT');
        expect(Buffer.compare(hit.body as Buffer, bytes), path).toBe(0);
      }
    });

    it('a tag invalidation made by one instance is seen by another', async () => {
      let version = 0;
      const keyPrefix = prefix();
      const [a, b] = [0, 1].map(() => new ResponseCache({ backend: started.backend, keyPrefix }));
      const appOf = (cache: ResponseCache) => {
        const app = express();
        app.get(
          '/users/:id',
          cacheResponse({ cache, tags: (req) => [`user:${req.url.split('/')[2]}`] }),
          (req, res) => {
            version++;
            res.send(`user ${req.params.id} v${version}`);
          },
        );
        return app;
      };
      const [appA, appB] = [appOf(a as ResponseCache), appOf(b as ResponseCache)];
      await request(appA).get('/users/42').set('host', 'app.test');
      expect(
        (await request(appB).get('/users/42').set('host', 'app.test')).headers['x-cache'],
      ).toBe('HIT');
      await a?.invalidateTags(['user:42']);
      const after = await request(appB).get('/users/42').set('host', 'app.test');
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.text).toBe('user 42 v2');
    });

    // ioredis-mock has no server to hang.
    if (factory.name !== 'ioredis-mock') {
      it('a hung backend: requests are answered by the handler (fail open)', async () => {
        const own = await factory.start({ timeoutMs: 200 });
        try {
          const app = express();
          app.get('/x', cacheResponse({ backend: own.backend, keyPrefix: prefix() }), (_q, res) => {
            res.send('fresh');
          });
          own.hang?.();
          const res = await request(app).get('/x').set('host', 'app.test');
          expect(res.status).toBe(200);
          expect(res.text).toBe('fresh');
        } finally {
          own.resume?.();
          await own.stop();
        }
      });
    }
  });
}

describe('the backend option', () => {
  it('is exclusive with client and servers; the cache never closes it', async () => {
    const redis = new RedisMock();
    const backend = new RedisBackend(redis);
    expect(() => resolveResponseCacheOptions({ backend, servers: '127.0.0.1:1' })).toThrow(
      /Invalid option "backend"/,
    );
    const cache = new ResponseCache({ backend });
    expect(cache.backend).toBe(backend);
    expect(() => cache.client).toThrow(/runs on a redis backend/);
    await cache.close();
    expect(redis.status).not.toBe('end');
  });
});

describe("a response over the backend's value limit", () => {
  it('is passed through as too-large (and remembered as not storable), never reported as an outage', async () => {
    const server = await startServer({ port: 0, host: '127.0.0.1' });
    const client = new MemcachedClient(server.address);
    // A backend that refuses values over 1000 bytes before sending, as MemcachedBackend does
    // over the client's maxValueSize.
    class Limited extends MemcachedBackend {
      override async set(
        key: string,
        value: string | Buffer,
        ttl: number,
        options?: BackendSetOptions,
      ): Promise<BackendWriteResult> {
        if (value.length > 1000) throw new MemcachedValueTooLargeError(`"${key}" is too large`);
        return super.set(key, value, ttl, options);
      }
    }
    const warnings: unknown[] = [];
    const mw = cacheResponse({
      backend: new Limited(client),
      keyPrefix: prefix(),
      logger: { warn: (_o, msg) => warnings.push(msg) },
    });
    let calls = 0;
    const app = express();
    app.get('/big', mw, (_req, res) => {
      calls++;
      res.type('application/octet-stream').send(Buffer.alloc(5000, 1));
    });
    try {
      const first = await request(app).get('/big').set('host', 'app.test');
      expect(first.headers['cache-status']).toContain('detail=too-large');
      const second = await request(app).get('/big').set('host', 'app.test');
      expect([second.status, second.headers['x-cache']]).toEqual([200, 'MISS']);
      expect(calls).toBe(2);
      expect(warnings).toEqual([]);
      expect(mw.cache.stats().errors).toBe(0);
      expect(mw.cache.stats().passed).toBe(1);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
