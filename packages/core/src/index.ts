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
export type {
  BackendChoice,
  ResolveBackendOptions,
  ResolvedBackend,
} from './backend/resolve-backend.js';
export { checkBackendChoice, resolveBackend } from './backend/resolve-backend.js';
// --- tracing: the client's diagnostics channels (OpenTelemetry is the subpath @memkit/core/otel) ---
export type { CommandEvent, SpanAnnotation } from './client/command-channel.js';
export {
  ANNOTATE_CHANNEL,
  annotateActiveSpan,
  COMMAND_CHANNEL,
  commandChannel,
} from './client/command-channel.js';
// --- client ---
export type {
  CacheAsideOptions,
  CachedOptions,
  CasResult,
  ClientCredentials,
  ClientEvents,
  ClientOptions,
  CompressionOptions,
  DiscoveryOptions,
  DnsDiscovery,
  ElastiCacheDiscovery,
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
  ResolvedDiscovery,
  Serializer,
  SerializerName,
  ServerAddress,
  ServerList,
  ServerSpec,
  ServerStats,
  SetOptions,
  TopologyEvent,
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
  MemcachedAuthError,
  MemcachedClientError,
  MemcachedConnectionError,
  MemcachedError,
  MemcachedInvalidKeyError,
  MemcachedInvalidOptionError,
  MemcachedProtocolError,
  MemcachedSerializationError,
  MemcachedServerError,
  MemcachedTimeoutError,
  MemcachedValueTooLargeError,
} from './errors.js';
// --- exptime: memcached's 30-day rule, applied to every TTL memkit sends ---
export { MAX_RELATIVE_TTL_SECONDS, toExptime } from './exptime.js';
// --- logging ---
export type { Logger } from './logger.js';
// --- metrics (prom-client is an optional peer dependency, loaded by collectMetrics) ---
export type { MetricsCollector, MetricsRegistry, ServerSummary } from './metrics/index.js';
export { collectMetrics, summarizeServerStats, summarizeStats } from './metrics/index.js';
export { fastifyPluginOptions } from './options/fastify-plugin-options.js';
// --- option checks shared by every package ---
export type { IntegerBounds, StringConstraints } from './options/option-checks.js';
export {
  booleanOption,
  checkOptionKeys,
  describeOptionValue,
  enumOption,
  functionOption,
  integerOption,
  invalidOption,
  keyPrefixOption,
  loggerOption,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  stringOption,
} from './options/option-checks.js';
// --- server (in-process memcached) ---
export type {
  BindingProtocol,
  MemcachedServer,
  ServerBufferStats,
  ServerCredentials,
  ServerLogger,
  ServerOptions,
  ServerStatsSnapshot,
} from './server/index.js';
export { parseAuthFile, startServer } from './server/index.js';
