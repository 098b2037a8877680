import type { MemcachedClient } from '@memkit/core';
import { rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse } from '@memkit/response-cache';
import { MemcachedStore, SessionManager } from '@memkit/session-store';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { Registry } from 'prom-client';
import { cacheStatsReport } from './cache-stats.js';
import { DASHBOARD_HTML } from './dashboard-html.js';
import type { StatsSampler } from './stats-sampler.js';
import type { User, UsersDb } from './users-db.js';

/** What {@link createApp} wires together; the caller owns and closes all of it. */
export interface DemoAppOptions {
  client: MemcachedClient;
  db: UsersDb;
  /** Registry served on `/metrics` (with `collectMetrics` already attached). */
  registry: Registry;
  sampler: StatsSampler;
  /** Requests per window per IP on `/api/`. */
  rateLimitMax: number;
  rateLimitWindowSeconds: number;
  sessionSecret: string;
}

declare module 'express-session' {
  interface SessionData {
    account: User;
  }
}

/** Sends async handler failures to Express's error handler (Express 4 does not). */
function route(fn: (req: Request, res: Response) => Promise<unknown>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).then(undefined, next);
  };
}

/**
 * The guide's demo API on Express: a cached user lookup, token sessions, a cookie login on the
 * session store, cache stats and flush, a rate limit on `/api/`, `/metrics` and `/dashboard`.
 */
export function createApp(options: DemoAppOptions): { app: Express; sessions: SessionManager } {
  const { client, db, registry, sampler } = options;
  const sessions = new SessionManager({ client, ttl: 1800 });
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.use(express.urlencoded({ extended: false }));

  app.get('/', (_req, res) => {
    res.json({
      name: 'memkit demo-api',
      try: [
        'GET /api/users/1',
        'POST /api/sessions {"username":"admin","password":"password"}',
        'GET /api/cache/stats',
        'GET /metrics',
        'GET /dashboard',
      ],
    });
  });

  app.use(
    '/api/',
    rateLimiter({
      client,
      limit: options.rateLimitMax,
      windowSeconds: options.rateLimitWindowSeconds,
    }),
  );

  // Cached for 30 minutes: the second request for a user never reaches the database.
  app.get(
    '/api/users/:id',
    cacheResponse({ client, ttl: 1800 }),
    route(async (req, res) => {
      const id = Number(req.params.id);
      if (!Number.isInteger(id) || id < 1)
        return res.status(400).json({ error: 'Invalid user id' });
      const user = await db.findUser(id);
      if (user === null) return res.status(404).json({ error: 'User not found' });
      return res.json(user);
    }),
  );

  app.post(
    '/api/sessions',
    route(async (req, res) => {
      const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
      const user = db.authenticate(body.username, body.password);
      if (user === null) return res.status(401).json({ error: 'Invalid credentials' });
      const sessionId = await sessions.create(String(user.id), { user });
      return res.status(201).json({ sessionId, user });
    }),
  );

  app.get(
    '/api/sessions/:id',
    route(async (req, res) => {
      const found = await sessions.get(String(req.params.id));
      if (found === null) return res.status(404).json({ error: 'Session not found' });
      return res.json({
        sessionId: found.id,
        userId: found.userId,
        createdAt: found.createdAt,
        ...found.data,
      });
    }),
  );

  app.delete(
    '/api/sessions/:id',
    route(async (req, res) => {
      const deleted = await sessions.destroy(String(req.params.id));
      if (!deleted) return res.status(404).json({ error: 'Session not found' });
      return res.json({ deleted: true });
    }),
  );

  app.get(
    '/api/cache/stats',
    route(async (_req, res) => res.json(await cacheStatsReport(client))),
  );

  app.post(
    '/api/cache/flush',
    route(async (_req, res) => {
      await client.flushAll();
      return res.json({ flushed: true });
    }),
  );

  // The cookie login flow: express-session keeps the session in memcached.
  const cookieSession = session({
    store: new MemcachedStore({ client }),
    secret: options.sessionSecret,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 1800 * 1000 },
  });
  app.post('/login', cookieSession, (req, res, next) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    const user = db.authenticate(body.username, body.password);
    if (user === null) {
      res.status(401).json({ error: 'Invalid credentials' });
      return;
    }
    // A new id on login, so a session id set before login cannot be fixed by an attacker.
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.account = user;
      res.json({ user });
    });
  });
  app.get('/me', cookieSession, (req, res) => {
    if (req.session.account === undefined) {
      res.status(401).json({ error: 'Not logged in' });
      return;
    }
    res.json({ user: req.session.account });
  });
  app.post('/logout', cookieSession, (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('connect.sid');
      res.json({ loggedOut: true });
    });
  });

  app.get(
    '/metrics',
    route(async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    }),
  );
  app.get('/dashboard', (_req, res) => {
    res.type('html').send(DASHBOARD_HTML);
  });
  app.get('/dashboard/data', (_req, res) => {
    res.set('cache-control', 'no-store').json({ samples: sampler.samples() });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { code, status } = err as { code?: unknown; status?: unknown };
    // Request errors (a malformed JSON body) keep their 4xx; anything else is the cache failing.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'Bad request' });
      return;
    }
    res.status(503).json({
      error: 'Cache unavailable',
      code: typeof code === 'string' ? code : 'ERR_INTERNAL',
    });
  });
  return { app, sessions };
}
