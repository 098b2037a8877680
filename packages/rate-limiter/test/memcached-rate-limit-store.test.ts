import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedRateLimitStore } from '../src/index.js';

let server: MemcachedServer;
let client: MemcachedClient;
let unique = 0;
const prefix = () => `erl${++unique}:`;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  client = new MemcachedClient(server.address, { timeoutMs: 10_000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

function appWith(store: MemcachedRateLimitStore, limit: number, extra: object = {}) {
  const app = express();
  app.use(rateLimit({ windowMs: 60_000, limit, store, ...extra }));
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  app.get('/fail', (_req, res) => {
    res.status(500).send('boom');
  });
  return app;
}

describe('MemcachedRateLimitStore under express-rate-limit', () => {
  it('limits with express-rate-limit and reports the reset time from memcached', async () => {
    const store = new MemcachedRateLimitStore({ client, keyPrefix: prefix() });
    const app = appWith(store, 2, { standardHeaders: 'draft-7' });
    const first = await request(app).get('/').expect(200);
    expect(first.headers.ratelimit).toMatch(/^limit=2, remaining=1, reset=(59|60)$/);
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(429);
  });

  it('counts concurrent first hits exactly (no read-then-set race)', async () => {
    const store = new MemcachedRateLimitStore({ client, keyPrefix: prefix() });
    store.init({ windowMs: 60_000 });
    const hits = await Promise.all(Array.from({ length: 500 }, () => store.increment('k')));
    expect(hits.map((h) => h.totalHits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    expect((await store.get('k'))?.totalHits).toBe(500);
  });

  it('is one memcached command per hit', async () => {
    const store = new MemcachedRateLimitStore({ client, keyPrefix: prefix() });
    store.init({ windowMs: 60_000 });
    await store.increment('k');
    const before = server.stats();
    for (let i = 0; i < 10; i++) await store.increment('k');
    const after = server.stats();
    expect(Number(after.incr_hits) - Number(before.incr_hits)).toBe(10);
    expect(Number(after.cmd_get) - Number(before.cmd_get)).toBe(0);
    expect(Number(after.cmd_set) - Number(before.cmd_set)).toBe(0);
  });

  it('decrements for skipFailedRequests and resets keys', async () => {
    const store = new MemcachedRateLimitStore({ client, keyPrefix: prefix() });
    const app = appWith(store, 1, { skipFailedRequests: true, keyGenerator: () => 'client' });
    await request(app).get('/fail').expect(500);
    await request(app).get('/fail').expect(500);
    await expect.poll(async () => (await store.get('client'))?.totalHits).toBe(0);
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(429);
    await store.resetKey('client');
    expect(await store.get('client')).toBeUndefined();
    await request(app).get('/').expect(200);
  });

  it('the window resets when memcached expires the counter', async () => {
    const store = new MemcachedRateLimitStore({ client, keyPrefix: prefix() });
    const app = appWith(store, 1);
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(429);
    server.advanceClock(60);
    await request(app).get('/').expect(200);
  });

  it('rejects unknown options', () => {
    expect(() => new MemcachedRateLimitStore({ client, windowMs: 5 } as never)).toThrow(
      'Invalid option "windowMs": unknown option.',
    );
  });
});
