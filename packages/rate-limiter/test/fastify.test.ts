import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FastifyRateLimitOptions, RateLimiter, rateLimit } from '../src/index.js';

let server: MemcachedServer;
let client: MemcachedClient;
let unique = 0;
const prefix = () => `fy${++unique}:`;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  client = new MemcachedClient(server.address, { timeoutMs: 10_000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

async function appWith(options: Partial<FastifyRateLimitOptions>): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(rateLimit, {
    limit: 2,
    windowSeconds: 60,
    client,
    keyPrefix: prefix(),
    ...options,
  });
  app.get('/', async () => 'ok');
  app.get('/fail', async (_req, reply) => reply.code(500).send('boom'));
  app.get('/strict', { config: { rateLimit: { limit: 1 } } }, async () => 'strict');
  app.get('/health', { config: { rateLimit: false } }, async () => 'healthy');
  await app.ready();
  return app;
}

describe('rateLimit (Fastify plugin)', () => {
  it('allows the limit, then answers 429 with the headers and the JSON body', async () => {
    const app = await appWith({});
    try {
      const first = await app.inject({ url: '/' });
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-ratelimit-limit']).toBe('2');
      expect(first.headers['x-ratelimit-remaining']).toBe('1');
      expect((await app.inject({ url: '/' })).headers['x-ratelimit-remaining']).toBe('0');
      const limited = await app.inject({ url: '/' });
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['content-type']).toMatch(/^application\/json/);
      const retry = Number(limited.headers['retry-after']);
      expect(retry).toBeGreaterThanOrEqual(59);
      expect(limited.json()).toEqual({
        error: 'Too Many Requests',
        message: `Rate limit exceeded. Try again in ${retry} seconds.`,
      });
    } finally {
      await app.close();
    }
  });

  it('counts exactly under 1,000 concurrent requests', async () => {
    const app = await appWith({ limit: 100 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 1000 }, () => app.inject({ url: '/' })),
      );
      expect(replies.filter((r) => r.statusCode === 200)).toHaveLength(100);
      expect(replies.filter((r) => r.statusCode === 429)).toHaveLength(900);
    } finally {
      await app.close();
    }
  });

  it('gives a route its own limit with config.rateLimit, and none with false', async () => {
    const app = await appWith({});
    try {
      expect((await app.inject({ url: '/strict' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/strict' })).statusCode).toBe(429);
      // The route's own counter: the global one is untouched.
      expect((await app.inject({ url: '/' })).headers['x-ratelimit-remaining']).toBe('1');
      for (let i = 0; i < 5; i++) {
        const res = await app.inject({ url: '/health' });
        expect(res.statusCode).toBe(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await app.close();
    }
  });

  it("refuses `prefix` (Fastify's route prefix) with a pointer to keyPrefix, never drops it", async () => {
    const app = Fastify();
    await expect(
      app
        .register(rateLimit, { limit: 2, windowSeconds: 60, client, prefix: 'rl:' } as never)
        .ready(),
    ).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_INVALID_OPTION',
      option: 'prefix',
      message:
        'Invalid option "prefix": Fastify reserves it for route prefixes; the storage prefix of @memkit/rate-limiter is "keyPrefix".',
    });
    await app.close();
    // Fastify's own register() options stay accepted.
    const logged = await appWith({ logLevel: 'warn' } as never);
    try {
      expect((await logged.inject('/')).statusCode).toBe(200);
    } finally {
      await logged.close();
    }
  });

  it('decorates the instance with the engine', async () => {
    const app = await appWith({});
    try {
      expect(app.rateLimiter).toBeInstanceOf(RateLimiter);
      await app.inject({ url: '/' });
      await app.inject({ url: '/' });
      expect((await app.inject({ url: '/' })).statusCode).toBe(429);
      await app.rateLimiter.reset('127.0.0.1');
      expect((await app.inject({ url: '/' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('keys by the trust-proxy-aware IP', async () => {
    const app = Fastify({ trustProxy: true });
    await app.register(rateLimit, { limit: 1, windowSeconds: 60, client, keyPrefix: prefix() });
    app.get('/', async () => 'ok');
    try {
      const from = (ip: string) =>
        app.inject({ url: '/', headers: { 'x-forwarded-for': ip } }).then((r) => r.statusCode);
      expect(await from('198.51.100.1')).toBe(200);
      expect(await from('198.51.100.2')).toBe(200);
      expect(await from('198.51.100.1')).toBe(429);
      expect(await from('2001:db8:1:100::1')).toBe(200);
      expect(await from('2001:db8:1:1ff::2')).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('warns once when X-Forwarded-For arrives while trustProxy is off', async () => {
    const warnings: string[] = [];
    const app = await appWith({
      limit: 10,
      logger: { warn: (_o, msg) => warnings.push(msg ?? '') },
    });
    try {
      await app.inject({ url: '/', headers: { 'x-forwarded-for': '198.51.100.1' } });
      await app.inject({ url: '/', headers: { 'x-forwarded-for': '198.51.100.2' } });
      expect(warnings).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('skipFailedRequests refunds failed responses', async () => {
    const app = await appWith({ skipFailedRequests: true });
    try {
      for (let i = 0; i < 4; i++) expect((await app.inject({ url: '/fail' })).statusCode).toBe(500);
      await expect.poll(async () => (await app.rateLimiter.get('127.0.0.1')).remaining).toBe(2);
      expect((await app.inject({ url: '/' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/' })).statusCode).toBe(200);
      expect((await app.inject({ url: '/' })).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });

  it('creates a client from servers and closes it with the app', async () => {
    const app = Fastify();
    await app.register(rateLimit, {
      limit: 1,
      windowSeconds: 60,
      servers: server.address,
      keyPrefix: prefix(),
    });
    app.get('/', async () => 'ok');
    expect((await app.inject({ url: '/' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/' })).statusCode).toBe(429);
    const before = server.stats().curr_connections;
    await app.close();
    await expect.poll(() => server.stats().curr_connections).toBeLessThan(Number(before));
  });

  it('answers 503 when memcached is hung and failOpen is false', async () => {
    const hung = await startServer({ port: 0, host: '127.0.0.1' });
    const hungClient = new MemcachedClient(hung.address, { timeoutMs: 100 });
    await hungClient.version();
    hung.hang();
    try {
      const closed = await appWith({ client: hungClient, failOpen: false });
      expect((await closed.inject({ url: '/' })).statusCode).toBe(503);
      await closed.close();
      const open = await appWith({ client: hungClient });
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await open.inject({ url: '/' })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      await open.close();
    } finally {
      hung.resume();
      await hungClient.close();
      await hung.close();
    }
  });
});
