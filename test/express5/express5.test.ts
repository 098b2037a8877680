// The Express middleware of all three packages declare `express: ^4 || ^5`; the matrix
// (`test/support/http-matrix.ts`) builds its Express 5 cells from `express5`, and this file runs
// each package's everyday use on those cells, on every backend.
// Types: the packages' .d.ts import `express`, which a user's project resolves to its own
// @types/express (4 or 5); the matrix types every Express app with the repo's @types/express 4.
import { rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse } from '@memkit/response-cache';
import { MemcachedStore } from '@memkit/session-store';
import type { Request } from 'express';
import session from 'express-session';
import { expect, it } from 'vitest';
import { describeMatrix } from '../support/http-matrix.js';

describeMatrix(
  'the middleware',
  (cell) => {
    it('is really Express 5', async () => {
      const { createRequire } = await import('node:module');
      const pkg = createRequire(import.meta.url)('express5/package.json') as { version: string };
      expect(pkg.version).toMatch(/^5\./);
      // The cell's app is that package's, not Express 4 under another name: Express 5's router
      // (path-to-regexp 8) refuses Express 4's optional-parameter syntax.
      expect(() => cell.express().get('/:x?', (_req, res) => res.end())).toThrow();
    });

    it('cacheResponse: a second GET is a hit with the same body, POST is never cached, 304 on If-None-Match', async () => {
      const app = cell.express();
      let runs = 0;
      const cache = cacheResponse({
        ...cell.storage().options,
        keyPrefix: cell.prefix('rc'),
        ttl: 60,
      });
      app.get('/items/:id', cache, (req, res) => {
        runs++;
        res.json({ id: req.params.id, runs });
      });
      app.post('/items/:id', cache, (_req, res) => {
        runs++;
        res.json({ posted: runs });
      });
      const agent = await cell.serve(app);
      const first = await agent.request('GET', '/items/7');
      const second = await agent.request('GET', '/items/7');
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(JSON.parse(second.text)).toEqual(JSON.parse(first.text));
      expect(runs).toBe(1);
      expect((await agent.request('POST', '/items/7')).status).toBe(200);
      expect((await agent.request('POST', '/items/7')).status).toBe(200);
      expect(runs).toBe(3);
      const etag = second.headers.etag;
      expect(etag).toBeDefined();
      const revalidated = await agent.request('GET', '/items/7', { 'if-none-match': String(etag) });
      expect(revalidated.status).toBe(304);
      expect(runs).toBe(3);
    });

    it('rateLimiter: the limit passes, the next request is a 429 with Retry-After', async () => {
      const app = cell.express();
      const limiter = rateLimiter({
        ...cell.storage().options,
        limit: 3,
        windowSeconds: 60,
        keyPrefix: cell.prefix('rl'),
      });
      cell.onCleanup(() => limiter.close());
      app.use(limiter);
      app.get('/', (_req, res) => {
        res.send('ok');
      });
      const agent = await cell.serve(app);
      for (const remaining of ['2', '1', '0']) {
        const res = await agent.request('GET', '/');
        expect([res.status, res.text]).toEqual([200, 'ok']);
        expect(res.headers['x-ratelimit-remaining']).toBe(remaining);
      }
      const limited = await agent.request('GET', '/');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('MemcachedStore under express-session: login, the session on later requests, logout', async () => {
      const store = new MemcachedStore({ ...cell.storage().options, keyPrefix: cell.prefix('ss') });
      cell.onCleanup(() => store.close());
      const app = cell.express();
      app.use(
        session({ store, secret: 'express 5 test', resave: false, saveUninitialized: false }),
      );
      const fields = (req: Request) => req.session as unknown as { user?: string };
      app.post('/login/:user', (req, res, next) => {
        req.session.regenerate((err) => {
          if (err) return next(err);
          fields(req).user = req.params.user;
          req.session.save((saveErr) =>
            saveErr ? next(saveErr) : res.json({ id: req.sessionID }),
          );
        });
      });
      app.get('/me', (req, res) => {
        res.json({ user: fields(req).user ?? null });
      });
      app.post('/logout', (req, res, next) => {
        req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
      });
      const agent = await cell.serve(app);
      const login = await agent.request('POST', '/login/ada');
      expect(login.status).toBe(200);
      const { id } = JSON.parse(login.text) as { id: string };
      expect(JSON.parse((await agent.request('GET', '/me')).text)).toEqual({ user: 'ada' });
      expect(await store.get(id)).not.toBeNull();
      expect((await agent.request('POST', '/logout')).status).toBe(200);
      expect(await store.get(id)).toBeNull();
      expect(JSON.parse((await agent.request('GET', '/me')).text)).toEqual({ user: null });
    });
  },
  { frameworks: ['Express 5'] },
);
