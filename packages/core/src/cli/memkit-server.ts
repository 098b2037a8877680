import { createRequire } from 'node:module';
import type { ServerLogger, ServerOptions } from '../server/index.js';
import { startServer } from '../server/index.js';

const HELP = `memkit-server: an in-process memcached (text and meta protocol) for Node.js
Takes memcached's own flags, so it starts wherever memcached is started.

-p, --port=<num>            TCP port to listen on (default: 11211, 0 = any free port)
-l, --listen=<addr>         interface to listen on (default: 127.0.0.1)
-U, --udp-port=<num>        accepted; UDP is not supported (only 0 means anything)
-m, --memory-limit=<num>    item memory in megabytes (default: 64)
-c, --conn-limit=<num>      max simultaneous connections (default: 1024)
-I, --max-item-size=<num>   largest item, e.g. 512k, 1m, 2m (default: 1m)
-F, --disable-flush-all     disable flush_all
-C, --disable-cas           disable use of CAS
-t, --threads=<num>         accepted for compatibility (memkit runs one thread)
-u, --user=<user>           accepted for compatibility (no privilege drop)
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
  S: false,
  A: false,
  s: true,
  a: true,
  P: true,
  f: true,
  n: true,
  R: true,
  B: true,
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
};

const WITH_VALUE = new Set(['p', 'l', 'U', 'm', 'c', 'I', 't', 'u']);

class UsageError extends Error {}

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
}

function parseArgs(argv: readonly string[]): Parsed {
  const options: ServerOptions = { port: 11211 };
  const warnings: string[] = [];
  let help = false;
  let version = false;
  let verbose = 0;
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
        options.memoryLimitMb = Math.max(
          1,
          Math.floor(parseSize(flag, value!) / (/[kKmMgG]$/.test(value!) ? 1024 * 1024 : 1)),
        );
        break;
      case 'c':
        options.maxConnections = parseNumber(flag, value!);
        break;
      case 'I':
        options.maxItemSize = parseSize(flag, value!);
        break;
      case 'F':
        options.flushEnabled = false;
        break;
      case 'C':
        options.casEnabled = false;
        break;
      case 't':
        parseNumber(flag, value!);
        break;
      case 'u':
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
      const known = WITH_VALUE.has(flag) || flag in IGNORED || 'FCvhV'.includes(flag);
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
  return { options, help, version, warnings };
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

/**
 * Entry point of the `memkit-server` bin: starts a server from memcached-style flags and runs
 * until SIGINT or SIGTERM. Resolves with the exit code.
 */
export async function main(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
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
    server = await startServer({ ...parsed.options, logger: stderrLogger(verbosity) });
  } catch (err) {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    process.stderr.write(`memkit-server: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  process.stderr.write(`memkit-server listening on ${server.address}\n`);
  return new Promise<number>((resolve) => {
    onSignal = (signal) => {
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
