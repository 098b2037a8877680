// @memkit/core/redis: the Redis backend. ioredis is an optional peer dependency; nothing here
// loads it, the caller passes its own instance.

export type { RedisLike } from './redis-backend.js';
export { RedisBackend } from './redis-backend.js';
export type { RedisBackendOptions, ResolvedRedisBackendOptions } from './redis-backend-options.js';
export {
  DEFAULT_REDIS_BACKEND_OPTIONS,
  resolveRedisBackendOptions,
} from './redis-backend-options.js';
