// @memkit/session-store/express: the express-session store. (The same object is a valid
// `store` for @fastify/session; `@memkit/session-store/fastify` registers it as a plugin.)
export { MemcachedStore } from './memcached-store.js';
export type { MemcachedStoreOptions } from './options.js';
