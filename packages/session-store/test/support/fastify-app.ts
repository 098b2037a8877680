import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import {
  type MemcachedSessionStorePluginOptions,
  MemcachedStore,
  memcachedSessionStore,
} from '../../src/index.js';

/** The test app's session fields. A cast instead of augmenting fastify's Session, which is global to the repo's type-check. */
interface Fields {
  user?: string;
  cart?: string[];
}

function bag(request: FastifyRequest): Fields {
  return request.session as unknown as Fields;
}

/**
 * A small Fastify app using the store through the plugin, as the README shows; given a store
 * instead of options, it is handed to @fastify/session as is.
 */
export async function fastifyApp(
  options: MemcachedSessionStorePluginOptions | MemcachedStore,
  sessionOptions: { rolling?: boolean } = {},
  cartBarrier?: () => Promise<void>,
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyCookie);
  let store: MemcachedStore;
  if (options instanceof MemcachedStore) store = options;
  else {
    await app.register(memcachedSessionStore, options);
    store = app.memcachedSessionStore;
  }
  await app.register(fastifySession, {
    secret: 'a secret that is at least 32 characters long',
    store,
    saveUninitialized: false,
    cookie: { secure: false, maxAge: 3_600_000 },
    ...sessionOptions,
  });
  app.post<{ Params: { user: string } }>('/login/:user', async (request) => {
    await request.session.regenerate();
    bag(request).user = request.params.user;
    bag(request).cart = [];
    await request.session.save();
    return { id: request.session.sessionId };
  });
  app.get('/me', async (request) => ({
    user: bag(request).user ?? null,
    cart: bag(request).cart ?? null,
  }));
  app.post<{ Params: { item: string } }>('/cart/:item', async (request) => {
    await cartBarrier?.();
    bag(request).cart = [...(bag(request).cart ?? []), request.params.item];
    return { cart: bag(request).cart };
  });
  app.post('/logout', async (request) => {
    await request.session.destroy();
    return { ok: true };
  });
  app.setErrorHandler((err: Error & { code?: string }, _request, reply) => {
    void reply.status(500).send({ code: err.code ?? null, message: err.message });
  });
  await app.ready();
  return app;
}

/** The `name=value` part of the session cookie a response set. */
export function sessionCookie(setCookie: string | string[] | undefined): string {
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return first?.split(';')[0] ?? '';
}
