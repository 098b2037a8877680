// @memkit/rate-limiter public API. Named exports only; src/internal/ is never re-exported.
export type { ExpressRateLimiterOptions, RateLimitMiddleware } from './express.js';
export { rateLimiter } from './express.js';
export type { FastifyRateLimitOptions, RouteRateLimitOptions } from './fastify.js';
export { rateLimit } from './fastify.js';
export { ipRateLimitKey } from './ip-key.js';
export type {
  MemcachedRateLimitStoreOptions,
  StoreHitInfo,
  StoreInitOptions,
} from './memcached-rate-limit-store.js';
export { MemcachedRateLimitStore } from './memcached-rate-limit-store.js';
export type {
  HttpRateLimitOptions,
  RateLimitAlgorithm,
  RateLimiterLogger,
  RateLimiterOptions,
  RateLimitResponseFormat,
  ResolvedHttpRateLimitOptions,
  ResolvedRateLimiterOptions,
  StandardHeadersVersion,
} from './options.js';
export {
  DEFAULT_RATE_LIMITER_OPTIONS,
  resolveHttpRateLimitOptions,
  resolveRateLimiterOptions,
} from './options.js';
export type { RateLimitResult } from './rate-limit-result.js';
export { RateLimiter } from './rate-limiter.js';
