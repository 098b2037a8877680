import { isIP } from 'node:net';
import { type DiscoveryOptions, parseServerList, resolveClientOptions } from '@memkit/core';
import { ConfigError } from './config-error.js';

/** What the demo reads from its environment. */
export interface DemoConfig {
  /** `PORT` (0 picks a free port). @default 3000 */
  port: number;
  /** `HOST`, the listen address. @default '127.0.0.1' */
  host: string;
  /**
   * `MEMCACHED_SERVERS`, validated; with neither it nor `MEMCACHED_DISCOVERY` the demo starts
   * the in-process memcached. @default undefined
   */
  servers: string[] | undefined;
  /**
   * `MEMCACHED_DISCOVERY` (`dns:<name>[:port]`, `srv:<name>` or `elasticache:<host>:<port>`)
   * with `MEMCACHED_DISCOVERY_INTERVAL_SECONDS`: the client follows the fleet it finds there
   * (`MEMCACHED_SERVERS`, if also set, serves until the first answer). @default undefined
   */
  discovery: DiscoveryOptions | undefined;
  /** `MEMCACHED_DISCOVERY` as given, for the banner. */
  discoverySource: string | undefined;
  /**
   * `TRUST_PROXY`: which proxies' `X-Forwarded-For` names the client, as a hop count (`1`: the
   * one ingress in front) or a list of proxy addresses and subnets (`10.0.0.0/8,loopback`);
   * passed to Express `trust proxy` and Fastify `trustProxy`. `undefined` ignores the header.
   * @default undefined
   */
  trustProxy: number | string[] | undefined;
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

const DISCOVERY_FORMS =
  'expected dns:<name>[:port] (A/AAAA records, e.g. dns:memcached-headless.default.svc.cluster.local:11211), srv:<name> (SRV records) or elasticache:<host>:<port> (a configuration endpoint)';
// A DNS name (underscores allowed, as SRV names use them); no scheme, path or spaces.
const DNS_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?$/;

function discovery(env: Env): DiscoveryOptions | undefined {
  const raw = env.MEMCACHED_DISCOVERY?.trim();
  if (!raw) return undefined;
  const bad = (why: string) =>
    new ConfigError(`MEMCACHED_DISCOVERY=${raw} is not valid: ${why}; ${DISCOVERY_FORMS}`);
  const colon = raw.indexOf(':');
  if (colon < 0) throw bad('no "dns:", "srv:" or "elasticache:" in front');
  const kind = raw.slice(0, colon);
  const target = raw.slice(colon + 1);
  if (target === '') throw bad(`nothing after "${kind}:"`);
  const intervalMs = integer(env, 'MEMCACHED_DISCOVERY_INTERVAL_SECONDS', 60, 1, 86_400) * 1000;
  let options: DiscoveryOptions;
  if (kind === 'elasticache') {
    let parsed: ReturnType<typeof parseServerList>;
    try {
      parsed = parseServerList(target, {});
    } catch {
      throw bad('the endpoint must be one host:port with a port 1-65535');
    }
    if (parsed.length !== 1 || !/:\d+$/.test(target)) {
      throw bad('the endpoint must be one host:port with a port 1-65535');
    }
    options = { elasticache: target, intervalMs };
  } else if (kind === 'dns' || kind === 'srv') {
    const m = /^([^:]+)(?::(\d+))?$/.exec(target);
    if (m === null || !DNS_NAME.test(m[1]!)) throw bad(`"${target}" is not a DNS name`);
    const name = m[1]!.replace(/\.$/, '');
    if (kind === 'srv') {
      if (m[2] !== undefined) throw bad('SRV records carry their own ports: give no port');
      options = { dns: name, srv: true, intervalMs };
    } else {
      const port = m[2] === undefined ? 11211 : Number(m[2]);
      if (port < 1 || port > 65535) throw bad(`port ${m[2]} is not 1-65535`);
      options = { dns: name, port, intervalMs };
    }
  } else {
    throw bad(`unknown kind "${kind}"`);
  }
  // The client's own check, so nothing the demo accepts is refused when the client starts.
  try {
    resolveClientOptions({ discovery: options });
  } catch (err) {
    throw bad((err as Error).message);
  }
  return options;
}

// proxy-addr's names (Express and Fastify both resolve `trust proxy` with it).
const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function proxyEntry(entry: string): boolean {
  if (PROXY_NAMES.includes(entry)) return true;
  const [ip, bits, ...rest] = entry.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

function trustProxy(env: Env): number | string[] | undefined {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw || raw === 'false' || raw === '0') return undefined;
  if (raw === 'true') {
    // What the rate limiter warns about (ERR_RATE_LIMIT_PERMISSIVE_TRUST_PROXY), refused here.
    throw new ConfigError(
      'TRUST_PROXY=true is refused: it trusts every X-Forwarded-For hop, so any client could pick its own IP and dodge the per-IP limits; set the number of proxies in front (e.g. TRUST_PROXY=1) or their addresses (e.g. TRUST_PROXY=10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 100) {
      throw new ConfigError(`TRUST_PROXY=${raw} is not valid: expected a hop count 0-100`);
    }
    return hops;
  }
  const entries = raw.split(',').map((e) => e.trim());
  const bad = entries.find((e) => !proxyEntry(e));
  if (bad !== undefined) {
    throw new ConfigError(
      `TRUST_PROXY=${raw} is not valid: "${bad}" is not an address, a subnet (ip/bits) or one of ${PROXY_NAMES.join(', ')}; expected a hop count (e.g. 1) or a comma-separated list of those`,
    );
  }
  return entries;
}

/**
 * Reads and checks every variable the demo takes (`PORT`, `HOST`, `MEMCACHED_SERVERS`,
 * `MEMCACHED_DISCOVERY`, `MEMCACHED_DISCOVERY_INTERVAL_SECONDS`, `TRUST_PROXY`,
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
    discovery: discovery(env),
    discoverySource: env.MEMCACHED_DISCOVERY?.trim() || undefined,
    trustProxy: trustProxy(env),
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
