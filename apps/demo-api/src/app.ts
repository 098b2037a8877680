import type { MemcachedClient } from '@memkit/core';
import { rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse } from '@memkit/response-cache';
import { MemcachedStore, SessionManager } from '@memkit/session-store';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import type { AdminAuth } from './admin-auth.js';
import { apiError, failureOf } from './api-errors.js';
import { cacheStatsReport } from './cache-stats.js';
import { API_INDEX, BODY_LIMIT_BYTES, SESSION_COOKIE, SESSION_TTL_SECONDS } from './contract.js';
import { DASHBOARD_HTML } from './dashboard-html.js';
import { type FailureLog, requestIdOf } from './demo-logger.js';
import type { LoginGuard } from './login-guard.js';
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
  /** Guards flush, stats, `/metrics`, `/dashboard` and `/dashboard/data`. */
  admin: AdminAuth;
  /** The strict limit on `POST /login` and `POST /api/sessions`. */
  loginGuard: LoginGuard;
  logger: Logger;
  failures: FailureLog;
  /**
   * Express `trust proxy` (`TRUST_PROXY`): a hop count or the proxies' addresses, so the per-IP
   * limits see the client behind an ingress. Never `true`. @default X-Forwarded-For ignored
   */
  trustProxy?: number | string[] | undefined;
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

interface Credentials {
  username?: unknown;
  password?: unknown;
}

/**
 * The guide's demo API on Express, to the contract in `apps/API.md`: a cached user lookup,
 * token sessions, a cookie login on the session store, a rate limit on `/api/`, a strict limit
 * on logins, and admin routes (cache stats and flush, `/metrics`, `/dashboard`) behind a token.
 */
export function createApp(options: DemoAppOptions): { app: Express; sessions: SessionManager } {
  const { client, db, registry, sampler, admin, loginGuard, failures } = options;
  const sessions = new SessionManager({ client, ttl: SESSION_TTL_SECONDS });
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (req, res) => {
        const id = requestIdOf(req.headers['x-request-id']);
        res.setHeader('x-request-id', id);
        return id;
      },
      // One line per failure (written by the error handler), not one per request.
      autoLogging: false,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'reqId' },
    }),
  );
  // First, so every request under /api/ counts, a malformed or refused body included (as on
  // Fastify, where the limiter's onRequest hook runs before the body is parsed).
  app.use(
    '/api/',
    rateLimiter({
      client,
      limit: options.rateLimitMax,
      windowSeconds: options.rateLimitWindowSeconds,
      // Outage and recovery, once each (the limiter fails open meanwhile).
      logger: options.logger,
    }),
  );
  // JSON only, as Fastify: a body of another type is 415 rather than silently ignored.
  app.use((req, res, next) => {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
    if (hasBody && !req.is('application/json')) {
      const failure = failureOf({ status: 415 });
      res.status(failure.status).json(failure.body);
      return;
    }
    next();
  });
  // strict: false accepts any JSON value, as Fastify does; a non-object is just bad credentials.
  app.use(express.json({ limit: BODY_LIMIT_BYTES, strict: false }));

  const requireAdmin = (req: Request, res: Response, next: NextFunction): void => {
    const token = req.query.token;
    const verdict = admin.check(
      {
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        queryToken: typeof token === 'string' ? token : undefined,
      },
      req.path,
    );
    res.set('cache-control', 'no-store');
    if (verdict.kind === 'allow') {
      next();
      return;
    }
    if (verdict.kind === 'login') {
      res.set('set-cookie', verdict.setCookie).redirect(303, verdict.location);
      return;
    }
    res
      .status(401)
      .set('www-authenticate', 'Bearer realm="memkit-demo"')
      .json(apiError('Admin token required', 'ERR_ADMIN_TOKEN'));
  };

  /** Counts a login attempt; answers 429 itself when the strict limit is reached. */
  const guardLogin = async (req: Request, res: Response): Promise<boolean> => {
    const body = (req.body ?? {}) as Credentials;
    const verdict = await loginGuard.attempt(req.ip ?? '', body.username);
    if (verdict.allowed) return true;
    res
      .status(429)
      .set('retry-after', String(verdict.retryAfterSeconds))
      .json(apiError('Too many login attempts', 'ERR_LOGIN_RATE_LIMITED'));
    return false;
  };

  app.get('/', (_req, res) => {
    res.json(API_INDEX);
  });

  // Cached for 30 minutes: the second request for a user never reaches the database.
  app.get(
    '/api/users/:id',
    cacheResponse({ client, ttl: 1800, logger: options.logger }),
    route(async (req, res) => {
      const id = Number(req.params.id);
      if (!/^\d+$/.test(String(req.params.id)) || id < 1)
        return res.status(400).json(apiError('Invalid user id', 'ERR_INVALID_ID'));
      const user = await db.findUser(id);
      if (user === null) return res.status(404).json(apiError('User not found', 'ERR_NOT_FOUND'));
      return res.json(user);
    }),
  );

  app.post(
    '/api/sessions',
    route(async (req, res) => {
      if (!(await guardLogin(req, res))) return;
      const body = (req.body ?? {}) as Credentials;
      const user = db.authenticate(body.username, body.password);
      if (user === null) {
        return res.status(401).json(apiError('Invalid credentials', 'ERR_INVALID_CREDENTIALS'));
      }
      const sessionId = await sessions.create(String(user.id), { user });
      return res.status(201).json({ sessionId, user });
    }),
  );

  app.get(
    '/api/sessions/:id',
    route(async (req, res) => {
      const found = await sessions.get(String(req.params.id));
      if (found === null) {
        return res.status(404).json(apiError('Session not found', 'ERR_NOT_FOUND'));
      }
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
      if (!deleted) return res.status(404).json(apiError('Session not found', 'ERR_NOT_FOUND'));
      return res.json({ deleted: true });
    }),
  );

  app.get(
    '/api/cache/stats',
    requireAdmin,
    route(async (_req, res) => res.json(await cacheStatsReport(client))),
  );

  app.post(
    '/api/cache/flush',
    requireAdmin,
    route(async (_req, res) => {
      await client.flushAll();
      return res.json({ flushed: true });
    }),
  );

  // The cookie login flow: express-session keeps the session in memcached.
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, path: '/' };
  const cookieSession = session({
    name: SESSION_COOKIE,
    store: new MemcachedStore({ client }),
    secret: options.sessionSecret,
    resave: false,
    saveUninitialized: false,
    cookie: { ...cookieOptions, maxAge: SESSION_TTL_SECONDS * 1000 },
  });
  app.post(
    '/login',
    route(async (req, res) => {
      if (!(await guardLogin(req, res))) return;
      const body = (req.body ?? {}) as Credentials;
      const user = db.authenticate(body.username, body.password);
      if (user === null) {
        res.status(401).json(apiError('Invalid credentials', 'ERR_INVALID_CREDENTIALS'));
        return;
      }
      await new Promise<void>((resolve, reject) =>
        cookieSession(req, res, (err?: unknown) => (err ? reject(err) : resolve())),
      );
      // A new id on login, so a session id set before login cannot be fixed by an attacker.
      await new Promise<void>((resolve, reject) =>
        req.session.regenerate((err) => (err ? reject(err) : resolve())),
      );
      req.session.account = user;
      // Saved before answering, so a store failure is a 503 and not a cookie for nothing.
      await new Promise<void>((resolve, reject) =>
        req.session.save((err) => (err ? reject(err) : resolve())),
      );
      res.json({ user });
    }),
  );
  app.get('/me', cookieSession, (req, res) => {
    if (req.session.account === undefined) {
      res.status(401).json(apiError('Not logged in', 'ERR_NOT_LOGGED_IN'));
      return;
    }
    res.json({ user: req.session.account });
  });
  app.post('/logout', cookieSession, (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(SESSION_COOKIE, cookieOptions);
      res.json({ loggedOut: true });
    });
  });

  app.get(
    '/metrics',
    requireAdmin,
    route(async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    }),
  );
  app.get('/dashboard', requireAdmin, (_req, res) => {
    res.type('html').send(DASHBOARD_HTML);
  });
  app.get('/dashboard/data', requireAdmin, (_req, res) => {
    res.json({ samples: sampler.samples() });
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json(apiError('Not found', 'ERR_NOT_FOUND'));
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const failure = failureOf(err);
    failures.request(req.log, {
      method: req.method,
      route: (req.baseUrl ?? '') + ((req.route as { path?: string } | undefined)?.path ?? req.path),
      failure,
      err,
    });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(failure.status).json(failure.body);
  });
  return { app, sessions };
}
