import { parseServerList } from '@memkit/core';
import { ConfigError } from './config-error.js';

/** What the demo reads from its environment. */
export interface DemoConfig {
  /** `PORT` (0 picks a free port). @default 3000 */
  port: number;
  /** `HOST`, the listen address. @default '127.0.0.1' */
  host: string;
  /** `MEMCACHED_SERVERS`, validated; `undefined` starts the in-process memcached. @default undefined */
  servers: string[] | undefined;
  /** `RATE_LIMIT_MAX`: requests per window per IP on `/api/`. @default 100 */
  rateLimitMax: number;
  /** `RATE_LIMIT_WINDOW_SECONDS`. @default 3600 */
  rateLimitWindowSeconds: number;
  /** `LOGIN_LIMIT_MAX`: login attempts per window per IP and per username. @default 10 */
  loginLimitMax: number;
  /** `LOGIN_LIMIT_WINDOW_SECONDS`. @default 900 (15 minutes) */
  loginLimitWindowSeconds: number;
  /** `SESSION_SECRET`, signing the login cookie; required when `NODE_ENV=production`. @default a fixed demo secret */
  sessionSecret: string;
  /** Whether `SESSION_SECRET` was left unset (the banner says so). */
  sessionSecretIsDefault: boolean;
  /** `ADMIN_TOKEN`, guarding the admin routes; `undefined` makes the demo generate one. @default undefined */
  adminToken: string | undefined;
  /** `DEMO_DB_LATENCY_MS`: how slow the simulated database is. @default 100 */
  dbLatencyMs: number;
  /** `LOG_LEVEL` of the JSON logs. @default 'info' */
  logLevel: string;
}

/** Used only outside production, and said so at start. */
const DEMO_SECRET = 'memkit-demo-secret-change-me-in-production';
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max?: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || (max !== undefined && n > max)) {
    const range = max === undefined ? `an integer >= ${min}` : `an integer ${min}-${max}`;
    throw new ConfigError(`${name}=${raw} is not valid: expected ${range}`);
  }
  return n;
}

function servers(env: Env): string[] | undefined {
  const raw = env.MEMCACHED_SERVERS?.trim();
  if (!raw) return undefined;
  try {
    return parseServerList(raw, {}).map((s) => s.id);
  } catch {
    throw new ConfigError(
      `MEMCACHED_SERVERS=${raw} is not valid: expected comma-separated host:port entries with ports 1-65535, e.g. 10.0.0.1:11211,10.0.0.2:11211`,
    );
  }
}

/**
 * Reads and checks every variable the demo takes (`PORT`, `HOST`, `MEMCACHED_SERVERS`,
 * `RATE_LIMIT_*`, `LOGIN_LIMIT_*`, `SESSION_SECRET`, `ADMIN_TOKEN`, `NODE_ENV`,
 * `DEMO_DB_LATENCY_MS`, `LOG_LEVEL`).
 * @throws ConfigError naming the variable and what it must be.
 */
export function readDemoConfig(env: Env): DemoConfig {
  const production = env.NODE_ENV === 'production';
  const secret = env.SESSION_SECRET;
  if (secret === undefined || secret === '') {
    if (production) {
      throw new ConfigError(
        'SESSION_SECRET is not set: NODE_ENV=production refuses the demo secret; set SESSION_SECRET to 32+ random characters',
      );
    }
  } else if (secret.length < 32) {
    // @fastify/session's rule, applied to both demos so they accept the same secrets.
    throw new ConfigError(
      `SESSION_SECRET is too short (${secret.length} characters): use at least 32 random characters`,
    );
  }
  const adminToken = env.ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < 16) {
    throw new ConfigError(
      `ADMIN_TOKEN is too short (${adminToken.length} characters): use at least 16 random characters, or unset it to get a generated one`,
    );
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL=${logLevel} is not valid: expected one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    servers: servers(env),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 100, 1),
    rateLimitWindowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 3600, 1),
    loginLimitMax: integer(env, 'LOGIN_LIMIT_MAX', 10, 1),
    loginLimitWindowSeconds: integer(env, 'LOGIN_LIMIT_WINDOW_SECONDS', 900, 1),
    sessionSecret: secret || DEMO_SECRET,
    sessionSecretIsDefault: !secret,
    adminToken: adminToken || undefined,
    dbLatencyMs: integer(env, 'DEMO_DB_LATENCY_MS', 100, 0),
    logLevel,
  };
}
