import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { MemcachedError, MemcachedProtocolError, MemcachedSerializationError } from '../errors.js';
import { toExptime } from '../exptime.js';
import type { Reply } from '../protocol/reply-parser.js';
import type { ClientEvents } from './client-events.js';
import { Cluster, unavailable } from './cluster.js';
import { clusterEvents, discoveryEvents } from './cluster-events.js';
import { CODEC_FLAGS_MASK, ValueCodec } from './codec.js';
import {
  type CommandEvent,
  commandChannel,
  commandEvent,
  traceCommand,
} from './command-channel.js';
import { Discovery } from './discovery.js';
import { type HitDecoder, SingleGet } from './get-sinks.js';
import { LineRequest, type RawItem, StoreRequest } from './in-flight.js';
import { toWireKey } from './keys.js';
import { encodeMetaFlags, type MetaFlags, type MetaResult, parseMetaReply } from './meta.js';
import { MetaRequest, nextOpaque } from './meta-request.js';
import { type ClientOptions, type ResolvedClientOptions, resolveClientOptions } from './options.js';
import { parseServerList, type ServerList } from './server-list.js';
import type { ServerNode } from './server-node.js';

/** Options of the storage commands. */
export interface SetOptions {
  /** Seconds until expiry; 0 never expires. Over 30 days is sent as an absolute time. @default 0 */
  ttl?: number;
  /** Application flag bits stored with the value; bits 0-7 belong to the codec. @default 0 */
  flags?: number;
}

/** Options of `incr`/`decr`. */
export interface IncrOptions {
  /** When given, a missing counter is created with this value (atomically, via meta `ma`). */
  initial?: number;
  /** TTL in seconds of a counter created from `initial`. @default 0 */
  ttl?: number;
}

/**
 * The plumbing under {@link MemcachedClient}: options, placement, request building and reply
 * checking. Its public API lives in the subclass.
 */
export abstract class ClientBase extends EventEmitter<ClientEvents> {
  /** The resolved options. */
  readonly options: ResolvedClientOptions;
  protected readonly cluster: Cluster;
  protected readonly codec: ValueCodec;
  protected readonly keyOptions: { hashLongKeys: boolean };
  protected readonly timeoutMs: number;
  protected closed = false;
  protected readonly discovery: Discovery | undefined;

  constructor(servers?: ServerList, options: ClientOptions = {}) {
    super();
    this.options = resolveClientOptions(options);
    const o = this.options;
    this.timeoutMs = o.timeoutMs;
    this.keyOptions = { hashLongKeys: o.hashLongKeys };
    this.codec = new ValueCodec({
      serializer: o.serializer,
      compress: o.compress,
      maxValueSize: o.maxValueSize,
    });
    const gutter = o.gutter === undefined ? [] : parseServerList(o.gutter, {});
    // With discovery, no list means none until the first answer (not MEMCACHED_SERVERS).
    const initial =
      o.discovery !== undefined && servers === undefined ? [] : parseServerList(servers);
    this.cluster = new Cluster(initial, gutter, o, clusterEvents(this, o));
    if (o.discovery !== undefined) {
      this.discovery = new Discovery(
        o.discovery,
        o.tls,
        o.connectTimeoutMs + o.timeoutMs,
        discoveryEvents(this, o, this.cluster, () => this.closed),
      );
      this.discovery.start();
    }
  }

  /** The servers on the ring now (`"host:port"`), as listed or last discovered. */
  get servers(): string[] {
    return this.cluster.nodes.map((n) => n.id);
  }

  /**
   * Resolves once discovery has found the fleet (at once without discovery); rejects with
   * `ERR_MEMCACHED_DISCOVERY` when the next round fails. Requests made before then go to the
   * `servers` given, or fail with `ERR_MEMCACHED_NO_SERVERS` when none were.
   */
  ready(): Promise<void> {
    return this.discovery === undefined ? Promise.resolve() : this.discovery.ready();
  }

  /** Asks discovery for the fleet now instead of at the next interval. */
  refreshServers(): Promise<void> {
    return this.discovery === undefined ? Promise.resolve() : this.discovery.refresh();
  }

  protected assertOpen(): void {
    if (this.closed) {
      throw new MemcachedError('ERR_MEMCACHED_CLOSED', 'The client is closed.');
    }
  }

  protected node(wire: string, key: string): ServerNode {
    const node = this.cluster.route(wire);
    if (node === undefined)
      throw this.cluster.nodes.length === 0 ? noServersYet() : unavailable(key);
    return node;
  }

  /**
   * A `get` (`gets` with `wantsCas`) resolving with the decoded value (`{ value, cas }`), or null
   * on a miss. Never throws: a bad key or a closed client is a rejected promise.
   */
  protected fetch(key: string, wantsCas: boolean): Promise<unknown> {
    // Checked once per request: with no subscriber, tracing costs this one read.
    const traced = commandChannel.hasSubscribers;
    try {
      this.assertOpen();
      const wire = toWireKey(key, this.keyOptions);
      const sink = new SingleGet(performance.now() + this.timeoutMs, wantsCas, this.decodeHit);
      const node = this.node(wire, key);
      node.connection().get(latin1(wire), sink);
      if (!traced) return sink.promise;
      const operation = wantsCas ? 'gets' : 'get';
      return traceCommand(
        this.event(operation, operation, key, node.id, 0),
        sink.promise,
        (e, result) => {
          e.hits = result === null ? 0 : 1;
          e.misses = 1 - e.hits;
          e.bytes = sink.bytes;
        },
      );
    } catch (error) {
      if (!traced) return Promise.reject(error);
      const operation = wantsCas ? 'gets' : 'get';
      const event = this.event(operation, operation, key, undefined, 0);
      return traceCommand(event, Promise.reject(error));
    }
  }

  /** The codec's in-place decode, bound for use as a {@link HitDecoder}. */
  protected readonly decodeHit: HitDecoder = (block, start, end, flags, shared) =>
    this.codec.decodeBlock(block, start, end, flags, shared);

  protected decode(item: RawItem): unknown {
    return this.codec.decode(item.data, item.flags);
  }

  protected exptime(ttl: number | undefined, node: ServerNode): number {
    if (node.gutter) {
      // Gutter servers hold keys only while their server is out: cap TTLs so stale copies age
      // out quickly once it is back.
      const cap = this.options.gutterTtl;
      return toExptime(ttl === undefined || ttl === 0 || ttl > cap ? cap : ttl);
    }
    return toExptime(ttl);
  }

  protected store(
    command: 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas',
    key: string,
    value: unknown,
    options: SetOptions | undefined,
    cas: string | undefined,
  ): Promise<boolean> {
    const traced = commandChannel.hasSubscribers;
    let server: string | undefined;
    let bytes = 0;
    try {
      this.assertOpen();
      const wire = toWireKey(key, this.keyOptions);
      let data: Buffer | string;
      let length: number;
      let flags = 0;
      if (command === 'append' || command === 'prepend') {
        data = value as Buffer;
        length = data.length;
      } else {
        const encoded = this.codec.encodeWire(value);
        data = encoded.data;
        length = encoded.length;
        flags = encoded.flags;
        const extra = options?.flags;
        if (extra !== undefined) {
          if (
            !Number.isInteger(extra) ||
            extra < 0 ||
            extra > 0xffffffff ||
            extra & CODEC_FLAGS_MASK
          ) {
            throw new RangeError(
              `Invalid flags ${extra}: expected an integer with bits 0-7 clear (they belong to the codec).`,
            );
          }
          flags = (flags | extra) >>> 0;
        }
      }
      bytes = length;
      const node = this.node(wire, key);
      server = node.id;
      const exptime = this.exptime(options?.ttl, node);
      const tail = cas === undefined ? '\r\n' : ` ${cas}\r\n`;
      const request = new StoreRequest(performance.now() + this.timeoutMs, node.id);
      node
        .connection()
        .send(request, `${command} ${latin1(wire)} ${flags} ${exptime} ${length}${tail}`, data);
      if (!traced) return request.promise;
      return traceCommand(this.event(command, command, key, server, bytes), request.promise);
    } catch (error) {
      if (!traced) return Promise.reject(error);
      return traceCommand(this.event(command, command, key, server, bytes), Promise.reject(error));
    }
  }

  /** A command event for a single-key request. */
  protected event(
    method: string,
    operation: string,
    key: string | undefined,
    server: string | undefined,
    bytes: number,
    keyCount: number = key === undefined ? 0 : 1,
  ): CommandEvent {
    const event = commandEvent(this, method, operation, key, keyCount, bytes);
    event.server = server;
    return event;
  }

  /** A one-key, one-line command; `method` names it on the command channel. */
  protected simple(
    method: string,
    key: string,
    command: (onWire: string, node: ServerNode) => string,
  ): Promise<Reply> {
    const traced = commandChannel.hasSubscribers;
    let server: string | undefined;
    try {
      this.assertOpen();
      const wire = toWireKey(key, this.keyOptions);
      const node = this.node(wire, key);
      server = node.id;
      const text = command(latin1(wire), node);
      const reply = this.line(node, text);
      if (!traced) return reply;
      const operation = text.slice(0, text.indexOf(' '));
      return traceCommand(this.event(method, operation, key, server, 0), reply);
    } catch (error) {
      if (!traced) return Promise.reject(error);
      return traceCommand(this.event(method, method, key, server, 0), Promise.reject(error));
    }
  }

  protected line(node: ServerNode, command: string): Promise<Reply> {
    const request = new LineRequest(performance.now() + this.timeoutMs);
    node.connection().send(request, command);
    return request.promise;
  }

  protected async arithmetic(
    command: 'incr' | 'decr',
    key: string,
    delta: number,
    options: IncrOptions | undefined,
  ): Promise<number | null> {
    counter('delta', delta);
    const initial = options?.initial;
    let server = '';
    if (initial === undefined) {
      const { line } = await this.simple(command, key, (k, node) => {
        server = node.id;
        return `${command} ${k} ${delta}\r\n`;
      });
      if (line === 'NOT_FOUND') return null;
      if (!/^\d+$/.test(line)) throw protocolError(line, server);
      return Number(line);
    }
    counter('initial', initial);
    const traced = commandChannel.hasSubscribers;
    let pending: Promise<Reply>;
    try {
      this.assertOpen();
      const wire = toWireKey(key, this.keyOptions);
      const node = this.node(wire, key);
      server = node.id;
      const mode = command === 'decr' ? ' MD' : '';
      const opaque = nextOpaque();
      const request = new MetaRequest(performance.now() + this.timeoutMs, opaque, server);
      node
        .connection()
        .send(
          request,
          `ma ${latin1(wire)} N${this.exptime(options?.ttl, node)} J${initial} D${delta} v${mode} ${opaque}\r\n`,
        );
      pending = request.promise;
    } catch (error) {
      pending = Promise.reject(error);
    }
    const reply = await (traced
      ? traceCommand(this.event(command, 'ma', key, server || undefined, 0), pending)
      : pending);
    const result = parseMetaReply(reply, server);
    if (result.status === 'NF') return null;
    if (result.status !== 'VA' || result.value === undefined) {
      throw protocolError(reply.line, server);
    }
    return Number(result.value.toString('latin1'));
  }

  protected meta(
    command: 'mg' | 'ms' | 'md' | 'ma',
    key: string,
    flags: MetaFlags,
    data: Buffer | undefined,
  ): Promise<MetaResult> {
    const traced = commandChannel.hasSubscribers;
    let server: string | undefined;
    const bytes = data === undefined ? 0 : data.length;
    try {
      this.assertOpen();
      const tail = encodeMetaFlags(flags);
      const wire = toWireKey(key, this.keyOptions);
      const node = this.node(wire, key);
      server = node.id;
      const size = data === undefined ? '' : ` ${data.length}`;
      // Every meta request carries an opaque its reply must echo; a caller's own O flag serves.
      const own = flags.find((f) => f.charCodeAt(0) === 0x4f /* O */);
      const opaque = own ?? nextOpaque();
      const request = new MetaRequest(performance.now() + this.timeoutMs, opaque, node.id);
      const tag = own === undefined ? ` ${opaque}` : '';
      node.connection().send(request, `${command} ${latin1(wire)}${size}${tail}${tag}\r\n`, data);
      const result = request.promise.then((reply) => {
        const r = parseMetaReply(reply, node.id);
        if (own === undefined) delete r.flags.O;
        return r;
      });
      if (!traced) return result;
      return traceCommand(
        this.event(META_METHODS[command], command, key, server, bytes),
        result,
        (e, r) => {
          if (command !== 'mg') return;
          // A meta get hits unless it reports EN; with `v` the value's bytes come back.
          e.hits = r.status === 'EN' ? 0 : 1;
          e.misses = 1 - e.hits;
          e.bytes = r.value?.length ?? 0;
        },
      );
    } catch (error) {
      if (!traced) return Promise.reject(error);
      const event = this.event(META_METHODS[command], command, key, server, bytes);
      return traceCommand(event, Promise.reject(error));
    }
  }

  /** Runs `run` on every live server; traced as one command to no single server. */
  protected broadcast<R>(
    method: string,
    operation: string,
    run: (node: ServerNode) => Promise<R>,
  ): Promise<[string, R][]> {
    const all = this.broadcastNow(run);
    if (!commandChannel.hasSubscribers) return all;
    return traceCommand(this.event(method, operation, undefined, undefined, 0), all);
  }

  private async broadcastNow<R>(run: (node: ServerNode) => Promise<R>): Promise<[string, R][]> {
    this.assertOpen();
    const nodes = this.cluster.liveNodes();
    if (nodes.length === 0) {
      throw new MemcachedError('ERR_MEMCACHED_NO_SERVERS', 'Every server is ejected.');
    }
    const results = await Promise.all(nodes.map((n) => run(n)));
    return nodes.map((n, i) => [n.id, results[i] as R]);
  }
}

/** The client method of each meta command, as the command channel names it. */
const META_METHODS = {
  mg: 'metaGet',
  ms: 'metaSet',
  md: 'metaDelete',
  ma: 'metaArithmetic',
} as const;

/** The error for a request made before discovery has found any server. */
function noServersYet(): MemcachedError {
  return new MemcachedError(
    'ERR_MEMCACHED_NO_SERVERS',
    'No servers yet: discovery has not found the fleet (await client.ready() before the first request).',
  );
}

/** The wire key as the latin1 string whose bytes are its UTF-8 (ASCII keys are unchanged). */
export function latin1(wire: string): string {
  for (let i = 0; i < wire.length; i++) {
    if (wire.charCodeAt(i) > 0x7f) return Buffer.from(wire, 'utf8').toString('latin1');
  }
  return wire;
}

/** Bytes for append/prepend/metaSet: a string as UTF-8, a Buffer as is. */
export function rawBytes(data: string | Buffer): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (Buffer.isBuffer(data)) return data;
  throw new MemcachedSerializationError('append/prepend/metaSet take a string or a Buffer.');
}

/** Tells entry iterables from plain records in `setMulti`. */
export function isIterable(value: object): value is Iterable<readonly [string, unknown]> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** @throws RangeError unless `value` is a non-negative safe integer. */
export function counter(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Invalid ${name} ${value}: expected a non-negative safe integer.`);
  }
}

/** Maps the two expected reply lines to true/false; anything else is a protocol error. */
export function expect(line: string, yes: string, no: string): boolean {
  if (line === yes) return true;
  if (line === no) return false;
  throw protocolError(line, undefined);
}

/** @throws MemcachedProtocolError unless the reply is `ok`. */
export function expectOk(line: string, ok: string, server: string): void {
  if (line !== ok) throw protocolError(line, server);
}

/** The error for a reply line that makes no sense for the request. */
export function protocolError(line: string, server: string | undefined): MemcachedProtocolError {
  return new MemcachedProtocolError(`Unexpected reply ${JSON.stringify(line.slice(0, 80))}`, {
    server,
  });
}
