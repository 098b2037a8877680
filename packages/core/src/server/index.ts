// Public surface of the in-process server.
export type { ServerCredentials } from './auth/credentials.js';
export { parseAuthFile } from './auth/credentials.js';
export type { BindingProtocol, ServerLogger, ServerOptions } from './options.js';
export type {
  MemcachedServer,
  ServerBufferStats,
  ServerStatsSnapshot,
} from './server.js';
export { startServer } from './server.js';
