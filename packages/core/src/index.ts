// @memkit/core public API. Named exports only; src/internal/ is never re-exported.

export type {
  BackendCapabilities,
  BackendCounter,
  BackendIncrementOptions,
  BackendItem,
  BackendRecacheItem,
  BackendRecacheOptions,
  BackendSetOptions,
  BackendWriteResult,
  BackendWriteStatus,
  CacheBackend,
} from './backend/cache-backend.js';
// --- backends (the Redis one is the subpath @memkit/core/redis) ---
export { MemcachedBackend } from './backend/memcached-backend.js';
export type { BackendChoice, ResolvedBackend } from './backend/resolve-backend.js';
export { resolveBackend } from './backend/resolve-backend.js';
// --- client ---
export type {
  CacheAsideOptions,
  CachedOptions,
  CasResult,
  ClientEvents,
  ClientOptions,
  CompressionOptions,
  FailureEvent,
  IncrOptions,
  Loader,
  ManyLoader,
  MemcachedLogger,
  MetaFlags,
  MetaResult,
  MetaStatus,
  ReconnectEvent,
  ReconnectingEvent,
  RemoveEvent,
  ResolvedClientOptions,
  Serializer,
  SerializerName,
  ServerAddress,
  ServerList,
  ServerSpec,
  ServerStats,
  SetOptions,
} from './client/index.js';
export {
  DEFAULT_CLIENT_OPTIONS,
  MemcachedClient,
  Namespace,
  parseServerList,
  resolveClientOptions,
} from './client/index.js';
export type { MemcachedErrorCode, MemcachedErrorOptions } from './errors.js';
// --- errors ---
export {
  MemcachedClientError,
  MemcachedConnectionError,
  MemcachedError,
  MemcachedInvalidKeyError,
  MemcachedProtocolError,
  MemcachedSerializationError,
  MemcachedServerError,
  MemcachedTimeoutError,
  MemcachedValueTooLargeError,
} from './errors.js';
// --- metrics (prom-client is an optional peer dependency, loaded by collectMetrics) ---
export type { MetricsCollector, MetricsRegistry, ServerSummary } from './metrics/index.js';
export { collectMetrics, summarizeServerStats, summarizeStats } from './metrics/index.js';
// --- server (in-process memcached) ---
export type {
  MemcachedServer,
  ServerBufferStats,
  ServerLogger,
  ServerOptions,
  ServerStatsSnapshot,
} from './server/index.js';
export { startServer } from './server/index.js';
