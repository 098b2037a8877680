import {
  type Backend,
  banner,
  createRuntime,
  type DemoRuntime,
  type DemoStartOptions,
  listenError,
  type StatsSampler,
  type UsersDb,
} from '@memkit/demo-api';
import type { FastifyInstance } from 'fastify';
import { createFastifyApp } from './app.js';

/** A running Fastify demo. */
export interface RunningFastifyDemo {
  url: string;
  /** The admin token (generated unless `ADMIN_TOKEN` was set). */
  adminToken: string;
  app: FastifyInstance;
  backend: Backend;
  db: UsersDb;
  sampler: StatsSampler;
  runtime: DemoRuntime;
  /** Graceful shutdown: Fastify drains and closes, then the client and the embedded server. */
  close(): Promise<void>;
}

/**
 * Starts the Fastify demo from environment variables (the same as the Express demo's).
 * @throws ConfigError on a bad variable or a busy port, with nothing left running.
 */
export async function startFastifyDemo(
  env: Readonly<Record<string, string | undefined>>,
  options: DemoStartOptions = {},
): Promise<RunningFastifyDemo> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const runtime = await createRuntime(env, options);
  const { config, backend } = runtime;
  let app: FastifyInstance | undefined;
  try {
    app = await createFastifyApp({
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
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (err) {
      throw listenError(err, config.host, config.port);
    }
  } catch (err) {
    await app?.close();
    await runtime.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `http://127.0.0.1:${port}`;
  for (const line of banner('memkit demo-fastify (Fastify 5)', url, runtime)) print(line);
  let closing: Promise<void> | undefined;
  const running = app;
  return {
    url,
    adminToken: runtime.admin.token,
    app: running,
    backend,
    db: runtime.db,
    sampler: runtime.sampler,
    runtime,
    close() {
      closing ??= (async () => {
        await running.close();
        await runtime.close();
      })();
      return closing;
    },
  };
}
