import { parseServerList } from '../client/index.js';

/** The flags every `memkit` subcommand understands. */
export interface CommonArgs {
  servers: string | undefined;
  json: boolean;
  yes: boolean;
  help: boolean;
  timeoutMs: number;
}

/** A bad command line; the CLI prints it with a hint and exits 64 (EX_USAGE). */
export class UsageError extends Error {}

/** Parses `--servers a,b`, `--servers=a,b`, `--json`, `--yes`/`-y`, `--timeout-ms N`, `--help`. */
export function parseCommonArgs(argv: readonly string[], allowed: readonly string[]): CommonArgs {
  const out: CommonArgs = {
    servers: undefined,
    json: false,
    yes: false,
    help: false,
    timeoutMs: 2000,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`option '${name}' requires a value`);
      return v;
    };
    if (name === '--help' || name === '-h') {
      out.help = true;
      continue;
    }
    const flag = name === '-y' ? '--yes' : name;
    if (!allowed.includes(flag)) throw new UsageError(`unknown option '${arg}'`);
    switch (flag) {
      case '--servers':
        out.servers = value();
        break;
      case '--json':
        out.json = true;
        break;
      case '--yes':
        out.yes = true;
        break;
      case '--timeout-ms': {
        const raw = value();
        const n = Number(raw);
        if (!Number.isInteger(n) || n <= 0) {
          throw new UsageError(`invalid --timeout-ms '${raw}': expected a positive integer`);
        }
        out.timeoutMs = n;
        break;
      }
    }
  }
  return out;
}

/**
 * The servers to talk to: `--servers`, else `MEMCACHED_SERVERS`, else `127.0.0.1:11211`.
 * @throws UsageError naming the source and the bad entry, so a typo is exit 64 (a usage error),
 * never reported as a cluster that is down.
 */
export function resolveServers(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  const fromEnv = env.MEMCACHED_SERVERS?.trim();
  const source = flag !== undefined ? '--servers' : fromEnv ? 'MEMCACHED_SERVERS' : undefined;
  const raw = flag ?? fromEnv ?? '';
  if (source === undefined) return ['127.0.0.1:11211'];
  try {
    return parseServerList(raw, {}).map((s) => s.id);
  } catch {
    throw new UsageError(
      `invalid ${source} '${raw}': expected comma-separated host:port entries with ports 1-65535, e.g. 10.0.0.1:11211,10.0.0.2:11211`,
    );
  }
}
