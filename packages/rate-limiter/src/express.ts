import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpRateLimitPolicy } from './internal/http-policy.js';
import type { HttpRateLimitOptions } from './options.js';
import type { RateLimiter } from './rate-limiter.js';

/** Options of the Express middleware: the engine's plus the HTTP ones, typed for Express. */
export type ExpressRateLimiterOptions = HttpRateLimitOptions<Request>;

/** The middleware, with its engine (`reset`, `get`) and `close()` for clients it created. */
export interface RateLimitMiddleware extends RequestHandler {
  /** The engine counting for this middleware. */
  readonly limiter: RateLimiter;
  /** Closes the client if the middleware created it from `servers`. */
  close(): Promise<void>;
}

/**
 * Express middleware limiting each client to `limit` requests per `windowSeconds`.
 *
 * @example
 * app.use(rateLimiter(100, 3600));
 * app.use('/login', rateLimiter(5, 60, { keyPrefix: 'login:', client }));
 * app.use('/api/', rateLimiter({ limit: 100, windowSeconds: 3600, algorithm: 'gcra' }));
 * @throws MemcachedInvalidOptionError on an unknown or invalid option.
 */
export function rateLimiter(
  limit: number,
  windowSeconds: number,
  options?: Omit<ExpressRateLimiterOptions, 'limit' | 'windowSeconds'>,
): RateLimitMiddleware;
export function rateLimiter(options: ExpressRateLimiterOptions): RateLimitMiddleware;
export function rateLimiter(
  limitOrOptions: number | ExpressRateLimiterOptions,
  windowSeconds?: number,
  rest?: Omit<ExpressRateLimiterOptions, 'limit' | 'windowSeconds'>,
): RateLimitMiddleware {
  const options: ExpressRateLimiterOptions =
    typeof limitOrOptions === 'number'
      ? { ...rest, limit: limitOrOptions, windowSeconds: windowSeconds as number }
      : limitOrOptions;
  const policy = new HttpRateLimitPolicy<Request>(options);

  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    policy
      .decide(req, {
        ip: req.ip,
        forwardedFor: req.headers['x-forwarded-for'] !== undefined,
        trustProxy: Boolean(req.app.get('trust proxy')),
        permissiveTrustProxy: req.app.get('trust proxy') === true,
      })
      .then((decision) => {
        if (decision.action === 'skip') return next();
        if (decision.action === 'reject') {
          for (const [name, value] of decision.headers) res.setHeader(name, value);
          res.status(decision.status).type(decision.contentType).send(decision.body);
          return;
        }
        for (const [name, value] of decision.headers) res.setHeader(name, value);
        if (policy.refunds) {
          const { charge } = decision;
          // 'close' follows both a completed response and a dropped connection.
          res.once('close', () => {
            policy.settle(charge, res.statusCode, res.writableFinished).catch((error: unknown) => {
              policy.logger?.warn({ err: error }, 'rate limiter: refund failed');
            });
          });
        }
        next();
      }, next);
  };
  return Object.assign(middleware, {
    limiter: policy.limiter,
    close: () => policy.limiter.close(),
  });
}
