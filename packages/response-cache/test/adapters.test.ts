import { get } from 'node:http';
import { MemcachedBackend, MemcachedClient, startServer } from '@memkit/core';
import express from 'express';
import Fastify from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memcachedKey } from '../src/cache-key.js';
import { cacheResponse, memcachedCache, ResponseCache } from '../src/index.js';

type Server = Awaited<ReturnType<typeof startServer>>;

describe('adapter wiring', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('fastify: creates a client from servers, decorates it, and closes it on close', async () => {
    const app = Fastify();
    await app.register(memcachedCache, { servers: server.address, keyPrefix: 'own:' });
    app.get('/x', async () => 'x');
    await app.ready();
    expect(app.memcached).toBeInstanceOf(MemcachedClient);
    expect(app.responseCache).toBeInstanceOf(ResponseCache);
    expect(app.responseCache.client).toBe(app.memcached);
    await app.inject('/x');
    expect((await app.inject('/x')).headers['x-cache']).toBe('HIT');
    await app.close();
    await expect(app.memcached.get('k')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });
  });

  it('fastify: never closes an injected client, and caches only opted-in routes when global is false', async () => {
    const client = new MemcachedClient(server.address);
    const app = Fastify();
    await app.register(memcachedCache, { client, global: false, keyPrefix: 'optin:' });
    let calls = 0;
    app.get('/plain', async () => `p${++calls}`);
    app.get('/cached', { config: { cache: { ttl: 30 } } }, async () => `c${++calls}`);
    await app.inject('/plain');
    expect((await app.inject('/plain')).headers['x-cache']).toBeUndefined();
    await app.inject('/cached');
    expect((await app.inject('/cached')).headers['x-cache']).toBe('HIT');
    await app.close();
    expect(await client.set('still-open', 'yes')).toBe(true);
    await client.close();
  });

  it('fastify: a cached response never bypasses auth hooks registered after the plugin', async () => {
    const app = Fastify();
    await app.register(memcachedCache, { servers: server.address, keyPrefix: 'auth:' });
    // Registered after the cache, at onRequest and per route at preHandler: both must still run
    // before a hit is served, or a cached page would reach a client the hook refuses.
    app.addHook('onRequest', async (req, reply) => {
      if (req.headers['x-api-key'] !== 'k') return reply.code(401).send('no key');
      return undefined;
    });
    let handled = 0;
    app.get(
      '/public',
      {
        preHandler: async (req, reply) => {
          if (req.headers['x-banned'] === '1') return reply.code(403).send('banned');
          return undefined;
        },
      },
      async (_req, reply) => {
        handled++;
        return reply.header('cache-control', 'public, max-age=60').send('page');
      },
    );
    await app.inject({ url: '/public', headers: { 'x-api-key': 'k' } });
    const hit = await app.inject({ url: '/public', headers: { 'x-api-key': 'k' } });
    expect([hit.statusCode, hit.headers['x-cache'], handled]).toEqual([200, 'HIT', 1]);
    const anonymous = await app.inject({ url: '/public' });
    expect([anonymous.statusCode, anonymous.payload]).toEqual([401, 'no key']);
    const banned = await app.inject({
      url: '/public',
      headers: { 'x-api-key': 'k', 'x-banned': '1' },
    });
    expect([banned.statusCode, banned.payload]).toEqual([403, 'banned']);
    await app.close();
  });

  it('fastify: headers set by earlier hooks (rate-limit counters) are neither stored nor replayed on a hit', async () => {
    const app = Fastify();
    let count = 0;
    app.addHook('onRequest', async (_req, reply) => {
      reply.header('x-ratelimit-remaining', String(100 - ++count));
    });
    await app.register(memcachedCache, { servers: server.address, keyPrefix: 'ownf:' });
    app.get('/r', async () => 'r');
    await app.inject('/r');
    const hit = await app.inject('/r');
    expect([hit.headers['x-cache'], hit.headers['x-ratelimit-remaining']]).toEqual(['HIT', '98']);
    await app.close();
  });

  it('express: headers set by earlier middleware (rate-limit counters) are neither stored nor replayed on a hit', async () => {
    const app = express();
    let count = 0;
    app.use((_req, res, next) => {
      res.setHeader('x-ratelimit-remaining', String(100 - ++count));
      next();
    });
    const mw = cacheResponse({ servers: server.address, ttl: 60, keyPrefix: 'owne:' });
    app.get('/r', mw, (_req, res) => {
      res.send('r');
    });
    await request(app).get('/r').set('host', 'app.test').expect(200);
    const hit = await request(app).get('/r').set('host', 'app.test').expect(200);
    expect([hit.headers['x-cache'], hit.headers['x-ratelimit-remaining']]).toEqual(['HIT', '98']);
    await mw.cache.close();
  });

  it('fastify: does not cache 404s of unmatched URLs', async () => {
    const app = Fastify();
    await app.register(memcachedCache, { servers: server.address, keyPrefix: 'nf:' });
    let misses = 0;
    app.setNotFoundHandler(async (_req, reply) => reply.code(404).send(`nothing ${++misses}`));
    await app.inject('/random-1');
    const again = await app.inject('/random-1');
    expect([again.statusCode, again.payload, again.headers['x-cache']]).toEqual([
      404,
      'nothing 2',
      undefined,
    ]);
    await app.close();
  });

  it('fastify: reuses app.memcached when given no client, servers or backend, and never closes it', async () => {
    const client = new MemcachedClient(server.address);
    const app = Fastify();
    app.decorate('memcached', client);
    await app.register(memcachedCache, { keyPrefix: 'reuse:' });
    app.get('/x', async () => 'x');
    await app.ready();
    expect(app.responseCache.client).toBe(client);
    expect(app.responseCache.ownsClient).toBe(false);
    await app.inject('/x');
    expect((await app.inject('/x')).headers['x-cache']).toBe('HIT');
    await app.close();
    expect(await client.set('still-open', 'yes')).toBe(true);
    await client.close();
  });

  it("fastify: keyPrefix is the storage prefix; `prefix` (Fastify's route prefix) is refused, not dropped", async () => {
    const client = new MemcachedClient(server.address);
    const app = Fastify();
    await app.register(memcachedCache, { client, keyPrefix: 'kp-test:' });
    app.get('/k', async () => 'k');
    await app.inject('/k');
    // The entry lives under keyPrefix (inject sends Host: localhost:80).
    const key = memcachedKey('kp-test:', 'e', 'http://localhost:80/k');
    expect(await new MemcachedBackend(client).get(key)).not.toBeNull();
    expect(app.responseCache.options.keyPrefix).toBe('kp-test:');
    await app.close();
    const other = Fastify();
    await expect(
      other.register(memcachedCache, { client, prefix: 'rc2:' } as never).ready(),
    ).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_INVALID_OPTION',
      option: 'prefix',
      message:
        'Invalid option "prefix": Fastify reserves it for route prefixes; the storage prefix of @memkit/response-cache is "keyPrefix".',
    });
    await other.close();
    // Fastify's own register() options are Fastify's: accepted, not refused as unknown.
    const logged = Fastify();
    await logged.register(memcachedCache, {
      client,
      keyPrefix: 'kp-log:',
      logLevel: 'warn',
    } as never);
    await logged.ready();
    expect(logged.responseCache.options.keyPrefix).toBe('kp-log:');
    await logged.close();
    await client.close();
  });

  it('fastify: refuses unknown and bad options with ERR_MEMCACHED_INVALID_OPTION at registration', async () => {
    for (const options of [{ ttll: 5 }, { ttl: 0 }, { global: 'yes' }, { servers: 42 }]) {
      const app = Fastify();
      await expect(app.register(memcachedCache, options as never).ready()).rejects.toMatchObject({
        code: 'ERR_MEMCACHED_INVALID_OPTION',
      });
      await app.close();
    }
  });

  it('fastify: registering twice on one instance is refused, not a second lookup per route', async () => {
    const client = new MemcachedClient(server.address);
    const app = Fastify();
    await app.register(memcachedCache, { client, keyPrefix: 'twice:' });
    await expect(
      app.register(memcachedCache, { client, keyPrefix: 'twice2:' }).ready(),
    ).rejects.toThrow(/already registered/);
    await app.close();
    await client.close();
  });

  it('express: a cache created from servers closes its client on close(), once; a passed client is never closed', async () => {
    const own = new ResponseCache({ servers: server.address });
    expect(own.ownsClient).toBe(true);
    await own.close();
    await own.close();
    await expect(own.client.get('k')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });
    const client = new MemcachedClient(server.address);
    const given = new ResponseCache({ client });
    await given.close();
    expect(await client.set('open', 'yes')).toBe(true);
    await client.close();
  });

  it('fastify: rejects bad route settings when routes are added', async () => {
    const app = Fastify();
    await app.register(memcachedCache, { servers: server.address });
    expect(() => app.get('/bad', { config: { cache: { ttl: -5 } } }, async () => 'x')).toThrow(
      /Invalid option "ttl"/,
    );
    await app.close();
  });

  it('express: a middleware with its own engine exposes it for invalidation and close', async () => {
    const mw = cacheResponse({ servers: server.address, ttl: 30, keyPrefix: 'exp:' });
    let calls = 0;
    const app = express();
    app.get('/e', mw, (_req, res) => {
      res.type('text').send(`e${++calls}`);
    });
    await request(app).get('/e').set('host', 'app.test');
    expect((await request(app).get('/e').set('host', 'app.test')).headers['x-cache']).toBe('HIT');
    expect(await mw.cache.invalidate('/e')).toBe(true);
    expect((await request(app).get('/e').set('host', 'app.test')).text).toBe('e2');
    await mw.cache.close();
  });

  it('express: with app.use, caches every GET and passes POST through', async () => {
    const client = new MemcachedClient(server.address);
    const cache = new ResponseCache({ client, keyPrefix: 'use:' });
    const app = express();
    app.use(cacheResponse({ cache }));
    let calls = 0;
    app.get('/u', (_req, res) => {
      res.json({ n: ++calls });
    });
    app.post('/u', (_req, res) => {
      res.json({ n: ++calls });
    });
    await request(app).get('/u').set('host', 'app.test');
    expect((await request(app).get('/u').set('host', 'app.test')).body).toEqual({ n: 1 });
    expect((await request(app).post('/u').set('host', 'app.test')).body).toEqual({ n: 2 });
    await client.close();
  });

  it('express: streams server-sent events through instead of buffering them', async () => {
    const client = new MemcachedClient(server.address);
    const cache = new ResponseCache({ client, keyPrefix: 'sse:' });
    const app = express();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    app.get('/events', cacheResponse({ cache }), (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      void done.then(() => res.end());
    });
    const listener = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => listener.once('listening', () => resolve()));
    const { port } = listener.address() as { port: number };
    // The first event arrives while the handler still holds the stream open.
    const first = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/events' }, (res) => {
        res.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      }).once('error', reject);
    });
    expect(first).toBe('data: first\n\n');
    finish();
    listener.closeAllConnections();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    await client.close();
  });

  it('rejects client and servers together', () => {
    const client = new MemcachedClient(server.address);
    expect(() => new ResponseCache({ client, servers: server.address })).toThrow(
      /"client" .*"servers"|"servers".*"client"/,
    );
    return client.close();
  });
});
