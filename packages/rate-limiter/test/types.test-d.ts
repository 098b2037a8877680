// Type tests, checked by `pnpm typecheck` (tsc includes test/): the public signatures and the
// Fastify declaration merging.
import Fastify from 'fastify';
import { expectTypeOf } from 'vitest';
import {
  RateLimiter,
  type RateLimitMiddleware,
  type RateLimitResult,
  rateLimit,
  rateLimiter,
} from '../src/index.js';

expectTypeOf(rateLimiter(100, 3600)).toEqualTypeOf<RateLimitMiddleware>();
expectTypeOf(
  rateLimiter({ limit: 100, windowSeconds: 3600, algorithm: 'gcra' }),
).toEqualTypeOf<RateLimitMiddleware>();
expectTypeOf(rateLimiter(100, 3600, { keyPrefix: 'login:' })).toEqualTypeOf<RateLimitMiddleware>();
// @ts-expect-error: limit and windowSeconds are positional here, not options too.
rateLimiter(100, 3600, { limit: 5 });
// @ts-expect-error: an unknown algorithm.
rateLimiter({ limit: 1, windowSeconds: 1, algorithm: 'leaky' });

const limiter = new RateLimiter({ limit: 1, windowSeconds: 1 });
expectTypeOf(limiter.consume('k')).resolves.toEqualTypeOf<RateLimitResult>();
expectTypeOf(limiter.get('k')).resolves.toEqualTypeOf<RateLimitResult>();
expectTypeOf(limiter.reset('k')).resolves.toBeVoid();

const app = Fastify();
void app.register(rateLimit, { limit: 100, windowSeconds: 60 });
expectTypeOf(app.rateLimiter).toEqualTypeOf<RateLimiter>();
app.get('/a', { config: { rateLimit: { limit: 5, windowSeconds: 10 } } }, async () => 'a');
app.get('/b', { config: { rateLimit: false } }, async () => 'b');
// @ts-expect-error: per-route options are checked too.
app.get('/c', { config: { rateLimit: { limit: 'many' } } }, async () => 'c');

// The Redis backend in place of a client; not both.
declare const backend: import('@memkit/core').CacheBackend;
expectTypeOf(
  rateLimiter({ limit: 100, windowSeconds: 3600, backend }),
).toEqualTypeOf<RateLimitMiddleware>();
