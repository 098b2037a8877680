// The Express middleware of all three packages declare `express: ^4 || ^5`; the package suites
// run on Express 4, this file runs the same middleware on Express 5 (installed as `express5`).
// Types: the packages' .d.ts import `express`, which a user's project resolves to its own
// @types/express (4 or 5); here the sources resolve the repo's @types/express 4, hence `v5()`.
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse } from '@memkit/response-cache';
import { MemcachedStore } from '@memkit/session-store';
import session from 'express-session';
import express, { type RequestHandler } from 'express5';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: MemcachedServer;
let client: MemcachedClient;
let n = 0;
const prefix = (name: string) => `x5-${name}-${++n}:`;
const v5 = (middleware: unknown) => middleware as RequestHandler;

beforeAll(async () => {
  server = await startServer();
  client = new MemcachedClient(server.address, { timeoutMs: 5000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('Express 5', () => {
  it('is really Express 5', async () => {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('express5/package.json') as { version: string };
    expect(pkg.version).toMatch(/^5\./);
  });

  it('cacheResponse: a second GET is a hit with the same body, POST is never cached, 304 on If-None-Match', async () => {
    const app = express();
    let runs = 0;
    const cache = v5(cacheResponse({ client, keyPrefix: prefix('rc'), ttl: 60 }));
    app.get('/items/:id', cache, (req, res) => {
      runs++;
      res.json({ id: req.params.id, runs });
    });
    app.post('/items/:id', cache, (_req, res) => {
      runs++;
      res.json({ posted: runs });
    });
    // supertest listens on a new port per request; the Host (part of the key) is pinned here.
    const first = await request(app).get('/items/7').set('host', 'app.test').expect(200);
    const second = await request(app).get('/items/7').set('host', 'app.test').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(runs).toBe(1);
    await request(app).post('/items/7').expect(200);
    await request(app).post('/items/7').expect(200);
    expect(runs).toBe(3);
    const etag = second.headers.etag;
    expect(etag).toBeDefined();
    await request(app)
      .get('/items/7')
      .set('host', 'app.test')
      .set('If-None-Match', etag!)
      .expect(304);
    expect(runs).toBe(3);
  });

  it('rateLimiter: the limit passes, the next request is a 429 with Retry-After', async () => {
    const app = express();
    app.use(v5(rateLimiter({ limit: 3, windowSeconds: 60, client, keyPrefix: prefix('rl') })));
    app.get('/', (_req, res) => {
      res.send('ok');
    });
    for (const remaining of ['2', '1', '0']) {
      const res = await request(app).get('/').expect(200, 'ok');
      expect(res.headers['x-ratelimit-remaining']).toBe(remaining);
    }
    const limited = await request(app).get('/').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('MemcachedStore under express-session: login, the session on later requests, logout', async () => {
    const store = new MemcachedStore({ client, keyPrefix: prefix('ss') });
    const app = express();
    app.use(
      v5(
        session({
          store,
          secret: 'express 5 test',
          resave: false,
          saveUninitialized: false,
        }),
      ),
    );
    const fields = (req: express.Request) => req.session as unknown as { user?: string };
    app.post('/login/:user', (req, res, next) => {
      req.session.regenerate((err) => {
        if (err) return next(err);
        fields(req).user = req.params.user;
        req.session.save((saveErr) => (saveErr ? next(saveErr) : res.json({ id: req.sessionID })));
      });
    });
    app.get('/me', (req, res) => {
      res.json({ user: fields(req).user ?? null });
    });
    app.post('/logout', (req, res, next) => {
      req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
    });
    const agent = request.agent(app);
    const { body } = await agent.post('/login/ada').expect(200);
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: 'ada' });
    expect(await store.get(body.id)).not.toBeNull();
    await agent.post('/logout').expect(200);
    expect(await store.get(body.id)).toBeNull();
    expect((await agent.get('/me').expect(200)).body).toEqual({ user: null });
    await store.close();
  });
});
