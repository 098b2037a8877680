import { type ServerSummary, summarizeServerStats } from '../metrics/index.js';
import { type CommonArgs, parseCommonArgs, resolveServers, UsageError } from './memkit-args.js';
import { flushExitCode, flushServers } from './memkit-flush.js';
import { type CliIo, processIo } from './memkit-io.js';
import { probeServers } from './memkit-probe.js';
import { main as serverMain } from './memkit-server.js';
import { renderStatsTable } from './memkit-stats-report.js';
import { packageVersion } from './memkit-version.js';

const SERVERS_HELP = `  --servers <list>   comma-separated host:port list
                     (default: MEMCACHED_SERVERS, then 127.0.0.1:11211)
  --timeout-ms <n>   per-server timeout (default: 2000)
  -h, --help         show this help`;

const HELP: Record<string, string> = {
  main: `memkit: operate a memcached fleet

Usage: memkit <command> [options]

Commands:
  stats    per-server report: version, uptime, connections, memory, hit rate, items
  health   check every node: exit 0 HEALTHY, 1 DEGRADED, 2 DOWN
  flush    invalidate every item on every server (asks first unless --yes)
  server   run the in-process memcached (same flags as memkit-server)

Options:
  -V, --version   print the version and exit
  -h, --help      show this help

Run 'memkit <command> --help' for a command's options.
Exit codes: 0 success, 1 failure, 2 cluster down (health), 3 outcome unknown (flush),
64 usage or configuration error (an unknown option, a malformed server list).
`,
  stats: `Usage: memkit stats [--servers a,b] [--json]

Prints each server's version, uptime, connections (current, total, max, rejected), memory
used / limit / %, hit rate, items (current, total), evictions, reclaimed and get/set counts.
Exits 1 when a server does not answer.

  --json             print the numbers as JSON instead of a table
${SERVERS_HELP}
`,
  health: `Usage: memkit health [--servers a,b] [--json]

Checks each node and prints ✓ or ✗ per node, then the cluster state.
Exit code: 0 HEALTHY (all up), 1 DEGRADED (some down), 2 DOWN (all down).

  --json             print the result as JSON
${SERVERS_HELP}
`,
  flush: `Usage: memkit flush [--servers a,b] [--yes]

Invalidates every item on every server (flush_all). Asks for confirmation unless --yes;
without a terminal to ask on, --yes is required (else exit 64). Reports each server as flushed, failed
(certainly not flushed) or unknown (no reply in time: it may have flushed).
Exit code: 0 all flushed, 1 any failed, 3 none failed but some unknown.

  -y, --yes          do not ask
${SERVERS_HELP}
`,
};

async function stats(args: CommonArgs, io: CliIo): Promise<number> {
  const servers = resolveServers(args.servers, io.env);
  const results = await probeServers(servers, args.timeoutMs);
  const summaries = new Map<string, ServerSummary>();
  for (const r of results) if (r.ok) summaries.set(r.server, summarizeServerStats(r.stats));
  if (args.json) {
    const out: Record<string, ServerSummary | { error: string }> = {};
    for (const r of results)
      out[r.server] = summaries.get(r.server) ?? { error: r.ok ? '' : r.error };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout(renderStatsTable(results, summaries));
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

/** The cluster state `memkit health` prints, with its exit code. */
export type ClusterHealth = 'HEALTHY' | 'DEGRADED' | 'DOWN';

async function health(args: CommonArgs, io: CliIo): Promise<number> {
  const servers = resolveServers(args.servers, io.env);
  const results = await probeServers(servers, args.timeoutMs);
  const up = results.filter((r) => r.ok).length;
  const state: ClusterHealth = up === results.length ? 'HEALTHY' : up === 0 ? 'DOWN' : 'DEGRADED';
  const code = state === 'HEALTHY' ? 0 : state === 'DEGRADED' ? 1 : 2;
  if (args.json) {
    const nodes = results.map((r) =>
      r.ok
        ? {
            server: r.server,
            up: true,
            version: String(r.stats.version ?? ''),
            latencyMs: r.latencyMs,
          }
        : { server: r.server, up: false, error: r.error },
    );
    io.stdout(`${JSON.stringify({ state, up, total: results.length, nodes }, null, 2)}\n`);
    return code;
  }
  for (const r of results) {
    io.stdout(
      r.ok
        ? `✓ ${r.server}  memcached ${String(r.stats.version ?? '?')}  ${r.latencyMs.toFixed(1)} ms\n`
        : `✗ ${r.server}  ${r.error}\n`,
    );
  }
  io.stdout(`cluster ${state}: ${up}/${results.length} nodes up\n`);
  return code;
}

async function flush(args: CommonArgs, io: CliIo): Promise<number> {
  const servers = resolveServers(args.servers, io.env);
  if (!args.yes && io.interactive === false) {
    // A script that forgot --yes is a usage error (64), not a failed flush (1).
    throw new UsageError('no terminal to ask for confirmation on: pass --yes to flush');
  }
  if (!args.yes) {
    const ok = await io.confirm(
      `Flush ALL items on ${servers.length} server(s): ${servers.join(', ')}? [y/N] `,
    );
    if (!ok) {
      io.stderr('memkit: flush cancelled (pass --yes to flush without asking)\n');
      return 1;
    }
  }
  const outcomes = await flushServers(servers, args.timeoutMs);
  const mark = { flushed: '✓', failed: '✗', unknown: '?' } as const;
  for (const o of outcomes) {
    io.stdout(
      o.outcome === 'flushed'
        ? `${mark.flushed} ${o.server}  flushed\n`
        : `${mark[o.outcome]} ${o.server}  ${o.outcome}: ${o.reason} (${o.code})\n`,
    );
  }
  const count = (kind: string) => outcomes.filter((o) => o.outcome === kind).length;
  io.stdout(
    `flush: ${count('flushed')} flushed, ${count('failed')} failed, ${count('unknown')} unknown\n`,
  );
  return flushExitCode(outcomes);
}

const COMMANDS: Record<
  string,
  { allowed: string[]; run: (a: CommonArgs, io: CliIo) => Promise<number> }
> = {
  stats: { allowed: ['--servers', '--json', '--timeout-ms'], run: stats },
  health: { allowed: ['--servers', '--json', '--timeout-ms'], run: health },
  flush: { allowed: ['--servers', '--yes', '--timeout-ms'], run: flush },
};

/**
 * Entry point of the `memkit` bin (`stats`, `health`, `flush`, `server`, `--version`). Resolves
 * with the exit code: 0 success, 1 failure (or a degraded cluster), 2 cluster down, 3 a flush
 * whose outcome is unknown, 64 bad usage or configuration.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP.main!);
    return command === undefined ? 64 : 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    io.stdout(`memkit ${packageVersion()}\n`);
    return 0;
  }
  if (command === 'server') return serverMain(rest);
  const spec = COMMANDS[command];
  if (spec === undefined) {
    io.stderr(`memkit: unknown command '${command}'\nTry 'memkit --help'.\n`);
    return 64;
  }
  let args: CommonArgs;
  try {
    args = parseCommonArgs(rest, spec.allowed);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`memkit ${command}: ${err.message}\nTry 'memkit ${command} --help'.\n`);
    return 64;
  }
  if (args.help) {
    io.stdout(HELP[command]!);
    return 0;
  }
  try {
    return await spec.run(args, io);
  } catch (err) {
    // A malformed server list is found when the command resolves it: still a usage error.
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`memkit ${command}: ${err.message}\n`);
    return 64;
  }
}
