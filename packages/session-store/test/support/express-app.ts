import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { MemcachedStore } from '../../src/index.js';

/** The test app's session fields. A cast instead of augmenting SessionData, which is global to the repo's type-check. */
interface Fields {
  user?: string;
  cart?: string[];
}

function bag(req: Request): Fields {
  return req.session as unknown as Fields;
}

/** What a test app does at the barrier of POST /cart (undefined: no waiting). */
export interface ExpressAppHooks {
  cartBarrier?: () => Promise<void>;
  /** express-session's `resave` (the README recommends false). */
  resave?: boolean;
}

/** A small Express app using the store the way the README says. */
export function expressApp(store: MemcachedStore, hooks: ExpressAppHooks = {}): express.Express {
  const app = express();
  // @types/express-session is typed against @types/express 5; the app runs Express 4 (see README).
  const middleware = session({
    store,
    secret: 'test secret',
    resave: hooks.resave ?? false,
    saveUninitialized: false,
    cookie: { maxAge: 3_600_000 },
  }) as unknown as express.RequestHandler;
  app.use(middleware);
  // Login as express-session's README does it: new id, then an explicit save before replying,
  // so a failed write is an error response rather than a 200 with a session that was not stored.
  app.post('/login/:user', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      bag(req).user = req.params.user;
      bag(req).cart = [];
      req.session.save((saveErr) => (saveErr ? next(saveErr) : res.json({ id: req.sessionID })));
    });
  });
  app.get('/me', (req, res) => {
    res.json({ user: bag(req).user ?? null, cart: bag(req).cart ?? null, id: req.sessionID });
  });
  app.post('/cart/:item', async (req, res, next) => {
    await hooks.cartBarrier?.();
    bag(req).cart = [...(bag(req).cart ?? []), req.params.item];
    const cart = bag(req).cart;
    req.session.save((err) => (err ? next(err) : res.json({ cart })));
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.post('/regenerate', (req, res, next) => {
    const user = bag(req).user;
    req.session.regenerate((err) => {
      if (err) return next(err);
      bag(req).user = user;
      res.json({ id: req.sessionID });
    });
  });
  app.use((err: Error & { code?: string }, _req: Request, res: Response, _next: NextFunction) => {
    // express-session reports a failed end-of-request save through next() after replying.
    if (res.headersSent) return;
    res.status(500).json({ code: err.code ?? null, message: err.message });
  });
  return app;
}
