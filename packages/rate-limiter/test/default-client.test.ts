import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, rateLimiter } from '../src/index.js';

// MEMCACHED_SERVERS points at this file's own server (vitest isolates files).
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

  it('a limiter given no client creates its own on MEMCACHED_SERVERS and closes it on close()', async () => {
    const open = () => Number(server.stats().curr_connections);
    const before = open();
    const a = new RateLimiter({ limit: 5, windowSeconds: 60 });
    await a.consume('k');
    expect(open()).toBe(before + 1);
    await a.close();
    await expect.poll(open, { timeout: 2000 }).toBe(before);
  });

  it('rateLimiter(limit, windowSeconds, options) honours its third argument', async () => {
    const client = new MemcachedClient(server.address);
    const limiter = rateLimiter(1, 60, { client, keyPrefix: 'third-arg:' });
    await limiter.limiter.consume('k');
    // The counter is where the options said: under the given prefix, through the given client.
    expect(await client.get('third-arg:k')).toBe('1');
    await limiter.close();
    // The passed client is the caller's: still open.
    expect(await client.get('third-arg:k')).toBe('1');
    await client.close();
  });
});
