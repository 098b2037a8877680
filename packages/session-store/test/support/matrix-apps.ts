import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { NextFunction, Request, Response } from 'express';
import session from 'express-session';
import type { FastifyRequest } from 'fastify';
import type { MatrixAgent, MatrixCell } from '../../../../test/support/http-matrix.js';
import {
  MemcachedStore,
  type MemcachedStoreOptions,
  memcachedSessionStore,
} from '../../src/index.js';

/** The session fields of the test apps (a cast: augmenting the frameworks' types is global). */
interface Fields {
  user?: string;
  cart?: string[];
  big?: string;
}

/** What a test can do to the app's requests. */
export interface SessionAppHooks {
  /** Awaited by POST /cart/:item after the session was read and before it is changed. */
  gate?: () => Promise<void>;
  /** The cookie's lifetime. @default one hour */
  maxAgeMs?: number;
}

/** A running test app with the store it uses. */
export interface SessionApp {
  agent: MatrixAgent;
  store: MemcachedStore;
}

/**
 * The same small app on the cell's framework: express-session (Express 4 or 5) or
 * @fastify/session through the store's plugin, routes /login/:user, /me, /cart/:item, /big,
 * /logout. Errors answer 500 with the error's code.
 */
export async function sessionApp(
  cell: MatrixCell,
  options: Omit<MemcachedStoreOptions, 'client' | 'servers' | 'backend'>,
  hooks: SessionAppHooks = {},
): Promise<SessionApp> {
  const storeOptions = { ...cell.storage().options, ...options } as MemcachedStoreOptions;
  const maxAge = hooks.maxAgeMs ?? 3_600_000;
  if (cell.framework.kind === 'express') {
    const store = new MemcachedStore(storeOptions);
    cell.onCleanup(() => store.close());
    const app = cell.express();
    const bag = (req: Request) => req.session as unknown as Fields;
    app.use(
      session({
        store,
        secret: 'test secret',
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge },
      }) as unknown as ReturnType<typeof cell.express>,
    );
    app.post('/login/:user', (req, res, next) => {
      req.session.regenerate((err) => {
        if (err) return next(err);
        bag(req).user = req.params.user;
        bag(req).cart = [];
        req.session.save((e) => (e ? next(e) : res.json({ id: req.sessionID })));
      });
    });
    app.get('/me', (req, res) => {
      res.json({ user: bag(req).user ?? null, cart: bag(req).cart ?? null });
    });
    app.post('/cart/:item', (req, res, next) => {
      (hooks.gate?.() ?? Promise.resolve()).then(() => {
        bag(req).cart = [...(bag(req).cart ?? []), req.params.item as string];
        req.session.save((e) => (e ? next(e) : res.json({ cart: bag(req).cart })));
      }, next);
    });
    app.post('/big', (req, res, next) => {
      bag(req).big = 'x'.repeat(1_100_000);
      req.session.save((e) => (e ? next(e) : res.json({ ok: true })));
    });
    app.post('/logout', (req, res, next) => {
      req.session.destroy((e) => (e ? next(e) : res.json({ ok: true })));
    });
    app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => {
      if (res.headersSent) return;
      res.status(500).json({ code: err.code ?? null });
    });
    return { agent: await cell.serve(app), store };
  }

  const app = cell.fastify();
  const bag = (request: FastifyRequest) => request.session as unknown as Fields;
  await app.register(fastifyCookie);
  await app.register(memcachedSessionStore, storeOptions);
  await app.register(fastifySession, {
    secret: 'a secret that is at least 32 characters long',
    store: app.memcachedSessionStore,
    saveUninitialized: false,
    cookie: { secure: false, maxAge },
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
    await hooks.gate?.();
    bag(request).cart = [...(bag(request).cart ?? []), request.params.item];
    return { cart: bag(request).cart };
  });
  app.post('/big', async (request) => {
    bag(request).big = 'x'.repeat(1_100_000);
    await request.session.save();
    return { ok: true };
  });
  app.post('/logout', async (request) => {
    await request.session.destroy();
    return { ok: true };
  });
  app.setErrorHandler((err: Error & { code?: string }, _request, reply) => {
    void reply.status(500).send({ code: err.code ?? null });
  });
  const agent = await cell.serve(app);
  return { agent, store: app.memcachedSessionStore };
}

/**
 * A gate the first request to reach it waits at: `arrived` resolves when it got there, `open()`
 * lets it through. Later requests pass straight on.
 */
export function gate(): { wait: () => Promise<void>; arrived: Promise<void>; open: () => void } {
  let arrive!: () => void;
  let open!: () => void;
  const arrived = new Promise<void>((r) => {
    arrive = r;
  });
  const opened = new Promise<void>((r) => {
    open = r;
  });
  let first = true;
  return {
    wait: () => {
      if (!first) return Promise.resolve();
      first = false;
      arrive();
      return opened;
    },
    arrived,
    open,
  };
}
