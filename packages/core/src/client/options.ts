import type { ConnectionOptions } from 'node:tls';
import { MemcachedInvalidOptionError } from '../errors.js';
import type { Logger } from '../logger.js';
import {
  booleanOption,
  checkOptionKeys,
  describeOptionValue,
  enumOption,
  integerOption,
  invalidOption,
  loggerOption,
  nonNegativeIntegerOption,
  positiveIntegerOption,
  stringOption,
} from '../options/option-checks.js';
import {
  ALGORITHMS,
  type CompressionOptions,
  SERIALIZER_NAMES,
  type Serializer,
  type SerializerName,
} from './codec.js';
import { parseServerList, type ServerList } from './server-list.js';

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
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on an unknown option or a
 * bad value, naming the option (dotted when nested, e.g. `discovery.port`) and what was expected.
 */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  const o = checkOptionKeys(options, KNOWN_KEYS);
  const d = DEFAULT_CLIENT_OPTIONS;
  return Object.freeze({
    poolSize: positiveIntegerOption('poolSize', o.poolSize ?? d.poolSize),
    timeoutMs: positiveIntegerOption('timeoutMs', o.timeoutMs ?? d.timeoutMs),
    connectTimeoutMs: positiveIntegerOption(
      'connectTimeoutMs',
      o.connectTimeoutMs ?? d.connectTimeoutMs,
    ),
    failureLimit: positiveIntegerOption('failureLimit', o.failureLimit ?? d.failureLimit),
    retryDelayMs: positiveIntegerOption('retryDelayMs', o.retryDelayMs ?? d.retryDelayMs),
    remove: booleanOption('remove', o.remove ?? d.remove),
    gutter: gutterOption(o.gutter),
    gutterTtl: positiveIntegerOption('gutterTtl', o.gutterTtl ?? d.gutterTtl),
    hashLongKeys: booleanOption('hashLongKeys', o.hashLongKeys ?? d.hashLongKeys),
    serializer: serializerOption(o.serializer ?? d.serializer),
    compress: compressOption(o.compress ?? d.compress),
    maxValueSize: positiveIntegerOption('maxValueSize', o.maxValueSize ?? d.maxValueSize),
    tls: tlsOption(o.tls),
    logger: loggerOption('logger', o.logger),
    auth: credentials(o.auth),
    discovery: o.discovery === undefined ? undefined : resolveDiscovery(o.discovery),
  });
}

function serializerOption(value: unknown): SerializerName | Serializer {
  if (typeof value === 'string' && (SERIALIZER_NAMES as readonly string[]).includes(value)) {
    return value as SerializerName;
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Serializer>).serialize === 'function' &&
    typeof (value as Partial<Serializer>).deserialize === 'function'
  ) {
    return value as Serializer;
  }
  throw invalidOption(
    'serializer',
    `one of ${SERIALIZER_NAMES.map((n) => `'${n}'`).join(', ')} or an object with serialize() and deserialize()`,
    value,
  );
}

const COMPRESS_KEYS: Record<keyof CompressionOptions, true> = { threshold: true, algorithm: true };

function compressOption(value: unknown): CompressionOptions | false {
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption('compress', 'false or { threshold, algorithm? }', value);
  }
  const c = checkOptionKeys(value as CompressionOptions, COMPRESS_KEYS, 'compress.');
  nonNegativeIntegerOption('compress.threshold', c.threshold);
  if (c.algorithm !== undefined) {
    enumOption('compress.algorithm', c.algorithm, ALGORITHMS);
  }
  return c;
}

function tlsOption(value: unknown): ConnectionOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption('tls', 'a boolean or tls.ConnectionOptions', value);
  }
  return value as ConnectionOptions;
}

// Parsed here, not first when the client builds its pool, so a bad entry is named `gutter`.
function gutterOption(value: ServerList | undefined): ServerList | undefined {
  if (value === undefined) return undefined;
  try {
    parseServerList(value, {});
  } catch (error) {
    throw new MemcachedInvalidOptionError(
      'gutter',
      `Invalid option "gutter": expected "host:port", a comma-separated list or an array of servers, got ${describeOptionValue(value)} (${error instanceof Error ? error.message : String(error)}).`,
      { cause: error },
    );
  }
  return value;
}

const DEFAULT_DISCOVERY_INTERVAL_MS = 60_000;

const DISCOVERY_KEYS: Record<keyof ElastiCacheDiscovery | keyof DnsDiscovery, true> = {
  elasticache: true,
  dns: true,
  port: true,
  srv: true,
  dnsServers: true,
  intervalMs: true,
};

function resolveDiscovery(value: DiscoveryOptions): ResolvedDiscovery {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption('discovery', '{ elasticache } or { dns }', value);
  }
  const d = checkOptionKeys(
    value as Partial<ElastiCacheDiscovery & DnsDiscovery>,
    DISCOVERY_KEYS,
    'discovery.',
  );
  const e = d.elasticache;
  const dns = d.dns;
  if ((e === undefined) === (dns === undefined)) {
    throw new MemcachedInvalidOptionError(
      'discovery',
      `Invalid option "discovery": expected exactly one of "elasticache" (a configuration endpoint) and "dns" (a name to resolve), got ${e === undefined ? 'neither' : 'both'}.`,
    );
  }
  if (e !== undefined) {
    stringOption('discovery.elasticache', e, {
      pattern: /^\S+:\d+$/,
      expected: 'a configuration endpoint "host:port"',
    });
    // port, srv and dnsServers steer a DNS lookup; given with `elasticache` they would be ignored.
    for (const key of ['port', 'srv', 'dnsServers'] as const) {
      if (d[key] !== undefined) {
        throw new MemcachedInvalidOptionError(
          `discovery.${key}`,
          `Invalid option "discovery.${key}": it applies to DNS discovery ({ dns }) only, not with "elasticache".`,
        );
      }
    }
  }
  if (dns !== undefined) {
    stringOption('discovery.dns', dns, {
      pattern: /^\S+$/,
      expected: 'a host name without whitespace',
    });
  }
  const servers = d.dnsServers;
  if (
    servers !== undefined &&
    (!Array.isArray(servers) || servers.some((s) => typeof s !== 'string' || s.trim() === ''))
  ) {
    throw invalidOption('discovery.dnsServers', 'a list of "ip" or "ip:port" strings', servers);
  }
  return Object.freeze({
    elasticache: e,
    dns,
    port: integerOption('discovery.port', d.port ?? 11211, { min: 1, max: 65535 }),
    srv: booleanOption('discovery.srv', d.srv ?? false),
    dnsServers: servers === undefined ? undefined : Object.freeze([...servers]),
    intervalMs: positiveIntegerOption(
      'discovery.intervalMs',
      d.intervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS,
    ),
  });
}

// memcached reads the token as `<user> <password>` split on spaces: neither may hold one, nor
// a control byte that would end the line.
const TOKEN = /^[^\s\x00-\x1f\x7f]+$/;
const AUTH_KEYS: Record<keyof ClientCredentials, true> = { username: true, password: true };

function credentials(auth: ClientCredentials | undefined): ClientCredentials | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) {
    throw invalidOption('auth', '{ username, password }', auth);
  }
  const a = checkOptionKeys(auth, AUTH_KEYS, 'auth.');
  const token = {
    pattern: TOKEN,
    expected: 'a non-empty string without spaces or control characters',
  };
  const username = stringOption('auth.username', a.username, token);
  // The password is never echoed into the message: it may land in logs.
  if (typeof a.password !== 'string' || !TOKEN.test(a.password)) {
    throw new MemcachedInvalidOptionError(
      'auth.password',
      `Invalid option "auth.password": expected ${token.expected}.`,
    );
  }
  return Object.freeze({ username, password: a.password });
}
