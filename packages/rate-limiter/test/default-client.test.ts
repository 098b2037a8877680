import { type MemcachedServer, startServer } from '@memkit/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, rateLimiter } from '../src/index.js';

// This file's module state is its own (vitest isolates files), so the shared default client is
// created here, from MEMCACHED_SERVERS.
let server: MemcachedServer;
const saved = process.env.MEMCACHED_SERVERS;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  process.env.MEMCACHED_SERVERS = server.address;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.MEMCACHED_SERVERS;
  else process.env.MEMCACHED_SERVERS = saved;
  await server.close();
});

describe('the default client', () => {
  it('app.use(rateLimiter(100, 3600)) needs nothing else: it uses MEMCACHED_SERVERS', async () => {
    const app = express();
    app.use(rateLimiter(2, 3600));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const first = await request(app).get('/').expect(200);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(429);
    // The counter is in that server, not in process memory.
    expect(Number(server.stats().curr_items)).toBeGreaterThan(0);
  });

  it('is shared: two limiters do not open two clients', async () => {
    const before = Number(server.stats().total_connections);
    const a = new RateLimiter({ limit: 5, windowSeconds: 60, prefix: 'a:' });
    const b = new RateLimiter({ limit: 5, windowSeconds: 60, prefix: 'b:' });
    await a.consume('k');
    await b.consume('k');
    expect(Number(server.stats().total_connections)).toBe(before);
    // close() leaves a client it does not own open.
    await a.close();
    expect((await b.consume('k')).degraded).toBe(false);
  });
});
