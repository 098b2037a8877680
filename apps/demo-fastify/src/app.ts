import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { MemcachedClient } from '@memkit/core';
import {
  cacheStatsReport,
  DASHBOARD_HTML,
  type StatsSampler,
  type User,
  type UsersDb,
} from '@memkit/demo-api';
import { rateLimit } from '@memkit/rate-limiter';
import { memcachedCache } from '@memkit/response-cache';
import { memcachedSessionStore, SessionManager } from '@memkit/session-store';
import Fastify, { type FastifyInstance } from 'fastify';
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
}

interface Credentials {
  username?: unknown;
  password?: unknown;
}

/**
 * The guide's demo API on Fastify 5: `memcachedCache` for the user lookup, the rate-limit plugin
 * on `/api/`, @fastify/session on the memcached store for the cookie login.
 */
export async function createFastifyApp(options: FastifyDemoOptions): Promise<FastifyInstance> {
  const { client, db, registry, sampler } = options;
  const app = Fastify();
  const sessions = new SessionManager<{ user: User }>({ client, ttl: 1800 });
  app.addHook('onClose', async () => {
    await sessions.close();
  });

  // Only routes with `config.cache` are cached; the client is shared, never closed by plugins.
  await app.register(memcachedCache, { client, global: false });
  await app.register(fastifyCookie);
  await app.register(memcachedSessionStore, { client });
  await app.register(fastifySession, {
    secret: options.sessionSecret,
    store: app.memcachedSessionStore,
    saveUninitialized: false,
    cookie: { secure: false, httpOnly: true, sameSite: 'lax', maxAge: 1800 * 1000 },
  });

  app.get('/', async () => ({
    name: 'memkit demo-fastify',
    try: ['GET /api/users/1', 'POST /api/sessions', 'GET /api/cache/stats', 'GET /metrics'],
  }));

  await app.register(
    async (api) => {
      // Registered inside /api so the limit covers these routes only.
      await api.register(rateLimit, {
        client,
        limit: options.rateLimitMax,
        windowSeconds: options.rateLimitWindowSeconds,
      });

      api.get<{ Params: { id: string } }>(
        '/users/:id',
        { config: { cache: { ttl: 1800 } } },
        async (request, reply) => {
          const id = Number(request.params.id);
          if (!Number.isInteger(id) || id < 1)
            return reply.code(400).send({ error: 'Invalid user id' });
          const user = await db.findUser(id);
          if (user === null) return reply.code(404).send({ error: 'User not found' });
          return user;
        },
      );

      api.post<{ Body: Credentials | undefined }>('/sessions', async (request, reply) => {
        const user = db.authenticate(request.body?.username, request.body?.password);
        if (user === null) return reply.code(401).send({ error: 'Invalid credentials' });
        const sessionId = await sessions.create(String(user.id), { user });
        return reply.code(201).send({ sessionId, user });
      });

      api.get<{ Params: { id: string } }>('/sessions/:id', async (request, reply) => {
        const found = await sessions.get(request.params.id);
        if (found === null) return reply.code(404).send({ error: 'Session not found' });
        return {
          sessionId: found.id,
          userId: found.userId,
          createdAt: found.createdAt,
          ...found.data,
        };
      });

      api.delete<{ Params: { id: string } }>('/sessions/:id', async (request, reply) => {
        if (!(await sessions.destroy(request.params.id))) {
          return reply.code(404).send({ error: 'Session not found' });
        }
        return { deleted: true };
      });

      api.get('/cache/stats', async () => cacheStatsReport(client));

      api.post('/cache/flush', async () => {
        await client.flushAll();
        return { flushed: true };
      });
    },
    { prefix: '/api' },
  );

  app.post<{ Body: Credentials | undefined }>('/login', async (request, reply) => {
    const user = db.authenticate(request.body?.username, request.body?.password);
    if (user === null) return reply.code(401).send({ error: 'Invalid credentials' });
    // A new id on login, so a session id set before login cannot be fixed by an attacker.
    await request.session.regenerate();
    request.session.account = user;
    return { user };
  });
  app.get('/me', async (request, reply) => {
    const user = request.session.account;
    if (user === undefined) return reply.code(401).send({ error: 'Not logged in' });
    return { user };
  });
  app.post('/logout', async (request) => {
    await request.session.destroy();
    return { loggedOut: true };
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/dashboard', async (_request, reply) => reply.type('text/html').send(DASHBOARD_HTML));
  app.get('/dashboard/data', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ samples: sampler.samples() }),
  );

  app.setErrorHandler((err: Error & { code?: string; statusCode?: number }, _request, reply) => {
    const status = err.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: err.message });
    }
    return reply.code(503).send({ error: 'Cache unavailable', code: err.code ?? 'ERR_INTERNAL' });
  });
  return app;
}
