import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import type { Backend } from './backend.js';
import { banner, createRuntime, type DemoRuntime, type DemoStartOptions } from './demo-runtime.js';
import { listenError } from './start-error.js';
import type { StatsSampler } from './stats-sampler.js';
import type { UsersDb } from './users-db.js';

/** A running demo. */
export interface RunningDemo {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** The admin token (generated unless `ADMIN_TOKEN` was set). */
  adminToken: string;
  backend: Backend;
  db: UsersDb;
  /** Feeds `/dashboard`; tests may take a point with `sample()`. */
  sampler: StatsSampler;
  runtime: DemoRuntime;
  /**
   * Graceful shutdown: stop accepting, let in-flight requests finish (idle keep-alive
   * connections are closed at once), close the client, stop the embedded server.
   */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: unknown) => reject(listenError(err, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Starts the Express demo from environment variables (`PORT`, `MEMCACHED_SERVERS`,
 * `ADMIN_TOKEN`, ...; see the README).
 * @throws ConfigError on a bad variable or a busy port, with nothing left running.
 */
export async function startDemo(
  env: Readonly<Record<string, string | undefined>>,
  options: DemoStartOptions = {},
): Promise<RunningDemo> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const runtime = await createRuntime(env, options);
  const { config, backend } = runtime;
  const { app, sessions } = createApp({
    client: backend.client,
    db: runtime.db,
    registry: runtime.registry,
    sampler: runtime.sampler,
    rateLimitMax: config.rateLimitMax,
    rateLimitWindowSeconds: config.rateLimitWindowSeconds,
    sessionSecret: config.sessionSecret,
    admin: runtime.admin,
    loginGuard: runtime.loginGuard,
    logger: runtime.logger,
    failures: runtime.failures,
    trustProxy: config.trustProxy,
  });
  const server = createServer(app);
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    await sessions.close();
    await runtime.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  for (const line of banner('memkit demo-api (Express)', url, runtime)) print(line);
  let closing: Promise<void> | undefined;
  return {
    url,
    adminToken: runtime.admin.token,
    backend,
    db: runtime.db,
    sampler: runtime.sampler,
    runtime,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await sessions.close();
        await runtime.close();
      })();
      return closing;
    },
  };
}
