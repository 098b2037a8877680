import { performance } from 'node:perf_hooks';
import { toExptime } from '../exptime.js';
import {
  type CacheAsideOptions,
  type CachedOptions,
  cached,
  getMany,
  getOrSet,
  type Loader,
  type ManyLoader,
} from './cache-aside.js';
import {
  ClientBase,
  expectOk,
  expect as expectReply,
  type IncrOptions,
  isIterable,
  latin1,
  protocolError,
  rawBytes,
  type SetOptions,
} from './client-base.js';
import { unavailable } from './cluster.js';
import { type CommandEvent, commandChannel, traceCommand } from './command-channel.js';
import type { Connection } from './connection.js';
import { MultiGet } from './get-sinks.js';
import { LinesRequest, type RawItem, ValueRequest } from './in-flight.js';
import { toWireKey } from './keys.js';
import type { MetaFlags, MetaResult } from './meta.js';
import { Namespace } from './namespace.js';
import type { ClientOptions } from './options.js';
import type { ServerList } from './server-list.js';
import type { ServerNode } from './server-node.js';

export type { IncrOptions, SetOptions } from './client-base.js';

/** A value with its CAS token, as `gets` returns it. */
export interface CasResult<T> {
  value: T;
  /** Opaque 64-bit token for {@link MemcachedClient.cas} (a decimal string). */
  cas: string;
}

/** Per-server stats: `{ "host:port": { pid: 1234, version: "1.6.18", ... } }`. */
export type ServerStats = Record<string, Record<string, string | number>>;

const NUMERIC = /^-?\d+(\.\d+)?$/;
const STATS_KIND = /^[\x21-\x7e]+( [\x21-\x7e]+)*$/;

/**
 * memcached client: pipelined connections, per-tick coalesced multi-gets, libmemcached-compatible
 * ketama placement, per-request deadlines, ejection and re-addition of failed servers.
 * A miss, `NOT_STORED`, `EXISTS` and `NOT_FOUND` are return values; failures reject with
 * `MemcachedError` subclasses carrying a stable `code` and the `server`.
 * @example
 * const client = new MemcachedClient('127.0.0.1:11211');
 * await client.set('greeting', { hello: 'world' }, { ttl: 60 });
 */
export class MemcachedClient extends ClientBase {
  /**
   * @param servers `"host:port"`, `"host:port weight"`, a list of those or of `{ host, port,
   *   weight }`; defaults to `MEMCACHED_SERVERS` (comma-separated), else `127.0.0.1:11211`.
   * @throws RangeError on a malformed server list; MemcachedInvalidOptionError
   *   (`ERR_MEMCACHED_INVALID_OPTION`) on an unknown or bad option, naming it.
   */
  constructor(servers?: ServerList, options: ClientOptions = {}) {
    super(servers, options);
  }

  /**
   * The `"host:port"` that `key` currently maps to: ketama over the servers in service (or the
   * gutter server, or with `remove: false` the ejected server its requests fail fast on).
   * @throws MemcachedError `ERR_MEMCACHED_NO_SERVERS` when every server is ejected.
   */
  serverFor(key: string): string {
    const node = this.cluster.placement(toWireKey(key, this.keyOptions));
    if (node === undefined) throw unavailable(key);
    return node.id;
  }

  /** The value, or `null` on a miss. */
  get<T = unknown>(key: string): Promise<T | null> {
    return this.fetch(key, false) as Promise<T | null>;
  }

  /** The value with its CAS token, or `null` on a miss. */
  gets<T = unknown>(key: string): Promise<CasResult<T> | null> {
    return this.fetch(key, true) as Promise<CasResult<T> | null>;
  }

  /** The hits among `keys` (one multi-get per server); misses are absent from the map. */
  getMulti<T = unknown>(keys: Iterable<string>): Promise<Map<string, T>> {
    if (!commandChannel.hasSubscribers) return this.multiGet(keys, undefined);
    const list = Array.isArray(keys) ? (keys as readonly string[]) : [...keys];
    const event = this.event('getMulti', 'get', list[0], undefined, 0, new Set(list).size);
    let sink: MultiGet | undefined;
    let sent: Promise<Map<string, T>>;
    try {
      sent = this.multiGet(list, event, (s) => {
        sink = s;
      });
    } catch (error) {
      sent = Promise.reject(error);
    }
    return traceCommand(event, sent, (e, result) => {
      e.hits = result.size;
      e.misses = Math.max(0, e.keyCount - result.size);
      e.bytes = sink?.bytes ?? 0;
    });
  }

  /**
   * {@link getMulti} without tracing; with an `event`, fills in its server (when every key went
   * to one) and hands the sink to `onSink` for the bytes read.
   */
  private async multiGet<T>(
    keys: Iterable<string>,
    event: CommandEvent | undefined,
    onSink?: (sink: MultiGet) => void,
  ): Promise<Map<string, T>> {
    this.assertOpen();
    const list = Array.isArray(keys) ? (keys as readonly string[]) : [...keys];
    const n = list.length;
    // Validate and route every key before queueing any, so a bad key sends nothing.
    const onWire = new Array<string>(n);
    const nodes = new Array<ServerNode>(n);
    // Caller keys whose wire form differs (non-ASCII, hashed); the rest come back as they went.
    let renamed: Map<string, string[]> | undefined;
    for (let i = 0; i < n; i++) {
      const key = list[i] as string;
      const wire = toWireKey(key, this.keyOptions);
      const sent = latin1(wire);
      onWire[i] = sent;
      nodes[i] = this.node(wire, key);
      if (sent !== key) {
        renamed ??= new Map();
        const names = renamed.get(sent);
        if (names === undefined) renamed.set(sent, [key]);
        else if (!names.includes(key)) names.push(key);
      }
    }
    const sink = new MultiGet(performance.now() + this.timeoutMs, this.decodeHit, renamed);
    if (event !== undefined) {
      onSink?.(sink);
      const first = nodes[0];
      event.server = first !== undefined && nodes.every((n) => n === first) ? first.id : undefined;
    }
    let lastNode: ServerNode | undefined;
    let connection: Connection | undefined;
    for (let i = 0; i < n; i++) {
      const node = nodes[i] as ServerNode;
      // One connection per server per call, so a call's keys share one batch.
      if (node !== lastNode || connection === undefined) {
        lastNode = node;
        connection = node.connection();
      }
      connection.get(onWire[i] as string, sink);
    }
    sink.arm();
    return sink.promise as Promise<Map<string, T>>;
  }

  /** Stores `value` unconditionally. */
  set(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.store('set', key, value, options, undefined);
  }

  /** Stores only if the key does not exist; `false` when it does. */
  add(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.store('add', key, value, options, undefined);
  }

  /** Stores only if the key exists; `false` when it does not. */
  replace(key: string, value: unknown, options?: SetOptions): Promise<boolean> {
    return this.store('replace', key, value, options, undefined);
  }

  /** Appends raw bytes (a string as UTF-8, or a Buffer); `false` when the key does not exist. */
  append(key: string, data: string | Buffer): Promise<boolean> {
    return this.store('append', key, rawBytes(data), undefined, undefined);
  }

  /** Prepends raw bytes (a string as UTF-8, or a Buffer); `false` when the key does not exist. */
  prepend(key: string, data: string | Buffer): Promise<boolean> {
    return this.store('prepend', key, rawBytes(data), undefined, undefined);
  }

  /** Stores if the item is unchanged since `gets` returned `cas`; `false` on a conflict or miss. */
  cas(key: string, value: unknown, cas: string, options?: SetOptions): Promise<boolean> {
    if (!/^\d{1,20}$/.test(String(cas))) {
      return Promise.reject(new RangeError(`Invalid cas token ${JSON.stringify(cas)}.`));
    }
    return this.store('cas', key, value, options, String(cas));
  }

  /** Sets every entry (pipelined, one write per server); `true` when all were stored. */
  async setMulti(
    entries: Iterable<readonly [string, unknown]> | Record<string, unknown>,
    options?: SetOptions,
  ): Promise<boolean> {
    const list = isIterable(entries) ? [...entries] : Object.entries(entries);
    const stored = await Promise.all(list.map(([k, v]) => this.set(k, v, options)));
    return stored.every(Boolean);
  }

  /** `true` when the key was deleted, `false` when it did not exist. */
  async delete(key: string): Promise<boolean> {
    const { line } = await this.simple('delete', key, (k) => `delete ${k}\r\n`);
    return expectReply(line, 'DELETED', 'NOT_FOUND');
  }

  /** Deletes every key (pipelined); the map says which existed. */
  async deleteMulti(keys: Iterable<string>): Promise<Map<string, boolean>> {
    const list = [...new Set(keys)];
    const deleted = await Promise.all(list.map((k) => this.delete(k)));
    return new Map(list.map((k, i) => [k, deleted[i] as boolean]));
  }

  /**
   * Adds `delta` to a counter: the new value, or `null` when it does not exist. With `initial`,
   * a missing counter is created with `initial` in the same round trip (meta `ma`); note such a
   * counter carries flags 0, so `get` reads it back as a string. memcached counters are unsigned
   * 64-bit; values above 2^53 lose precision as JS numbers.
   */
  incr(key: string, delta = 1, options?: IncrOptions): Promise<number | null> {
    return this.arithmetic('incr', key, delta, options);
  }

  /** Subtracts `delta` (memcached stops at 0); like {@link incr} otherwise. */
  decr(key: string, delta = 1, options?: IncrOptions): Promise<number | null> {
    return this.arithmetic('decr', key, delta, options);
  }

  /** Sets a new TTL; `false` when the key does not exist. */
  async touch(key: string, ttl: number): Promise<boolean> {
    const { line } = await this.simple(
      'touch',
      key,
      (k, n) => `touch ${k} ${this.exptime(ttl, n)}\r\n`,
    );
    return expectReply(line, 'TOUCHED', 'NOT_FOUND');
  }

  /** Gets the value and sets a new TTL in one round trip; `null` on a miss. */
  gat<T = unknown>(key: string, ttl: number): Promise<T | null> {
    const traced = commandChannel.hasSubscribers;
    let server: string | undefined;
    try {
      this.assertOpen();
      const wire = toWireKey(key, this.keyOptions);
      const node = this.node(wire, key);
      server = node.id;
      const request = new ValueRequest(performance.now() + this.timeoutMs);
      node.connection().send(request, `gat ${this.exptime(ttl, node)} ${latin1(wire)}\r\n`);
      if (!traced) return request.promise.then((item) => this.decodeItem<T>(item));
      let bytes = 0;
      const read = request.promise.then((item) => {
        bytes = item === null ? 0 : item.data.length;
        return this.decodeItem<T>(item);
      });
      return traceCommand(this.event('gat', 'gat', key, server, 0), read, (e, result) => {
        e.hits = result === null ? 0 : 1;
        e.misses = 1 - e.hits;
        e.bytes = bytes;
      });
    } catch (error) {
      if (!traced) return Promise.reject(error);
      return traceCommand(this.event('gat', 'gat', key, server, 0), Promise.reject(error));
    }
  }

  private decodeItem<T>(item: RawItem | null): T | null {
    return item === null ? null : (this.decode(item) as T);
  }

  /** Invalidates every item on every live server, after `delaySeconds` if given. */
  async flushAll(delaySeconds?: number): Promise<void> {
    const tail = delaySeconds === undefined ? '' : ` ${toExptime(delaySeconds)}`;
    const replies = await this.broadcast('flushAll', 'flush_all', (node) =>
      this.line(node, `flush_all${tail}\r\n`),
    );
    for (const [server, reply] of replies) expectOk(reply.line, 'OK', server);
  }

  /** `stats [kind]` of every live server, numbers parsed. */
  async stats(kind?: string): Promise<ServerStats> {
    if (kind !== undefined && !STATS_KIND.test(kind)) {
      throw new RangeError(`Invalid stats kind ${JSON.stringify(kind)}.`);
    }
    const command = kind === undefined ? 'stats\r\n' : `stats ${kind}\r\n`;
    const replies = await this.broadcast('stats', 'stats', (node) => {
      const request = new LinesRequest(performance.now() + this.timeoutMs);
      node.connection().send(request, command);
      return request.promise;
    });
    const out: ServerStats = {};
    for (const [server, lines] of replies) {
      const stats: Record<string, string | number> = {};
      for (const line of lines) {
        // STAT <name> <value...>
        const a = line.indexOf(' ', 5);
        if (a < 0) continue;
        const value = line.slice(a + 1);
        stats[line.slice(5, a)] = NUMERIC.test(value) ? Number(value) : value;
      }
      out[server] = stats;
    }
    return out;
  }

  /** The version string of every live server. */
  async version(): Promise<Record<string, string>> {
    const replies = await this.broadcast('version', 'version', (node) =>
      this.line(node, 'version\r\n'),
    );
    const out: Record<string, string> = {};
    for (const [server, reply] of replies) {
      if (!reply.line.startsWith('VERSION ')) throw protocolError(reply.line, server);
      out[server] = reply.line.slice(8);
    }
    return out;
  }

  /** Meta get (`mg`), e.g. `metaGet(key, ['v', 'c', 't', 'N30'])`. */
  metaGet(key: string, flags: MetaFlags = ['v']): Promise<MetaResult> {
    return this.meta('mg', key, flags, undefined);
  }

  /** Meta set (`ms`) of raw bytes, e.g. `metaSet(key, data, ['T60', 'F0', 'C123'])`. */
  metaSet(key: string, data: string | Buffer, flags: MetaFlags = []): Promise<MetaResult> {
    return this.meta('ms', key, flags, rawBytes(data));
  }

  /** Meta delete (`md`), e.g. `metaDelete(key, ['I', 'T30'])` to mark stale. */
  metaDelete(key: string, flags: MetaFlags = []): Promise<MetaResult> {
    return this.meta('md', key, flags, undefined);
  }

  /** Meta arithmetic (`ma`), e.g. `metaArithmetic(key, ['N0', 'J1', 'D5', 'v'])`. */
  metaArithmetic(key: string, flags: MetaFlags = []): Promise<MetaResult> {
    return this.meta('ma', key, flags, undefined);
  }

  /**
   * The cached value of `key`, or on a miss the loader's value, stored with `ttl`. Concurrent
   * callers of one key in this process share one loader call (single-flight).
   */
  getOrSet<T>(key: string, loader: Loader<T>, options?: CacheAsideOptions): Promise<T> {
    return getOrSet(this, key, loader, options);
  }

  /** Wraps `fn` so each call is cached under a key derived from its arguments. */
  cached<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    options?: CachedOptions<A>,
  ): (...args: A) => Promise<R> {
    return cached(this, fn, options);
  }

  /** One multi-get, one `loadMissing` call for the misses, one multi-set of what it loaded. */
  getMany<T>(
    keys: Iterable<string>,
    loadMissing: ManyLoader<T>,
    options?: CacheAsideOptions,
  ): Promise<Map<string, T>> {
    return getMany(this, keys, loadMissing, options);
  }

  /** A prefixed view of the key operations whose `invalidate()` retires all its keys in O(1). */
  namespace(name: string): Namespace {
    return new Namespace(this, name);
  }

  /**
   * Stops taking requests and closes every connection once its requests have settled.
   * Idempotent.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.discovery?.stop();
    await this.cluster.close();
  }
}
