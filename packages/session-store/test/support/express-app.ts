import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { MemcachedStore } from '../../src/index.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
    cart?: string[];
  }
}

/** What a test app does at the barrier of POST /cart (undefined: no waiting). */
export interface ExpressAppHooks {
  cartBarrier?: () => Promise<void>;
}

/** A small Express app using the store the way the README says. */
export function expressApp(store: MemcachedStore, hooks: ExpressAppHooks = {}): express.Express {
  const app = express();
  // @types/express-session is typed against @types/express 5; the app runs Express 4 (see README).
  const middleware = session({
    store,
    secret: 'test secret',
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 3_600_000 },
  }) as unknown as express.RequestHandler;
  app.use(middleware);
  // Login as express-session's README does it: new id, then an explicit save before replying,
  // so a failed write is an error response rather than a 200 with a session that was not stored.
  app.post('/login/:user', (req, res, next) => {
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = req.params.user;
      req.session.cart = [];
      req.session.save((saveErr) => (saveErr ? next(saveErr) : res.json({ id: req.sessionID })));
    });
  });
  app.get('/me', (req, res) => {
    res.json({ user: req.session.user ?? null, cart: req.session.cart ?? null, id: req.sessionID });
  });
  app.post('/cart/:item', async (req, res, next) => {
    await hooks.cartBarrier?.();
    req.session.cart = [...(req.session.cart ?? []), req.params.item];
    const cart = req.session.cart;
    req.session.save((err) => (err ? next(err) : res.json({ cart })));
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  app.post('/regenerate', (req, res, next) => {
    const user = req.session.user;
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = user;
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
