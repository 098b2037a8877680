// Pieces of the Express demo that the Fastify demo shares.
export type { DemoAppOptions } from './app.js';
export { createApp } from './app.js';
export type { Backend } from './backend.js';
export { startBackend } from './backend.js';
export type { CacheStatsReport } from './cache-stats.js';
export { cacheStatsReport } from './cache-stats.js';
export type { DemoConfig } from './config.js';
export { readDemoConfig } from './config.js';
export { DASHBOARD_HTML } from './dashboard-html.js';
export type { DemoLog, RunningDemo } from './demo.js';
export { banner, startDemo } from './demo.js';
export type { StatsSample } from './stats-sampler.js';
export { StatsSampler } from './stats-sampler.js';
export type { User } from './users-db.js';
export { UsersDb } from './users-db.js';
