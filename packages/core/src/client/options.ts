import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../logger.js';
import type { CompressionOptions, Serializer, SerializerName } from './codec.js';
import type { ServerList } from './server-list.js';

/** The client's logger: core's one {@link Logger} type, under the name it had first. */
export type MemcachedLogger = Logger;

/** Auto-discovery from an ElastiCache configuration endpoint (`config get cluster`). */
export interface ElastiCacheDiscovery {
  /** The configuration endpoint, `"host:port"`. */
  elasticache: string;
  /** How often to ask again. @default 60000 */
  intervalMs?: number;
}

/** Auto-discovery from DNS: a Kubernetes headless Service, or any name listing the fleet. */
export interface DnsDiscovery {
  /** The name to resolve, e.g. `memcached-headless.default.svc.cluster.local`. */
  dns: string;
  /** Port of every A/AAAA address (SRV records carry their own). @default 11211 */
  port?: number;
  /** Resolve SRV records (host names and ports) instead of A/AAAA. @default false */
  srv?: boolean;
  /** DNS servers to ask (`"ip"` or `"ip:port"`) instead of the system's. @default the system's */
  dnsServers?: readonly string[];
  /** How often to resolve again. @default 60000 */
  intervalMs?: number;
}

/** Where the client finds its servers when they change at run time. */
export type DiscoveryOptions = ElastiCacheDiscovery | DnsDiscovery;

/** {@link DiscoveryOptions} after defaults and validation. */
export interface ResolvedDiscovery {
  readonly elasticache: string | undefined;
  readonly dns: string | undefined;
  readonly port: number;
  readonly srv: boolean;
  readonly dnsServers: readonly string[] | undefined;
  readonly intervalMs: number;
}

/** Options of {@link MemcachedClient}. Durations carry their unit; TTLs are seconds. */
export interface ClientOptions {
  /** Connections per server; requests are pipelined on each. @default 1 */
  poolSize?: number;
  /** Per-request deadline, measured from the call; no other traffic extends it. @default 500 */
  timeoutMs?: number;
  /** Bound on establishing a TCP (and TLS) connection. @default 1000 */
  connectTimeoutMs?: number;
  /** Consecutive failures after which a server is ejected. @default 2 */
  failureLimit?: number;
  /** How long an ejected server stays out before it is probed and re-added. @default 5000 */
  retryDelayMs?: number;
  /**
   * Whether an ejected server's keys go to the other servers (`true`) or its requests fail fast
   * with `ERR_MEMCACHED_CONNECTION` (`false`). Ignored for keys a `gutter` pool takes.
   * @default true
   */
  remove?: boolean;
  /** Spare servers that take an ejected server's keys instead of the live ones. @default none */
  gutter?: ServerList;
  /** Cap, in seconds, on TTLs written to the gutter pool. @default 10 */
  gutterTtl?: number;
  /** Replace keys over 250 bytes by a prefix plus their SHA-256 instead of rejecting them. @default false */
  hashLongKeys?: boolean;
  /**
   * How values become bytes and flags. `json` keeps the JS type in the flags, with strings and
   * Buffers at flags 0 (what every client reads); `pymemcache`, `memcached` and
   * `memcache-client` write and read those clients' flags (see the README's flag table).
   * @default 'json'
   */
  serializer?: SerializerName | Serializer;
  /** Compress values over `threshold` bytes when that makes them smaller. @default false */
  compress?: CompressionOptions | false;
  /** Largest encoded value accepted; bigger values are refused before sending. @default 1048576 */
  maxValueSize?: number;
  /** TLS (memcached's `-Z`): `true` for defaults or node's `tls.ConnectionOptions`. @default false */
  tls?: boolean | ConnectionOptions;
  /** Receives connection failures, ejections and re-additions. @default none */
  logger?: MemcachedLogger;
  /**
   * Credentials for memcached's ASCII authentication (`-Y`): sent on every new connection
   * before any other request; a refusal fails requests with `ERR_MEMCACHED_AUTH`.
   * @default none
   */
  auth?: ClientCredentials;
  /**
   * Find the servers at run time (ElastiCache `config get cluster`, or DNS) and follow the
   * fleet as it changes; the `servers` argument, if given, is used until the first answer.
   * @default none (a fixed server list)
   */
  discovery?: DiscoveryOptions;
}

/** A user name and password for memcached's ASCII authentication. */
export interface ClientCredentials {
  readonly username: string;
  readonly password: string;
}

/** {@link ClientOptions} after defaults and validation. */
export interface ResolvedClientOptions {
  readonly poolSize: number;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly failureLimit: number;
  readonly retryDelayMs: number;
  readonly remove: boolean;
  readonly gutter: ServerList | undefined;
  readonly gutterTtl: number;
  readonly hashLongKeys: boolean;
  readonly serializer: SerializerName | Serializer;
  readonly compress: CompressionOptions | false;
  readonly maxValueSize: number;
  readonly tls: ConnectionOptions | undefined;
  readonly logger: MemcachedLogger | undefined;
  readonly auth: ClientCredentials | undefined;
  readonly discovery: ResolvedDiscovery | undefined;
}

/** The defaults applied by {@link resolveClientOptions}. */
export const DEFAULT_CLIENT_OPTIONS = Object.freeze({
  poolSize: 1,
  timeoutMs: 500,
  connectTimeoutMs: 1000,
  failureLimit: 2,
  retryDelayMs: 5000,
  remove: true,
  gutterTtl: 10,
  hashLongKeys: false,
  serializer: 'json',
  compress: false,
  maxValueSize: 1_048_576,
} as const);

// A Record over every key keeps the unknown-option check in step with the type at compile time.
const KNOWN_KEYS: Record<keyof ClientOptions, true> = {
  poolSize: true,
  timeoutMs: true,
  connectTimeoutMs: true,
  failureLimit: true,
  retryDelayMs: true,
  remove: true,
  gutter: true,
  gutterTtl: true,
  hashLongKeys: true,
  serializer: true,
  compress: true,
  maxValueSize: true,
  tls: true,
  logger: true,
  auth: true,
  discovery: true,
};

/**
 * Applies defaults, validates and freezes client options.
 * @throws RangeError on an unknown option or a bad value, naming both.
 */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') {
    throw new RangeError(`Invalid options: expected an object, got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!(key in KNOWN_KEYS)) {
      throw new RangeError(
        `Invalid option "${key}": unknown option. Known options: ${Object.keys(KNOWN_KEYS).join(', ')}.`,
      );
    }
  }
  const o = options;
  const d = DEFAULT_CLIENT_OPTIONS;
  const serializer = o.serializer ?? d.serializer;
  if (
    typeof serializer === 'string'
      ? !['json', 'pymemcache', 'memcached', 'memcache-client', 'string', 'buffer'].includes(
          serializer,
        )
      : typeof serializer?.serialize !== 'function' || typeof serializer.deserialize !== 'function'
  ) {
    throw new RangeError(
      `Invalid option "serializer": expected 'json', 'pymemcache', 'memcached', 'memcache-client', 'string', 'buffer' or { serialize, deserialize }, got ${String(serializer)}.`,
    );
  }
  const compress = o.compress ?? d.compress;
  if (compress !== false) {
    if (typeof compress !== 'object' || compress === null) {
      throw new RangeError(
        `Invalid option "compress": expected false or { threshold, algorithm? }, got ${String(compress)}.`,
      );
    }
    nonNegativeInteger('compress.threshold', compress.threshold);
  }
  const tls = o.tls === true ? {} : o.tls === false || o.tls === undefined ? undefined : o.tls;
  if (tls !== undefined && typeof tls !== 'object') {
    throw new RangeError(
      `Invalid option "tls": expected a boolean or tls.ConnectionOptions, got ${String(o.tls)}.`,
    );
  }
  const logger = o.logger;
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger.warn !== 'function')) {
    throw new RangeError('Invalid option "logger": expected a pino-compatible logger.');
  }
  return Object.freeze({
    poolSize: positiveInteger('poolSize', o.poolSize ?? d.poolSize),
    timeoutMs: positiveInteger('timeoutMs', o.timeoutMs ?? d.timeoutMs),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', o.connectTimeoutMs ?? d.connectTimeoutMs),
    failureLimit: positiveInteger('failureLimit', o.failureLimit ?? d.failureLimit),
    retryDelayMs: positiveInteger('retryDelayMs', o.retryDelayMs ?? d.retryDelayMs),
    remove: bool('remove', o.remove ?? d.remove),
    gutter: o.gutter,
    gutterTtl: positiveInteger('gutterTtl', o.gutterTtl ?? d.gutterTtl),
    hashLongKeys: bool('hashLongKeys', o.hashLongKeys ?? d.hashLongKeys),
    serializer,
    compress,
    maxValueSize: positiveInteger('maxValueSize', o.maxValueSize ?? d.maxValueSize),
    tls,
    logger,
    auth: credentials(o.auth),
    discovery: o.discovery === undefined ? undefined : resolveDiscovery(o.discovery),
  });
}

const DEFAULT_DISCOVERY_INTERVAL_MS = 60_000;

function resolveDiscovery(d: DiscoveryOptions): ResolvedDiscovery {
  if (d === null || typeof d !== 'object') {
    throw new RangeError(
      `Invalid option "discovery": expected { elasticache } or { dns }, got ${String(d)}.`,
    );
  }
  const known = ['elasticache', 'dns', 'port', 'srv', 'dnsServers', 'intervalMs'];
  for (const key of Object.keys(d)) {
    if (!known.includes(key)) {
      throw new RangeError(
        `Invalid option "discovery.${key}": unknown option. Known options: ${known.join(', ')}.`,
      );
    }
  }
  const e = 'elasticache' in d ? d.elasticache : undefined;
  const dns = 'dns' in d ? d.dns : undefined;
  if ((e === undefined) === (dns === undefined)) {
    throw new RangeError(
      'Invalid option "discovery": expected exactly one of "elasticache" and "dns".',
    );
  }
  if (e !== undefined && (typeof e !== 'string' || !/^\S+:\d+$/.test(e))) {
    throw new RangeError(
      `Invalid option "discovery.elasticache": expected "host:port", got ${JSON.stringify(e)}.`,
    );
  }
  if (dns !== undefined && (typeof dns !== 'string' || dns.trim() === '')) {
    throw new RangeError(
      `Invalid option "discovery.dns": expected a host name, got ${JSON.stringify(dns)}.`,
    );
  }
  const dnsOptions: Partial<DnsDiscovery> = dns === undefined ? {} : (d as DnsDiscovery);
  const port = dnsOptions.port ?? 11211;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(
      `Invalid option "discovery.port": expected an integer 1..65535, got ${String(port)}.`,
    );
  }
  const servers = dnsOptions.dnsServers;
  if (
    servers !== undefined &&
    (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string'))
  ) {
    throw new RangeError('Invalid option "discovery.dnsServers": expected a list of "ip[:port]".');
  }
  return Object.freeze({
    elasticache: e,
    dns,
    port,
    srv: bool('discovery.srv', dnsOptions.srv ?? false),
    dnsServers: servers === undefined ? undefined : Object.freeze([...servers]),
    intervalMs: positiveInteger(
      'discovery.intervalMs',
      d.intervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS,
    ),
  });
}

// memcached reads the token as `<user> <password>` split on spaces: neither may hold one, nor
// a control byte that would end the line.
const TOKEN = /^[^\s\x00-\x1f\x7f]+$/;

function credentials(auth: ClientCredentials | undefined): ClientCredentials | undefined {
  if (auth === undefined) return undefined;
  if (
    typeof auth !== 'object' ||
    auth === null ||
    typeof auth.username !== 'string' ||
    typeof auth.password !== 'string' ||
    !TOKEN.test(auth.username) ||
    !TOKEN.test(auth.password)
  ) {
    throw new RangeError(
      'Invalid option "auth": expected { username, password }, each non-empty without spaces or control characters.',
    );
  }
  return Object.freeze({ username: auth.username, password: auth.password });
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Invalid option "${name}": expected a positive integer, got ${String(value)}.`,
    );
  }
  return value;
}

function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `Invalid option "${name}": expected a non-negative integer, got ${String(value)}.`,
    );
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new RangeError(`Invalid option "${name}": expected a boolean, got ${String(value)}.`);
  }
  return value;
}
