import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { MemcachedClient } from '@memkit/core';
import {
  type AdminAuth,
  API_INDEX,
  apiError,
  BODY_LIMIT_BYTES,
  cacheStatsReport,
  DASHBOARD_HTML,
  type FailureLog,
  failureOf,
  type LoginGuard,
  requestIdOf,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  type StatsSampler,
  type User,
  type UsersDb,
} from '@memkit/demo-api';
import { rateLimit } from '@memkit/rate-limiter';
import { memcachedCache } from '@memkit/response-cache';
import { memcachedSessionStore, SessionManager } from '@memkit/session-store';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

declare module 'fastify' {
  interface Session {
    account?: User;
  }
}

/** What {@link createFastifyApp} wires together; the caller owns and closes all of it. */
export interface FastifyDemoOptions {
  client: MemcachedClient;
  db: UsersDb;
  registry: Registry;
  sampler: StatsSampler;
  rateLimitMax: number;
  rateLimitWindowSeconds: number;
  /** At least 32 characters (@fastify/session's rule). */
  sessionSecret: string;
  /** Guards flush, stats, `/metrics`, `/dashboard` and `/dashboard/data`. */
  admin: AdminAuth;
  /** The strict limit on `POST /login` and `POST /api/sessions`. */
  loginGuard: LoginGuard;
  /** Becomes Fastify's own logger. */
  logger: Logger;
  failures: FailureLog;
  /**
   * Fastify `trustProxy` (`TRUST_PROXY`): a hop count or the proxies' addresses, so the per-IP
   * limits see the client behind an ingress. Never `true`. @default X-Forwarded-For ignored
   */
  trustProxy?: number | string[] | undefined;
}

interface Credentials {
  username?: unknown;
  password?: unknown;
}

/**
 * `TRUST_PROXY` as Fastify takes it. A hop count becomes Express's rule (trust the `n` hops
 * nearest the socket) as a function: Fastify 5.12 turns a bare number into "trust nothing".
 */
function fastifyTrustProxy(
  trust: number | string[] | undefined,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === undefined) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}

/**
 * The guide's demo API on Fastify 5, to the same contract as the Express demo (`apps/API.md`):
 * `memcachedCache` for the user lookup, the rate-limit plugin on `/api/`, @fastify/session on
 * the memcached store for the cookie login, and the admin routes behind a token.
 */
export async function createFastifyApp(options: FastifyDemoOptions): Promise<FastifyInstance> {
  const { client, db, registry, sampler, admin, loginGuard, failures } = options;
  const app = Fastify({
    loggerInstance: options.logger,
    // One line per failure (written by the error handler), not two per request.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: fastifyTrustProxy(options.trustProxy),
  }) as unknown as FastifyInstance;
  const sessions = new SessionManager<{ user: User }>({ client, ttl: SESSION_TTL_SECONDS });
  app.addHook('onClose', async () => {
    await sessions.close();
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Set before any plugin is registered: encapsulated contexts copy them when they load.
  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).send(apiError('Not found', 'ERR_NOT_FOUND')),
  );
  app.setErrorHandler(async (err, request, reply) => {
    const failure = failureOf(err);
    failures.request(request.log as Logger, {
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
      failure,
      err,
    });
    return reply.code(failure.status).send(failure.body);
  });
  // JSON only, as the Express demo: a text/plain body is 415, not a string.
  app.removeContentTypeParser('text/plain');

  // Only routes with `config.cache` are cached; the client is shared, never closed by plugins.
  await app.register(memcachedCache, { client, global: false, logger: options.logger });
  await app.register(fastifyCookie);
  await app.register(memcachedSessionStore, { client });
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, path: '/' };
  await app.register(fastifySession, {
    secret: options.sessionSecret,
    cookieName: SESSION_COOKIE,
    store: app.memcachedSessionStore,
    saveUninitialized: false,
    cookie: { ...cookieOptions, secure: false, maxAge: SESSION_TTL_SECONDS * 1000 },
  });

  const requireAdmin = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const token = (request.query as { token?: unknown } | undefined)?.token;
    const verdict = admin.check(
      {
        authorization: request.headers.authorization,
        cookie: request.headers.cookie,
        queryToken: typeof token === 'string' ? token : undefined,
      },
      request.url.split('?')[0] ?? '',
    );
    reply.header('cache-control', 'no-store');
    if (verdict.kind === 'allow') return;
    if (verdict.kind === 'login') {
      return reply.header('set-cookie', verdict.setCookie).redirect(verdict.location, 303);
    }
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="memkit-demo"')
      .send(apiError('Admin token required', 'ERR_ADMIN_TOKEN'));
  };

  /** Counts a login attempt; answers 429 itself when the strict limit is reached. */
  const guardLogin = async (
    request: FastifyRequest<{ Body: Credentials | undefined }>,
    reply: FastifyReply,
  ): Promise<void> => {
    const verdict = await loginGuard.attempt(request.ip, request.body?.username);
    if (verdict.allowed) return;
    return reply
      .code(429)
      .header('retry-after', String(verdict.retryAfterSeconds))
      .send(apiError('Too many login attempts', 'ERR_LOGIN_RATE_LIMITED'));
  };

  app.get('/', async () => API_INDEX);

  await app.register(
    async (api) => {
      // Registered inside /api so the limit covers these routes only.
      await api.register(rateLimit, {
        client,
        limit: options.rateLimitMax,
        windowSeconds: options.rateLimitWindowSeconds,
        // Outage and recovery, once each (the limiter fails open meanwhile).
        logger: options.logger,
      });
      // The limiter hooks each route as it is added (onRoute), never the 404 handler: a
      // catch-all route under /api makes an unknown /api/ path count, as on Express.
      api.all('/*', async (_request, reply) =>
        reply.code(404).send(apiError('Not found', 'ERR_NOT_FOUND')),
      );

      api.get<{ Params: { id: string } }>(
        '/users/:id',
        { config: { cache: { ttl: 1800 } } },
        async (request, reply) => {
          const id = Number(request.params.id);
          if (!/^\d+$/.test(request.params.id) || id < 1)
            return reply.code(400).send(apiError('Invalid user id', 'ERR_INVALID_ID'));
          const user = await db.findUser(id);
          if (user === null) {
            return reply.code(404).send(apiError('User not found', 'ERR_NOT_FOUND'));
          }
          return user;
        },
      );

      api.post<{ Body: Credentials | undefined }>(
        '/sessions',
        { preHandler: guardLogin },
        async (request, reply) => {
          const user = db.authenticate(request.body?.username, request.body?.password);
          if (user === null) {
            return reply.code(401).send(apiError('Invalid credentials', 'ERR_INVALID_CREDENTIALS'));
          }
          const sessionId = await sessions.create(String(user.id), { user });
          return reply.code(201).send({ sessionId, user });
        },
      );

      api.get<{ Params: { id: string } }>('/sessions/:id', async (request, reply) => {
        const found = await sessions.get(request.params.id);
        if (found === null) {
          return reply.code(404).send(apiError('Session not found', 'ERR_NOT_FOUND'));
        }
        return {
          sessionId: found.id,
          userId: found.userId,
          createdAt: found.createdAt,
          ...found.data,
        };
      });

      api.delete<{ Params: { id: string } }>('/sessions/:id', async (request, reply) => {
        if (!(await sessions.destroy(request.params.id))) {
          return reply.code(404).send(apiError('Session not found', 'ERR_NOT_FOUND'));
        }
        return { deleted: true };
      });

      api.get('/cache/stats', { preHandler: requireAdmin }, async () => cacheStatsReport(client));

      api.post('/cache/flush', { preHandler: requireAdmin }, async () => {
        await client.flushAll();
        return { flushed: true };
      });
    },
    { prefix: '/api' },
  );

  app.post<{ Body: Credentials | undefined }>(
    '/login',
    { preHandler: guardLogin },
    async (request, reply) => {
      const user = db.authenticate(request.body?.username, request.body?.password);
      if (user === null) {
        return reply.code(401).send(apiError('Invalid credentials', 'ERR_INVALID_CREDENTIALS'));
      }
      // A new id on login, so a session id set before login cannot be fixed by an attacker.
      await request.session.regenerate();
      request.session.account = user;
      // Saved before answering, so a store failure is a 503 and not a cookie for nothing.
      await request.session.save();
      return { user };
    },
  );
  app.get('/me', async (request, reply) => {
    const user = request.session.account;
    if (user === undefined) {
      return reply.code(401).send(apiError('Not logged in', 'ERR_NOT_LOGGED_IN'));
    }
    return { user };
  });
  app.post('/logout', async (request, reply) => {
    await request.session.destroy();
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return { loggedOut: true };
  });

  app.get('/metrics', { preHandler: requireAdmin }, async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/dashboard', { preHandler: requireAdmin }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(DASHBOARD_HTML),
  );
  app.get('/dashboard/data', { preHandler: requireAdmin }, async () => ({
    samples: sampler.samples(),
  }));

  return app;
}
