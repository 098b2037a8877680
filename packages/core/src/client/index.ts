// The client's public surface; everything else in client/ is internal.

export type { CacheAsideOptions, CachedOptions, Loader, ManyLoader } from './cache-aside.js';
export type {
  ClientEvents,
  FailureEvent,
  ReconnectEvent,
  ReconnectingEvent,
  RemoveEvent,
  TopologyEvent,
} from './client-events.js';
export type { CompressionOptions, Serializer, SerializerName } from './codec.js';
export type {
  CasResult,
  IncrOptions,
  ServerStats,
  SetOptions,
} from './memcached-client.js';
export { MemcachedClient } from './memcached-client.js';
export type { MetaFlags, MetaResult, MetaStatus } from './meta.js';
export { Namespace } from './namespace.js';
export type {
  ClientCredentials,
  ClientOptions,
  DiscoveryOptions,
  DnsDiscovery,
  ElastiCacheDiscovery,
  MemcachedLogger,
  ResolvedClientOptions,
  ResolvedDiscovery,
} from './options.js';
export { DEFAULT_CLIENT_OPTIONS, resolveClientOptions } from './options.js';
export type { ServerAddress, ServerList, ServerSpec } from './server-list.js';
export { parseServerList } from './server-list.js';
