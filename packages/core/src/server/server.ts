import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ServerClock } from './clock.js';
import { ClusterConfig } from './cluster-config.js';
import type { ConnectionInfo, ServerContext } from './command.js';
import { Connection, type ConnectionHost } from './connection.js';
import { commandTable } from './dispatch.js';
import { type ResolvedServerOptions, resolveServerOptions, type ServerOptions } from './options.js';
import { PrefixStats } from './prefix-stats.js';
import { adoptWithSharedReads, SHARED_READ_SIZE } from './shared-reads.js';
import { buildSlabClasses, type SlabClass } from './slabs.js';
import { ServerStats } from './stats.js';
import { generalStats } from './stats-render.js';
import { Store } from './store.js';
import { Tunables } from './tunables.js';

/** The `stats` command's numbers as an object: numeric fields as numbers, the rest strings. */
export type ServerStatsSnapshot = Record<string, number | string>;

/** Diagnostics about buffering, for tests of back-pressure. */
export interface ServerBufferStats {
  /** Most reply bytes ever held for one connection (socket queue + delayed replies). */
  readonly maxBufferedOutputBytes: number;
  /** Most unparsed request bytes ever held for one connection. */
  readonly maxBufferedInputBytes: number;
  /** Connections not being read right now because their replies are not being read. */
  readonly backPressuredConnections: number;
}

/**
 * How often the LRU crawler wakes and how many items it looks at per wake. memcached's crawler
 * thread is kicked by its LRU maintainer and reclaims within seconds; a bounded slice per tick
 * keeps one pass over a big cache from holding the event loop.
 */
const CRAWL_INTERVAL_MS = 1000;
const CRAWL_BUDGET = 20_000;

/** A running in-process memcached server. */
export interface MemcachedServer {
  /** Address it listens on. */
  readonly host: string;
  /** Port it listens on (the ephemeral one when `port` was 0). */
  readonly port: number;
  /** `"host:port"`, ready for a client's server list. */
  readonly address: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
  /** Accepts connections but reads and answers nothing until `resume()`. */
  hang(): void;
  /** Ends `hang()`: requests sent meanwhile are answered now. */
  resume(): void;
  /** Destroys every client connection (the listener stays up). */
  dropConnections(): void;
  /** Holds every reply batch back by `ms` milliseconds; 0 stops delaying. */
  delay(ms: number): void;
  /** Moves the server clock forward so items expire as if `seconds` had passed. */
  advanceClock(seconds: number): void;
  /** The numbers of the `stats` command, by name. */
  stats(): ServerStatsSnapshot;
  /** Buffering high-water marks (not part of memcached's stats). */
  bufferStats(): ServerBufferStats;
  /**
   * Serves `nodes` (`"host:port"`) from `config get cluster` under a new version, as an
   * ElastiCache configuration endpoint does when the cluster changes.
   * @throws RangeError on a node that is not `host:port`.
   */
  setClusterConfig(nodes: readonly string[]): void;
}

class ServerState implements ServerContext, ConnectionHost {
  readonly store: Store;
  readonly stats: ServerStats;
  readonly clock = new ServerClock();
  readonly slabClasses: readonly SlabClass[] = buildSlabClasses();
  readonly startedAt = Math.floor(Date.now() / 1000);
  readonly commands = commandTable;
  verbosity: number;
  detailEnabled = false;
  readonly prefixStats = new PrefixStats();
  readonly clusterConfig: ClusterConfig;
  readonly tunables = new Tunables();
  port = 0;
  hung = false;
  delayMs = 0;
  readonly open = new Set<Connection>();
  /** Every plain TCP read lands here first (see shared-reads.ts); one thread, one buffer. */
  readonly readBuffer = Buffer.allocUnsafeSlow(SHARED_READ_SIZE);
  private nextId = 1;
  maxOutput = 0;
  maxInput = 0;

  constructor(readonly settings: ResolvedServerOptions) {
    this.verbosity = settings.verbosity;
    this.clusterConfig = new ClusterConfig(settings.clusterConfig);
    this.stats = new ServerStats(this.slabClasses.length);
    // memcached counts its listening connection in total_connections and connection_structures.
    this.stats.totalConnections = 1;
    this.stats.connectionStructures = 1;
    this.store = new Store({
      limitBytes: settings.memoryLimitMb * 1024 * 1024,
      maxItemSize: settings.maxItemSize,
      casEnabled: settings.casEnabled,
      clock: this.clock,
      stats: this.stats,
      slabClasses: this.slabClasses,
      tunables: this.tunables,
    });
  }

  *connections(): Iterable<ConnectionInfo> {
    for (const c of this.open) {
      yield {
        id: c.id,
        remote: `tcp:${c.socket.remoteAddress}:${c.socket.remotePort}`,
        lastCommandAt: c.lastCommandAt,
      };
    }
  }

  /**
   * Takes a new client socket. Plain TCP sockets arrive paused (`pauseOnConnect`) and are
   * re-wrapped to read into {@link readBuffer}; TLS sockets are read as usual.
   */
  accept(accepted: Socket, paused: boolean): void {
    const s = this.stats;
    if (this.open.size >= this.settings.maxConnections) {
      s.rejectedConnections++;
      this.settings.logger?.warn('Too many open connections');
      // memcached writes the line and close()s the descriptor: the socket is destroyed once
      // the line is handed to the kernel, never left half-open holding a descriptor.
      accepted.on('error', () => accepted.destroy());
      accepted.resume();
      accepted.end('ERROR Too many open connections\r\n');
      accepted.destroySoon();
      return;
    }
    s.currConnections++;
    s.totalConnections++;
    if (s.currConnections + 1 > s.connectionStructures)
      s.connectionStructures = s.currConnections + 1;
    let conn: Connection | undefined;
    const adopted = paused
      ? adoptWithSharedReads(accepted, this.readBuffer, (chunk) => conn?.receive(chunk, true), {
          allowHalfOpen: true,
        })
      : undefined;
    if (paused && adopted === undefined) accepted.resume();
    conn = new Connection(this, adopted ?? accepted, this, this.nextId++, adopted !== undefined);
    this.open.add(conn);
    if (this.verbosity > 1) this.settings.logger?.debug(`<${conn.id} new client connection`);
  }

  connectionClosed(conn: Connection): void {
    if (this.open.delete(conn)) {
      this.stats.currConnections--;
      if (this.verbosity > 1) this.settings.logger?.debug(`<${conn.id} connection closed.`);
    }
  }

  noteBuffered(outputBytes: number, inputBytes: number): void {
    if (outputBytes > this.maxOutput) this.maxOutput = outputBytes;
    if (inputBytes > this.maxInput) this.maxInput = inputBytes;
  }
}

function snapshot(state: ServerState): ServerStatsSnapshot {
  const out: ServerStatsSnapshot = {};
  for (const [k, v] of generalStats(state)) {
    out[k] = typeof v === 'number' || !/^-?\d+(\.\d+)?$/.test(v) ? v : Number(v);
  }
  return out;
}

/**
 * Starts an in-process memcached server speaking the text and meta protocols, with test
 * controls to simulate hangs, drops, latency and the passage of time.
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`, as a rejection) when an
 *   option is unknown or invalid.
 * @example
 * const server = await startServer();
 * // connect a client to server.address ...
 * await server.close();
 */
export async function startServer(options?: ServerOptions): Promise<MemcachedServer> {
  const settings = resolveServerOptions(options);
  const state = new ServerState(settings);
  const listener: Server =
    settings.tls === undefined
      ? createTcpServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (socket) =>
          state.accept(socket, true),
        )
      : createTlsServer({ ...settings.tls, allowHalfOpen: true }, (socket) =>
          state.accept(socket, false),
        );
  if (settings.tls !== undefined) {
    listener.on('tlsClientError', (err) => settings.logger?.debug(`tls: ${err.message}`));
  }
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(settings.port, settings.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', (err) => settings.logger?.error(`server error: ${err.message}`));
  const addr = listener.address();
  const port = addr !== null && typeof addr === 'object' ? addr.port : settings.port;
  state.port = port;
  const host = settings.host;
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  // memcached's background threads: the LRU maintainer (items age out of HOT and WARM) and the
  // LRU crawler (expired and flushed items leave curr_items/bytes without waiting for a read
  // or an eviction to find them). Unref'd so it never keeps Node alive; stopped by close().
  const crawler = setInterval(() => {
    state.store.maintain();
    if (state.tunables.lruCrawlerEnabled) state.store.crawl(CRAWL_BUDGET);
  }, CRAWL_INTERVAL_MS);
  crawler.unref();
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    address,
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearInterval(crawler);
        listener.close(() => resolve());
        for (const c of state.open) c.destroy();
      });
      return closed;
    },
    hang() {
      state.hung = true;
      for (const c of state.open) c.hang();
    },
    resume() {
      state.hung = false;
      for (const c of state.open) c.unhang();
    },
    dropConnections() {
      for (const c of state.open) c.destroy();
    },
    delay(ms: number) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`Invalid delay: expected milliseconds >= 0, got ${ms}.`);
      state.delayMs = ms;
    },
    advanceClock(seconds: number) {
      if (!Number.isFinite(seconds))
        throw new RangeError(`Invalid clock advance: expected seconds, got ${seconds}.`);
      state.clock.advance(Math.trunc(seconds));
    },
    stats: () => snapshot(state),
    setClusterConfig: (nodes) => state.clusterConfig.set(nodes),
    bufferStats: () => ({
      maxBufferedOutputBytes: state.maxOutput,
      maxBufferedInputBytes: state.maxInput,
      backPressuredConnections: [...state.open].filter((c) => c.backPressured).length,
    }),
  };
}
