// The Fastify demo, for tests and embedding.
export type { FastifyDemoOptions } from './app.js';
export { createFastifyApp } from './app.js';
export type { RunningFastifyDemo } from './demo.js';
export { startFastifyDemo } from './demo.js';
