// @memkit/response-cache public API. Named exports only; src/internal/ is never re-exported.

export type {
  CacheDecision,
  CacheRoute,
  ForwardDecision,
  ForwardResult,
  ReplayRequest,
  ResponseCacheStats,
  Revalidation,
} from './cache-decision.js';
export { REVALIDATE_HEADER } from './cache-decision.js';
export { keyTarget } from './cache-key.js';
export type { Directives, RequestMode, StoreDecision } from './cache-policy.js';
export { decideStore, parseCacheControl, personalised, requestMode } from './cache-policy.js';
export type { ForwardReason, XCache } from './cache-status.js';
export { CACHE_NAME } from './cache-status.js';
export { ifNoneMatchMatches, strongEtag } from './etag.js';
export type { CacheResponseMiddleware, CacheResponseOptions } from './express.js';
export { cacheResponse } from './express.js';
export type { MemcachedCacheOptions } from './fastify.js';
export { memcachedCache } from './fastify.js';
export type {
  CacheRequest,
  CacheResponse,
  HeaderValue,
  IncomingHeaders,
  OriginResponse,
} from './http-types.js';
export type {
  KeyFunction,
  ResolvedResponseCacheOptions,
  ResponseCacheLogger,
  ResponseCacheOptions,
  RouteCacheOptions,
  TagsOption,
} from './options.js';
export {
  DEFAULT_RESPONSE_CACHE_OPTIONS,
  resolveResponseCacheOptions,
  resolveRouteCacheOptions,
} from './options.js';
export { ResponseCache } from './response-cache.js';
