// @memkit/session-store public API. Named exports only; src/internal/ is never re-exported.

export { SessionConflictError } from './errors.js';
export type { MemcachedSessionStorePluginOptions } from './fastify.js';
export { memcachedSessionStore } from './fastify.js';
export { MemcachedStore } from './memcached-store.js';
export type {
  MemcachedStoreOptions,
  ResolvedMemcachedStoreOptions,
  SessionCasOptions,
  SessionCookieLike,
  SessionLogger,
  SessionMergeFunction,
  SessionTtlFunction,
  StoredSession,
} from './options.js';
export { DEFAULT_MEMCACHED_STORE_OPTIONS, resolveMemcachedStoreOptions } from './options.js';
export type { ManagedSession } from './session-manager.js';
export { SessionManager } from './session-manager.js';
export type {
  ResolvedSessionManagerOptions,
  SessionManagerOptions,
} from './session-manager-options.js';
export {
  DEFAULT_SESSION_MANAGER_OPTIONS,
  resolveSessionManagerOptions,
} from './session-manager-options.js';
export type { SessionSerializer } from './session-serializer.js';
