import type { ServerClock } from './clock.js';
import type { ClusterConfig } from './cluster-config.js';
import type { ResolvedServerOptions } from './options.js';
import type { PrefixStats } from './prefix-stats.js';
import type { SlabClass } from './slabs.js';
import type { ServerStats } from './stats.js';
import type { Store } from './store.js';
import type { Tunables } from './tunables.js';

/** Server-wide state every command handler may use. */
export interface ServerContext {
  readonly store: Store;
  readonly stats: ServerStats;
  readonly clock: ServerClock;
  readonly settings: ResolvedServerOptions;
  readonly slabClasses: readonly SlabClass[];
  /** memcached's `settings.verbose`, changed by the `verbosity` command. */
  verbosity: number;
  /** `stats detail on|off`: whether `prefixStats` records. */
  detailEnabled: boolean;
  /** Per-prefix counters for `stats detail dump`. */
  readonly prefixStats: PrefixStats;
  /** Settings admin commands change, reported by `stats settings`. */
  readonly tunables: Tunables;
  /** Unix seconds when the server started, for `stats`. */
  readonly startedAt: number;
  /** Port actually listened on (for `stats settings`/`stats conns`). */
  readonly port: number;
  /** What `config get cluster` serves (ElastiCache auto-discovery). */
  readonly clusterConfig: ClusterConfig;
  /** The open client connections, for `stats conns`. */
  connections(): Iterable<ConnectionInfo>;
}

/** What `stats conns` shows about one client connection. */
export interface ConnectionInfo {
  /** A small id standing in for memcached's file descriptor. */
  readonly id: number;
  /** `tcp:host:port` of the peer. */
  readonly remote: string;
  /** Server-clock second of the last command. */
  readonly lastCommandAt: number;
}

/**
 * What a command handler gets for one request line. Implemented by the connection.
 *
 * Contract (for the text commands here and the meta commands in `./meta/`):
 * - `tokens` are the request line split on single spaces (runs of spaces collapse, as in
 *   memcached's tokenizer), as latin1 strings so every key byte is one char; `tokens[0]` is
 *   the command name. memcached's `ntokens` is `tokens.length + 1`. The line never contains
 *   the trailing `\r\n`.
 * - Replies are queued in order with `write`/`writeBuffer` (raw bytes) or `reply`/`error`
 *   (one line, `\r\n` appended). `reply` follows memcached's out_string: when `noreply` is set
 *   it writes nothing and clears it. `error` is out_errstring: it clears `noreply` first, so
 *   the line is always written. Handlers run synchronously; everything written before the
 *   handler returns (or before its `readData` callback returns) goes out in order with the
 *   replies of the neighbouring pipelined commands, which is what `mn` relies on.
 * - A storage command calls `readData(length, cb, reserved)` once, as its last action, where
 *   `reserved` is what `store.reservePending` charged for the value (default 0); the
 *   connection gives it back when the value is complete (before `cb`) or abandoned. The connection
 *   reads `length` bytes plus the 2-byte terminator and calls `cb(value)` with the `length`
 *   bytes in a Buffer of their own (safe to keep in an item). If the two bytes after the value
 *   are not `\r\n`, `cb(undefined)` is called instead (all `length + 2` bytes are consumed;
 *   the handler answers, memcached says `CLIENT_ERROR bad data chunk`).
 * - `swallow(length)` discards the next `length + 2` bytes without buffering them (memcached's
 *   conn_swallow after `SERVER_ERROR object too large for cache`).
 * - `close()` closes the connection after what was written so far is sent (quit, fatal errors).
 */
export interface CommandContext {
  readonly server: ServerContext;
  /** memcached's `c->noreply` for the current command; reset before each line. */
  noreply: boolean;
  /** Queues raw reply bytes given as a latin1 string. */
  write(data: string): void;
  /** Queues raw reply bytes. */
  writeBuffer(data: Buffer): void;
  /** out_string: `line` + \r\n unless noreply (which it clears). */
  reply(line: string): void;
  /** out_errstring: clears noreply, then writes `line` + \r\n. */
  error(line: string): void;
  /** Reads the data block of a storage command (see the contract above). */
  readData(length: number, done: (value: Buffer | undefined) => void, reserved?: number): void;
  /** Discards the next `length + 2` bytes. */
  swallow(length: number): void;
  /** Closes the connection once the queued replies are flushed. */
  close(): void;
  /** Whether replies were already queued in this batch before the current command. */
  hasPendingOutput(): boolean;
  /** Drops every reply queued and not yet sent (memcached's conn_release_items). */
  discardPendingOutput(): void;
  /**
   * Marks the replies queued so far as sent: memcached transmits at once after get, gets,
   * gat, gats and mn, so a later `discardPendingOutput()` must not drop them. (Bytes still
   * leave in one socket write per batch.)
   */
  transmit(): void;
}

/** A command: handles one request line. `tokens[0]` is the command name. */
export type CommandHandler = (ctx: CommandContext, tokens: string[]) => void;
