import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ServerLogger, ServerOptions } from '../server/index.js';
import { parseAuthFile, startServer } from '../server/index.js';

const HELP = `memkit-server: an in-process memcached (text, meta and binary protocol) for Node.js
Takes memcached's own flags, so it starts wherever memcached is started.

-p, --port=<num>            TCP port to listen on (default: 11211, 0 = any free port)
-l, --listen=<addr>         interface to listen on (default: 127.0.0.1)
-U, --udp-port=<num>        accepted; UDP is not supported (only 0 means anything)
-m, --memory-limit=<num>    item memory in megabytes (default: 64)
-c, --conn-limit=<num>      max simultaneous connections (default: 1024)
-I, --max-item-size=<num>   largest item, e.g. 512k, 1m, 2m (default: 1m)
-F, --disable-flush-all     disable flush_all
-C, --disable-cas           disable use of CAS
-B, --protocol=<name>       ascii, binary, or auto (default: auto-negotiate)
-S, --enable-sasl           require SASL PLAIN (binary protocol only); the accepted
                            user:password lines are read from the file named by
                            MEMCACHED_SASL_PWDB, as memcached's sasl-pwdb build does
-Y, --auth-file=<file>      require ASCII authentication; <file> holds user:password lines
-t, --threads=<num>         accepted for compatibility (memkit runs one thread)
-u, --user=<user>           accepted for compatibility (no privilege drop)
    --cluster-config=<list> answer ElastiCache's \`config get cluster\` with these nodes
                            (comma-separated host:port), for client auto-discovery
-v, --verbose               verbose (errors/warnings); -vv also prints client commands
-h, --help                  print this help and exit
-V, --version               print version and exit
`;

/** Flags memcached takes that memkit accepts and ignores, with whether they take a value. */
const IGNORED: Record<string, boolean> = {
  d: false,
  r: false,
  k: false,
  M: false,
  L: false,
  A: false,
  s: true,
  a: true,
  P: true,
  f: true,
  n: true,
  R: true,
  o: true,
  b: true,
  e: true,
};

const LONG: Record<string, string> = {
  port: 'p',
  listen: 'l',
  'udp-port': 'U',
  'memory-limit': 'm',
  'conn-limit': 'c',
  'max-item-size': 'I',
  'disable-flush-all': 'F',
  'disable-cas': 'C',
  threads: 't',
  user: 'u',
  verbose: 'v',
  help: 'h',
  version: 'V',
  'enable-shutdown': 'A',
  'lock-memory': 'k',
  'enable-coredumps': 'r',
  'disable-evictions': 'M',
  'large-memory-pages': 'L',
  'enable-largepages': 'L',
  daemon: 'd',
  pidfile: 'P',
  'slab-growth-factor': 'f',
  'slab-min-size': 'n',
  'max-reqs-per-event': 'R',
  protocol: 'B',
  extended: 'o',
  'listen-backlog': 'b',
  'memory-file': 'e',
  'unix-socket': 's',
  'unix-mask': 'a',
  sasl: 'S',
  'enable-sasl': 'S',
  'auth-file': 'Y',
  // memkit's own, long form only: ElastiCache's configuration endpoint.
  'cluster-config': 'cluster-config',
};

const WITH_VALUE = new Set(['p', 'l', 'U', 'm', 'c', 'I', 't', 'u', 'B', 'Y', 'cluster-config']);

class UsageError extends Error {}

/** V8's old-generation growth after a full GC, in percent of the live heap (see main). */
const HEAP_GROWING_PERCENT = 50;

/**
 * A setting memcached refuses at start-up: the message is memcached's own, printed as it
 * prints it, and `exitCode` is its exit status (1 for its option-parsing checks, 64 =
 * EX_USAGE for the checks after parsing).
 */
class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** C's atoi: leading digits (after optional spaces and sign), 0 when there are none. */
function atoi(raw: string): number {
  const m = /^\s*([+-]?\d+)/.exec(raw);
  return m ? Number(m[1]) : 0;
}

/** memcached's slab_chunk_size_max with its defaults: half a 1 MiB slab page. */
const SLAB_CHUNK_SIZE_MAX = 512 * 1024;
/** memcached's ITEM_SIZE_MAX_LOWER_LIMIT and ITEM_SIZE_MAX_UPPER_LIMIT. */
const ITEM_SIZE_MAX_LOWER_LIMIT = 1024;
const ITEM_SIZE_MAX_UPPER_LIMIT = 1024 * 1024 * 1024;

/** memcached's checks on -m and -I after the options are read, in its order. */
function checkSizes(options: ServerOptions): void {
  const itemSizeMax = options.maxItemSize ?? 1024 * 1024;
  const maxbytes = (options.memoryLimitMb ?? 64) * 1024 * 1024;
  if (itemSizeMax < ITEM_SIZE_MAX_LOWER_LIMIT)
    throw new StartupError('Item max size cannot be less than 1024 bytes.', 64);
  if (itemSizeMax > maxbytes / 2)
    throw new StartupError('Cannot set item size limit higher than 1/2 of memory max.', 64);
  if (itemSizeMax > ITEM_SIZE_MAX_UPPER_LIMIT)
    throw new StartupError('Cannot set item size limit higher than a gigabyte.', 64);
  if (SLAB_CHUNK_SIZE_MAX > itemSizeMax)
    throw new StartupError(
      `slab_chunk_max (bytes: ${SLAB_CHUNK_SIZE_MAX}) cannot be larger than -I (item_size_max ${itemSizeMax})`,
      64,
    );
}

/** A failure memcached reports with exit status 1 (an unreadable or malformed auth file). */
class StartError extends Error {}

/** Reads a memcached `user:password` file (for -Y, and -S through MEMCACHED_SASL_PWDB). */
function readCredentials(file: string): ReturnType<typeof parseAuthFile> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StartError(
      `Could not open authfile [${file}] for reading, error ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    return parseAuthFile(text);
  } catch {
    throw new StartError(`Authfile [${file}] has a malformed entry. Should be 'user:password'`);
  }
}

/** Parses sizes the way memcached's -I does: a number with an optional k, m or g suffix. */
function parseSize(flag: string, raw: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(raw);
  if (!m) throw new UsageError(`invalid size for -${flag}: ${raw}`);
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : unit === 'g' ? 1024 ** 3 : 1;
  return Number(m[1]) * mult;
}

function parseNumber(flag: string, raw: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`invalid number for -${flag}: ${raw}`);
  return Number(raw);
}

interface Parsed {
  options: ServerOptions;
  help: boolean;
  version: boolean;
  warnings: string[];
  /** -S: credentials come from MEMCACHED_SASL_PWDB when the server starts. */
  sasl: boolean;
}

function parseArgs(argv: readonly string[]): Parsed {
  const options: ServerOptions = { port: 11211 };
  const warnings: string[] = [];
  let help = false;
  let version = false;
  let verbose = 0;
  let sasl = false;
  const apply = (flag: string, value: string | undefined): void => {
    switch (flag) {
      case 'p':
        options.port = parseNumber(flag, value!);
        break;
      case 'l':
        // memcached takes a comma-separated list; memkit listens on the first address.
        options.host = value!.split(',')[0]!;
        break;
      case 'U':
        if (parseNumber(flag, value!) !== 0) warnings.push('UDP is not supported; -U ignored');
        break;
      case 'm':
        // memcached reads -m with atoi as megabytes; a size suffix is accepted as a size.
        options.memoryLimitMb = /[kKmMgG]$/.test(value!)
          ? Math.floor(parseSize(flag, value!) / (1024 * 1024))
          : atoi(value!);
        break;
      case 'c': {
        const conns = atoi(value!);
        if (conns <= 0) throw new StartupError('Maximum connections must be greater than 0', 1);
        options.maxConnections = conns;
        break;
      }
      case 'I':
        options.maxItemSize = parseSize(flag, value!);
        break;
      case 'F':
        options.flushEnabled = false;
        break;
      case 'C':
        options.casEnabled = false;
        break;
      case 'B':
        if (value !== 'auto' && value !== 'binary' && value !== 'ascii')
          throw new UsageError(
            `Invalid value for binding protocol: ${value}\n -- should be one of auto, binary, or ascii`,
          );
        options.bindingProtocol = value;
        break;
      case 'S':
        sasl = true;
        break;
      case 'Y':
        options.asciiAuthFile = value!;
        break;
      case 't':
        if (atoi(value!) <= 0)
          throw new StartupError('Number of threads must be greater than 0', 1);
        break;
      case 'u':
        break;
      case 'cluster-config':
        options.clusterConfig = value!.split(',').filter((node) => node.trim() !== '');
        break;
      case 'v':
        verbose++;
        break;
      case 'h':
        help = true;
        break;
      case 'V':
        version = true;
        break;
      default:
        warnings.push(`-${flag} is not supported by memkit-server; ignored`);
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const flag = LONG[name];
      if (flag === undefined) throw new UsageError(`unrecognized option '${arg}'`);
      const takes = WITH_VALUE.has(flag) || IGNORED[flag] === true;
      let value: string | undefined;
      if (takes) {
        value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined) throw new UsageError(`option '--${name}' requires an argument`);
      }
      apply(flag, value);
      continue;
    }
    if (!arg.startsWith('-') || arg.length < 2)
      throw new UsageError(`unexpected argument '${arg}'`);
    // getopt style: -vv, -FC, -p11211, -p 11211.
    for (let j = 1; j < arg.length; j++) {
      const flag = arg[j]!;
      const known = WITH_VALUE.has(flag) || flag in IGNORED || 'FCvhVS'.includes(flag);
      if (!known) throw new UsageError(`invalid option -- '${flag}'`);
      if (WITH_VALUE.has(flag) || IGNORED[flag] === true) {
        const value = j + 1 < arg.length ? arg.slice(j + 1) : argv[++i];
        if (value === undefined) throw new UsageError(`option requires an argument -- '${flag}'`);
        apply(flag, value);
        break;
      }
      apply(flag, undefined);
    }
  }
  if (verbose > 0) options.verbosity = verbose;
  const b = options.bindingProtocol;
  // memcached's own start-up checks: SASL needs binary, ASCII auth needs text.
  if (sasl && b !== undefined && b !== 'binary')
    throw new UsageError('ERROR: You cannot allow the ASCII protocol while using SASL.');
  if (options.asciiAuthFile !== undefined && b !== undefined && b !== 'ascii')
    throw new UsageError(
      'ERROR: You cannot allow the BINARY protocol while using ascii authentication tokens.',
    );
  if (!help && !version) checkSizes(options);
  return { options, help, version, warnings, sasl };
}

function stderrLogger(verbosity: number): ServerLogger {
  const out = (msg: string) => process.stderr.write(`${msg}\n`);
  const none = () => {};
  return {
    info: verbosity > 0 ? out : none,
    warn: verbosity > 0 ? out : none,
    error: out,
    debug: verbosity > 1 ? out : none,
  };
}

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  // src/cli/ and dist/cli/ sit two levels down, a bundler's shared chunk in dist/ one.
  for (const path of ['../../package.json', '../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === '@memkit/core' && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return '0.0.0';
}

const MiB = 1024 * 1024;
/** How often the collector looks at the heap (a cheap call; the timer is unref'd). */
const COLLECTOR_POLL_MS = 50;
/** Garbage the collector lets build up between full collections: this or -m/4, the larger. */
const COLLECTOR_MIN_SLACK = 16 * MiB;
/** After a collection that took t ms, the next waits at least this many times t (CPU <= 20%). */
const COLLECTOR_PAUSE_FACTOR = 4;

/**
 * Full collections on the bin's own schedule, bounded by -m rather than by the live heap.
 * Every evicted, deleted or overwritten item is old-generation garbage, and even with
 * HEAP_GROWING_PERCENT V8 lets it reach half the live heap plus its own slack before a full
 * collection: with tiny items a `-m 64` server peaked near 3.5x -m while evicting. A timer
 * collects once the heap holds more than `slack` bytes beyond what the last collection left, and
 * never spends more than about a fifth of the time doing so (a cache whose live heap keeps
 * growing is left to V8's own schedule between those collections).
 */
function startCollector(memoryLimitMb: number): { stop(): void } {
  // --expose-gc set at run time makes the next context get a `gc` global; the main one already
  // exists, so the function is taken from a fresh context (it collects the whole isolate).
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const slack = Math.max(COLLECTOR_MIN_SLACK, (memoryLimitMb * MiB) / 4);
  // Values are Buffers outside the JS heap, freed when their objects are collected: counted too.
  const used = (): number => {
    const h = getHeapStatistics();
    return h.used_heap_size + h.external_memory;
  };
  let limit = used() + slack;
  let notBefore = 0;
  const timer = setInterval(() => {
    const started = performance.now();
    if (started < notBefore || used() < limit) return;
    gc();
    const ended = performance.now();
    limit = used() + slack;
    notBefore = ended + COLLECTOR_PAUSE_FACTOR * (ended - started);
  }, COLLECTOR_POLL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Entry point of the `memkit-server` bin: starts a server from memcached-style flags and runs
 * until SIGINT or SIGTERM. Resolves with the exit code.
 */
export async function main(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`${err.message}\n`);
      return err.exitCode;
    }
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`memkit-server: ${err.message}\nTry 'memkit-server --help'.\n`);
    return 64;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.version) {
    process.stdout.write(`memkit-server ${packageVersion()} (memcached 1.6.18 protocol)\n`);
    return 0;
  }
  for (const w of parsed.warnings) process.stderr.write(`memkit-server: ${w}\n`);
  // -m is a promise about the process's memory. A cache evicts all day, and every evicted item
  // is old-generation garbage; V8's default heap growth lets that garbage reach several times
  // the live heap before a full collection (RSS 4x -m with tiny items). This process is ours,
  // so V8 collects at 1.5x the live heap instead, the collector (startCollector) collects
  // sooner when the garbage passes a bound set by -m, and the young generation keeps its
  // initial size: V8 grows it to 2 x 16 MiB under a steady stream of sets, memory that holds
  // no item (the growth factor takes effect at run time, unlike the maximum size, measured
  // on Node 20). (startServer() embedded in an application leaves its V8 settings alone.)
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  setFlagsFromString('--semi-space-growth-factor=1');
  const verbosity = parsed.options.verbosity ?? 0;
  // Handlers go in before the server starts, so a signal right after the "listening" line
  // (or during startup) still stops it cleanly.
  let signalled: NodeJS.Signals | undefined;
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    signalled = signal;
  };
  const handler = (signal: NodeJS.Signals) => onSignal(signal);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    const options: ServerOptions = { ...parsed.options, logger: stderrLogger(verbosity) };
    if (options.asciiAuthFile !== undefined)
      options.asciiAuth = readCredentials(options.asciiAuthFile);
    if (parsed.sasl) {
      const pwdb = process.env.MEMCACHED_SASL_PWDB;
      if (pwdb === undefined || pwdb === '')
        throw new StartError(
          '-S needs credentials: set MEMCACHED_SASL_PWDB to a file of user:password lines',
        );
      options.sasl = readCredentials(pwdb);
    }
    server = await startServer(options);
  } catch (err) {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    process.stderr.write(`memkit-server: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  process.stderr.write(`memkit-server listening on ${server.address}\n`);
  const collector = startCollector(parsed.options.memoryLimitMb ?? 64);
  return new Promise<number>((resolve) => {
    onSignal = (signal) => {
      collector.stop();
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      if (verbosity > 0) process.stderr.write(`Signal handled: ${signal}.\n`);
      server.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    if (signalled !== undefined) onSignal(signalled);
  });
}
