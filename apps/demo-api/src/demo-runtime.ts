import { collectMetrics, type MetricsCollector } from '@memkit/core';
import type { DestinationStream, Logger } from 'pino';
import { Registry } from 'prom-client';
import { AdminAuth } from './admin-auth.js';
import { type Backend, startBackend } from './backend.js';
import { type DemoConfig, readDemoConfig } from './config.js';
import { createDemoLogger, FailureLog } from './demo-logger.js';
import { LoginGuard } from './login-guard.js';
import { StatsSampler } from './stats-sampler.js';
import { UsersDb } from './users-db.js';

/** Where a demo prints its banner, and where its JSON logs go; tests pass their own. */
export interface DemoStartOptions {
  /** Prints one banner line. @default a line on stdout */
  print?: (line: string) => void;
  /** Receives the JSON log lines. @default stdout */
  logDestination?: DestinationStream;
  /** The sampler's period. @default 1000 */
  sampleIntervalMs?: number;
}

/** Everything both demos run on besides the framework; the caller closes it. */
export interface DemoRuntime {
  config: DemoConfig;
  backend: Backend;
  registry: Registry;
  sampler: StatsSampler;
  db: UsersDb;
  admin: AdminAuth;
  loginGuard: LoginGuard;
  logger: Logger;
  failures: FailureLog;
  /** Stops the sampler, detaches the metrics, closes the limiters, the client and the server. */
  close(): Promise<void>;
}

/**
 * Reads the environment and starts what both demos share: the backend, metrics, the
 * dashboard's sampler, the admin token, the login limit and the logger.
 * @throws ConfigError on a bad variable, before anything is started.
 */
export async function createRuntime(
  env: Readonly<Record<string, string | undefined>>,
  options: DemoStartOptions = {},
): Promise<DemoRuntime> {
  const config = readDemoConfig(env);
  const logger = createDemoLogger({
    level: config.logLevel,
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const backend = await startBackend(
    { servers: config.servers, discovery: config.discovery },
    logger,
  );
  const registry = new Registry();
  let metrics: MetricsCollector | undefined;
  try {
    metrics = collectMetrics(backend.client, registry);
  } catch (err) {
    await backend.close();
    throw err;
  }
  // A function, so the dashboard follows the fleet when discovery changes it.
  const sampler = new StatsSampler(() => backend.servers, {
    registry,
    ...(options.sampleIntervalMs === undefined ? {} : { intervalMs: options.sampleIntervalMs }),
  });
  const loginGuard = new LoginGuard(backend.client, {
    limit: config.loginLimitMax,
    windowSeconds: config.loginLimitWindowSeconds,
    logger,
  });
  return {
    config,
    backend,
    registry,
    sampler,
    db: new UsersDb(config.dbLatencyMs),
    admin: new AdminAuth(config.adminToken),
    loginGuard,
    logger,
    failures: new FailureLog(logger),
    async close() {
      await sampler.stop();
      metrics?.close();
      await loginGuard.close();
      await backend.close();
    },
  };
}

/** The lines a demo prints first: where the cache is, the admin links, what to try. */
export function banner(name: string, url: string, runtime: DemoRuntime): string[] {
  const { backend, admin, config } = runtime;
  const where =
    backend.embedded !== undefined
      ? `no MEMCACHED_SERVERS set: started the in-process memcached on ${backend.embedded.address}`
      : backend.source === 'MEMCACHED_DISCOVERY'
        ? `using the memcached fleet found by MEMCACHED_DISCOVERY=${config.discoverySource}: ${backend.servers.join(', ') || 'none yet'}`
        : `using memcached at ${backend.servers.join(', ')} (MEMCACHED_SERVERS)`;
  // A chosen token is not echoed into logs; a generated one must be, or nobody could use it.
  const token = admin.generated ? admin.token : '$ADMIN_TOKEN';
  const lines = [`${name} listening on ${url}`, where];
  if (config.trustProxy !== undefined) {
    lines.push(`client IPs from X-Forwarded-For behind TRUST_PROXY=${String(config.trustProxy)}`);
  }
  if (config.sessionSecretIsDefault) {
    lines.push('SESSION_SECRET not set: using the demo secret (refused when NODE_ENV=production)');
  }
  lines.push(
    admin.generated
      ? 'admin token generated for this run (set ADMIN_TOKEN to choose one); the admin routes:'
      : 'admin routes (token from ADMIN_TOKEN):',
    `  open ${url}/dashboard?token=${token}`,
    `  curl -H 'Authorization: Bearer ${token}' ${url}/metrics`,
    `  curl -H 'Authorization: Bearer ${token}' ${url}/api/cache/stats`,
    'try:',
    `  curl ${url}/api/users/1`,
    `  curl -X POST ${url}/api/sessions -H 'content-type: application/json' -d '{"username":"admin","password":"password"}'`,
  );
  return lines;
}
