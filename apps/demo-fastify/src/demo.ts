import { collectMetrics } from '@memkit/core';
import {
  type Backend,
  banner,
  type DemoLog,
  readDemoConfig,
  StatsSampler,
  startBackend,
  UsersDb,
} from '@memkit/demo-api';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createFastifyApp } from './app.js';

/** A running Fastify demo. */
export interface RunningFastifyDemo {
  url: string;
  app: FastifyInstance;
  backend: Backend;
  db: UsersDb;
  /** Graceful shutdown: Fastify drains and closes, then the client and the embedded server. */
  close(): Promise<void>;
}

/** Starts the Fastify demo from environment variables (`PORT`, `MEMCACHED_SERVERS`, ...). */
export async function startFastifyDemo(
  env: Readonly<Record<string, string | undefined>>,
  log: DemoLog = (line) => process.stdout.write(`${line}\n`),
): Promise<RunningFastifyDemo> {
  const config = readDemoConfig(env);
  const backend = await startBackend(env);
  const registry = new Registry();
  const metrics = collectMetrics(backend.client, registry);
  const sampler = new StatsSampler(backend.client, backend.servers);
  const db = new UsersDb(config.dbLatencyMs);
  const app = await createFastifyApp({
    client: backend.client,
    db,
    registry,
    sampler,
    rateLimitMax: config.rateLimitMax,
    rateLimitWindowSeconds: config.rateLimitWindowSeconds,
    sessionSecret: config.sessionSecret,
  });
  await app.listen({ port: config.port, host: env.HOST ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;
  for (const line of banner('memkit demo-fastify (Fastify 5)', url, backend)) log(line);
  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    backend,
    db,
    close() {
      closing ??= (async () => {
        await app.close();
        await sampler.stop();
        metrics.close();
        await backend.close();
      })();
      return closing;
    },
  };
}
