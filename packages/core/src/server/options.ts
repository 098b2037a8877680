import type { SecureContextOptions } from 'node:tls';
import { MemcachedInvalidOptionError } from '../errors.js';
import {
  booleanOption,
  checkOptionKeys,
  enumOption,
  integerOption,
  invalidOption,
} from '../options/option-checks.js';
import type { ServerCredentials } from './auth/credentials.js';
import { ClusterConfig } from './cluster-config.js';

export type { ServerCredentials } from './auth/credentials.js';

/** Which protocols a connection may speak (memcached's -B). */
export type BindingProtocol = 'auto' | 'ascii' | 'binary';

/** A pino-compatible logger; the server never writes to the console itself. */
export interface ServerLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  debug(msg: string): void;
}

/** Options of {@link startServer}. Every field is optional. */
export interface ServerOptions {
  /** TCP port; 0 picks a free ephemeral port. @default 0 */
  port?: number | undefined;
  /** Address to listen on. @default '127.0.0.1' */
  host?: string | undefined;
  /** Item memory limit in megabytes (memcached's -m). @default 64 */
  memoryLimitMb?: number | undefined;
  /** Largest value accepted, in bytes (memcached's -I). @default 1048576 */
  maxItemSize?: number | undefined;
  /** Simultaneous client connections (memcached's -c). @default 1024 */
  maxConnections?: number | undefined;
  /** Whether `flush_all` is allowed (memcached's -F turns it off). @default true */
  flushEnabled?: boolean | undefined;
  /** Whether CAS values are kept (memcached's -C turns them off). @default true */
  casEnabled?: boolean | undefined;
  /** Serve TLS with these credentials (memcached's -Z). @default undefined (plain TCP) */
  tls?: SecureContextOptions | undefined;
  /** Receives diagnostics (`-v` level messages at info/debug). @default undefined */
  logger?: ServerLogger | undefined;
  /** memcached's -v count: 1 logs errors and warnings, 2 also client commands. @default 0 */
  verbosity?: number | undefined;
  /**
   * memcached's -B: `auto` picks binary or text per connection by its first byte, `binary`
   * closes a connection that sends text, `ascii` reads binary requests as (garbage) text.
   * @default 'auto' ('binary' with `sasl`, 'ascii' with `asciiAuth`, as memcached does)
   */
  bindingProtocol?: BindingProtocol | undefined;
  /**
   * memcached's -S: binary connections must authenticate with SASL PLAIN as one of these
   * before anything but VERSION and the SASL commands. Text is refused (binary only).
   * @default undefined (no SASL)
   */
  sasl?: ServerCredentials | readonly ServerCredentials[] | undefined;
  /**
   * memcached's -Y: text connections must first send `set <key> <flags> <exptime> <len>` with
   * `<user> <password>` as its data, matching one of these. Binary is refused (text only).
   * @default undefined (no authentication)
   */
  asciiAuth?: ServerCredentials | readonly ServerCredentials[] | undefined;
  /** The `-Y` file the `asciiAuth` credentials came from, shown in `stats settings`. @default undefined */
  asciiAuthFile?: string | undefined;
  /**
   * Answer ElastiCache's `config get cluster` with these nodes (`"host:port"`), so clients can
   * auto-discover a fleet; `setClusterConfig()` changes them later. @default undefined (memcached
   * answers `ERROR`)
   */
  clusterConfig?: readonly string[] | undefined;
}

/** The validated options a running server uses. */
export interface ResolvedServerOptions {
  readonly port: number;
  readonly host: string;
  readonly memoryLimitMb: number;
  readonly maxItemSize: number;
  readonly maxConnections: number;
  readonly flushEnabled: boolean;
  readonly casEnabled: boolean;
  readonly tls: SecureContextOptions | undefined;
  readonly logger: ServerLogger | undefined;
  readonly verbosity: number;
  readonly bindingProtocol: BindingProtocol;
  readonly sasl: readonly ServerCredentials[] | undefined;
  readonly asciiAuth: readonly ServerCredentials[] | undefined;
  readonly asciiAuthFile: string | undefined;
  readonly clusterConfig: readonly string[] | undefined;
}

/** Defaults of {@link ServerOptions}, matching memcached 1.6's own defaults. */
export const DEFAULT_SERVER_OPTIONS: ResolvedServerOptions = Object.freeze({
  port: 0,
  host: '127.0.0.1',
  memoryLimitMb: 64,
  maxItemSize: 1024 * 1024,
  maxConnections: 1024,
  flushEnabled: true,
  casEnabled: true,
  tls: undefined,
  logger: undefined,
  verbosity: 0,
  bindingProtocol: 'auto',
  sasl: undefined,
  asciiAuth: undefined,
  asciiAuthFile: undefined,
  clusterConfig: undefined,
});

const KNOWN: Record<keyof ServerOptions, true> = {
  port: true,
  host: true,
  memoryLimitMb: true,
  maxItemSize: true,
  maxConnections: true,
  flushEnabled: true,
  casEnabled: true,
  tls: true,
  logger: true,
  verbosity: true,
  bindingProtocol: true,
  sasl: true,
  asciiAuth: true,
  asciiAuthFile: true,
  clusterConfig: true,
};

function fail(name: string, expected: string, got: unknown): never {
  throw invalidOption(name, expected, got);
}

function int(name: string, v: unknown, min: number, max: number): number {
  return integerOption(name, v, { min, max });
}

function credentials(
  name: string,
  v: ServerCredentials | readonly ServerCredentials[] | undefined,
): readonly ServerCredentials[] | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v as ServerCredentials];
  if (list.length === 0) fail(name, 'credentials { username, password } or a non-empty list', v);
  for (const c of list) {
    if (
      typeof c !== 'object' ||
      c === null ||
      typeof c.username !== 'string' ||
      typeof c.password !== 'string' ||
      c.username.length === 0
    )
      // Never the value itself: it holds a password.
      throw new MemcachedInvalidOptionError(
        name,
        `Invalid option "${name}": expected { username: non-empty string, password: string } for every entry.`,
      );
  }
  return Object.freeze(
    list.map((c) => Object.freeze({ username: c.username, password: c.password })),
  );
}

function bindingProtocol(
  o: ServerOptions,
  sasl: readonly ServerCredentials[] | undefined,
  asciiAuth: readonly ServerCredentials[] | undefined,
): BindingProtocol {
  const b =
    o.bindingProtocol === undefined
      ? undefined
      : enumOption('bindingProtocol', o.bindingProtocol, ['auto', 'ascii', 'binary']);
  if (sasl !== undefined && asciiAuth !== undefined)
    throw new MemcachedInvalidOptionError(
      'sasl',
      'Invalid option "sasl": expected either sasl (binary protocol only) or asciiAuth (text protocol only), not both.',
    );
  // memcached: SASL needs the binary protocol, ASCII auth the text one; either is implied.
  if (sasl !== undefined) {
    if (b !== undefined && b !== 'binary')
      fail('bindingProtocol', "'binary' with sasl (the ASCII protocol cannot use SASL)", b);
    return 'binary';
  }
  if (asciiAuth !== undefined) {
    if (b !== undefined && b !== 'ascii')
      fail('bindingProtocol', "'ascii' with asciiAuth (the binary protocol cannot use it)", b);
    return 'ascii';
  }
  return b ?? 'auto';
}

// Checked here, with the rest, so a bad node fails startServer() before anything listens.
function clusterConfig(v: readonly string[] | undefined): readonly string[] | undefined {
  if (v === undefined) return undefined;
  try {
    new ClusterConfig(v);
  } catch (error) {
    throw new MemcachedInvalidOptionError(
      'clusterConfig',
      error instanceof Error ? error.message : String(error),
      { cause: error },
    );
  }
  return [...v];
}

/**
 * Applies defaults and validates.
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) naming the option and
 * what was expected, when a value is out of range or the key is unknown.
 */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  const o = checkOptionKeys(options, KNOWN);
  const d = DEFAULT_SERVER_OPTIONS;
  const memoryLimitMb =
    o.memoryLimitMb === undefined
      ? d.memoryLimitMb
      : int('memoryLimitMb', o.memoryLimitMb, 1, 1 << 20);
  const maxItemSize =
    o.maxItemSize === undefined
      ? d.maxItemSize
      : int('maxItemSize', o.maxItemSize, 1024, 1024 * 1024 * 1024);
  // memcached refuses an item size above half of the memory limit in the same way.
  if (maxItemSize > memoryLimitMb * 1024 * 1024)
    fail(
      'maxItemSize',
      `at most memoryLimitMb (${memoryLimitMb * 1024 * 1024} bytes)`,
      maxItemSize,
    );
  const host = o.host === undefined ? d.host : o.host;
  if (typeof host !== 'string' || host.length === 0) fail('host', 'a non-empty string', host);
  const logger = o.logger;
  if (
    logger !== undefined &&
    (typeof logger !== 'object' || logger === null || typeof logger.info !== 'function')
  )
    fail('logger', 'an object with info/warn/error/debug methods', logger);
  const sasl = credentials('sasl', o.sasl);
  const asciiAuth = credentials('asciiAuth', o.asciiAuth);
  if (o.asciiAuthFile !== undefined && typeof o.asciiAuthFile !== 'string')
    fail('asciiAuthFile', 'a file path', o.asciiAuthFile);
  if (o.tls !== undefined && (typeof o.tls !== 'object' || o.tls === null))
    fail('tls', 'tls.SecureContextOptions', o.tls);
  return Object.freeze({
    port: o.port === undefined ? d.port : int('port', o.port, 0, 65535),
    host,
    memoryLimitMb,
    maxItemSize,
    maxConnections:
      o.maxConnections === undefined
        ? d.maxConnections
        : int('maxConnections', o.maxConnections, 1, 1 << 20),
    flushEnabled:
      o.flushEnabled === undefined ? d.flushEnabled : booleanOption('flushEnabled', o.flushEnabled),
    casEnabled:
      o.casEnabled === undefined ? d.casEnabled : booleanOption('casEnabled', o.casEnabled),
    tls: o.tls,
    logger,
    verbosity: o.verbosity === undefined ? d.verbosity : int('verbosity', o.verbosity, 0, 10),
    bindingProtocol: bindingProtocol(o, sasl, asciiAuth),
    sasl,
    asciiAuth,
    asciiAuthFile: o.asciiAuthFile,
    clusterConfig: clusterConfig(o.clusterConfig),
  });
}
