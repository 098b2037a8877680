// Public surface of the in-process server.
export type { ServerLogger, ServerOptions, ServerProtocol } from './options.js';
export type {
  MemcachedServer,
  ServerBufferStats,
  ServerStatsSnapshot,
} from './server.js';
export { startServer } from './server.js';
