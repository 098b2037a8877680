import { Agent, get } from 'node:http';
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import express, { type Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RateLimiterLogger, rateLimiter } from '../src/index.js';

let server: MemcachedServer;
let client: MemcachedClient;
let unique = 0;
const prefix = () => `ex${++unique}:`;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  client = new MemcachedClient(server.address, { timeoutMs: 10_000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

function appWith(...middleware: express.RequestHandler[]): Express {
  const app = express();
  for (const m of middleware) app.use(m);
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  app.get('/fail', (_req, res) => {
    res.status(500).send('boom');
  });
  return app;
}

function statusOf(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject);
  });
}

function recordingLogger(): RateLimiterLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, warn: (_obj, msg) => warnings.push(msg ?? '') };
}

describe('rateLimiter (Express)', () => {
  it('allows the limit, then answers 429 with the headers and the JSON body', async () => {
    const app = appWith(rateLimiter({ limit: 3, windowSeconds: 60, client, keyPrefix: prefix() }));
    const before = Math.floor(Date.now() / 1000);
    for (const remaining of [2, 1, 0]) {
      const res = await request(app).get('/').expect(200, 'ok');
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(remaining));
      const reset = Number(res.headers['x-ratelimit-reset']);
      expect(reset).toBeGreaterThanOrEqual(before + 59);
      expect(reset).toBeLessThanOrEqual(before + 62);
      expect(res.headers['retry-after']).toBeUndefined();
    }
    const limited = await request(app).get('/').expect(429);
    expect(limited.headers['content-type']).toMatch(/^application\/json/);
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(59);
    expect(limited.body).toEqual({
      error: 'Too Many Requests',
      message: `Rate limit exceeded. Try again in ${retry} seconds.`,
    });
  });

  it('counts exactly under 1,000 concurrent requests', async () => {
    const app = appWith(
      rateLimiter({ limit: 100, windowSeconds: 60, client, keyPrefix: prefix() }),
    );
    const http = app.listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    try {
      const { port } = http.address() as { port: number };
      // 64 keep-alive sockets: 1,000 concurrent connects would overflow the listen backlog.
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const statuses = await Promise.all(
        Array.from({ length: 1000 }, () => statusOf(`http://127.0.0.1:${port}/`, agent)),
      );
      agent.destroy();
      expect(statuses.filter((s) => s === 200)).toHaveLength(100);
      expect(statuses.filter((s) => s === 429)).toHaveLength(900);
    } finally {
      await new Promise((r) => http.close(r));
    }
  });

  it('applies to a mount path only, as app.use("/api/", rateLimiter(...))', async () => {
    const app = express();
    app.use('/api/', rateLimiter({ limit: 1, windowSeconds: 60, client, keyPrefix: prefix() }));
    app.get('/api/x', (_req, res) => {
      res.send('api');
    });
    app.get('/public', (_req, res) => {
      res.send('public');
    });
    await request(app).get('/api/x').expect(200);
    await request(app).get('/api/x').expect(429);
    await request(app).get('/public').expect(200);
    await request(app).get('/public').expect(200);
  });

  it('sends the IETF draft headers and problem+json when asked', async () => {
    const app = appWith(
      rateLimiter({
        limit: 1,
        windowSeconds: 60,
        client,
        keyPrefix: prefix(),
        legacyHeaders: false,
        standardHeaders: 'draft-8',
        responseFormat: 'problem+json',
      }),
    );
    const ok = await request(app).get('/').expect(200);
    expect(ok.headers['ratelimit-policy']).toBe('"1-in-60s"; q=1; w=60');
    expect(ok.headers.ratelimit).toMatch(/^"1-in-60s"; r=0; t=(59|60)$/);
    expect(ok.headers['x-ratelimit-limit']).toBeUndefined();
    const limited = await request(app).get('/').expect(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(limited.text)).toMatchObject({
      type: 'about:blank',
      title: 'Too Many Requests',
      status: 429,
    });
  });

  it('keys by the trust-proxy-aware IP and groups IPv6 clients by /56', async () => {
    const app = express();
    app.set('trust proxy', true);
    app.use(rateLimiter({ limit: 1, windowSeconds: 60, client, keyPrefix: prefix() }));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    const from = (ip: string) => request(app).get('/').set('X-Forwarded-For', ip);
    await from('198.51.100.1').expect(200);
    await from('198.51.100.2').expect(200);
    await from('198.51.100.1').expect(429);
    await from('2001:db8:1:100::1').expect(200);
    // Same /56 (2001:db8:1:100::/56), another address: the same customer.
    await from('2001:db8:1:1ff::2').expect(429);
    await from('2001:db8:1:200::1').expect(200);
  });

  it('warns once when X-Forwarded-For arrives while trust proxy is off', async () => {
    const logger = recordingLogger();
    const app = appWith(
      rateLimiter({ limit: 10, windowSeconds: 60, client, keyPrefix: prefix(), logger }),
    );
    await request(app).get('/').set('X-Forwarded-For', '198.51.100.1').expect(200);
    await request(app).get('/').set('X-Forwarded-For', '198.51.100.2').expect(200);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/X-Forwarded-For .* trust proxy is off/);
  });

  it('honours keyGenerator, skip, allowList and a per-request cost', async () => {
    const app = appWith(
      rateLimiter({
        limit: 5,
        windowSeconds: 60,
        client,
        keyPrefix: prefix(),
        keyGenerator: (req) => String(req.headers['x-api-key'] ?? 'anonymous'),
        skip: (req) => req.headers['x-health'] === '1',
        allowList: ['trusted'],
        cost: (req) => Number(req.headers['x-cost'] ?? 1),
      }),
    );
    await request(app).get('/').set('X-API-Key', 'a').set('X-Cost', '5').expect(200);
    await request(app).get('/').set('X-API-Key', 'a').expect(429);
    await request(app).get('/').set('X-API-Key', 'b').expect(200);
    await request(app).get('/').set('X-API-Key', 'a').set('X-Health', '1').expect(200);
    for (let i = 0; i < 7; i++) await request(app).get('/').set('X-API-Key', 'trusted').expect(200);
  });

  it('skipFailedRequests refunds failed responses after they are sent', async () => {
    const limiter = rateLimiter({
      limit: 2,
      windowSeconds: 60,
      client,
      keyPrefix: prefix(),
      skipFailedRequests: true,
    });
    const app = appWith(limiter);
    for (let i = 0; i < 5; i++) await request(app).get('/fail').expect(500);
    // The refunds run on 'close'; wait until the counter shows all five given back.
    await expect.poll(async () => (await limiter.limiter.get('127.0.0.1')).remaining).toBe(2);
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(429);
  });

  it('skipSuccessfulRequests counts only failures', async () => {
    const limiter = rateLimiter({
      limit: 1,
      windowSeconds: 60,
      client,
      keyPrefix: prefix(),
      skipSuccessfulRequests: true,
    });
    const app = appWith(limiter);
    await request(app).get('/').expect(200);
    await expect.poll(async () => (await limiter.limiter.get('127.0.0.1')).remaining).toBe(1);
    await request(app).get('/fail').expect(500);
    await request(app).get('/').expect(429);
  });
});

describe('rateLimiter (Express) client ownership', () => {
  it('closes a client it created from servers, and never a client it was given', async () => {
    const owned = rateLimiter({ limit: 5, windowSeconds: 60, servers: server.address });
    await request(appWith(owned)).get('/').expect(200);
    const before = Number(server.stats().curr_connections);
    await owned.close();
    await expect.poll(() => Number(server.stats().curr_connections)).toBeLessThan(before);

    const given = rateLimiter({ limit: 5, windowSeconds: 60, client, keyPrefix: prefix() });
    await given.close();
    expect(await client.version()).toBeDefined();
    await request(appWith(given)).get('/').expect(200);
  });
});

describe('rateLimiter (Express) with memcached hung', () => {
  let hung: MemcachedServer;
  let hungClient: MemcachedClient;

  beforeAll(async () => {
    hung = await startServer({ port: 0, host: '127.0.0.1' });
    hungClient = new MemcachedClient(hung.address, { timeoutMs: 100, retryDelayMs: 60_000 });
    await hungClient.version();
    hung.hang();
  });
  afterAll(async () => {
    hung.resume();
    await hungClient.close();
    await hung.close();
  });

  it('fails open onto the in-memory fallback, which still limits', async () => {
    const app = appWith(rateLimiter({ limit: 2, windowSeconds: 60, client: hungClient }));
    await request(app).get('/').expect(200);
    await request(app).get('/').expect(200);
    const limited = await request(app).get('/').expect(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('fails closed with 503 when failOpen is false', async () => {
    const app = appWith(
      rateLimiter({ limit: 2, windowSeconds: 60, client: hungClient, failOpen: false }),
    );
    const res = await request(app).get('/').expect(503);
    expect(res.body).toMatchObject({ error: 'Service Unavailable' });
  });
});
