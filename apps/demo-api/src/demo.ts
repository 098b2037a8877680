import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectMetrics } from '@memkit/core';
import { Registry } from 'prom-client';
import { createApp } from './app.js';
import { type Backend, startBackend } from './backend.js';
import { readDemoConfig } from './config.js';
import { StatsSampler } from './stats-sampler.js';
import { UsersDb } from './users-db.js';

/** A running demo. */
export interface RunningDemo {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  backend: Backend;
  db: UsersDb;
  /** Feeds `/dashboard`; tests may take a point with `sample()`. */
  sampler: StatsSampler;
  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (idle keep-alive
   * connections are closed at once), close the client, stop the embedded server.
   */
  close(): Promise<void>;
}

/** Where the demo prints its banner; defaults to stdout. */
export type DemoLog = (line: string) => void;

/** The lines the demo prints first: where the cache is and what to try. */
export function banner(name: string, url: string, backend: Backend): string[] {
  const where =
    backend.embedded === undefined
      ? `using memcached at ${backend.servers.join(', ')} (MEMCACHED_SERVERS)`
      : `no MEMCACHED_SERVERS set: started the in-process memcached on ${backend.embedded.address}`;
  return [
    `${name} listening on ${url}`,
    where,
    'try:',
    `  curl ${url}/api/users/1`,
    `  curl -X POST ${url}/api/sessions -H 'content-type: application/json' -d '{"username":"admin","password":"password"}'`,
    `  curl ${url}/api/cache/stats`,
    `  curl ${url}/metrics`,
    `  open ${url}/dashboard`,
  ];
}

/** Starts the Express demo from environment variables (`PORT`, `MEMCACHED_SERVERS`, ...). */
export async function startDemo(
  env: Readonly<Record<string, string | undefined>>,
  log: DemoLog = (line) => process.stdout.write(`${line}\n`),
): Promise<RunningDemo> {
  const config = readDemoConfig(env);
  const backend = await startBackend(env);
  const registry = new Registry();
  const metrics = collectMetrics(backend.client, registry);
  const sampler = new StatsSampler(backend.client, backend.servers);
  const db = new UsersDb(config.dbLatencyMs);
  const { app, sessions } = createApp({
    client: backend.client,
    db,
    registry,
    sampler,
    rateLimitMax: config.rateLimitMax,
    rateLimitWindowSeconds: config.rateLimitWindowSeconds,
    sessionSecret: config.sessionSecret,
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, env.HOST ?? '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  for (const line of banner('memkit demo-api (Express)', url, backend)) log(line);
  let closing: Promise<void> | undefined;
  return {
    url,
    backend,
    db,
    sampler,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await sampler.stop();
        metrics.close();
        await sessions.close();
        await backend.close();
      })();
      return closing;
    },
  };
}
