import { performance } from 'node:perf_hooks';
import { MemcachedError, MemcachedInvalidOptionError } from '../errors.js';
import type { ConnectionSettings } from './connection.js';
import { LineRequest } from './in-flight.js';
import { KetamaRing, type RingNode } from './ketama.js';
import type { ResolvedClientOptions } from './options.js';
import type { ServerAddress } from './server-list.js';
import { type NodeListener, ServerNode } from './server-node.js';

/** Health changes the cluster reports to the client, which turns them into events. */
export interface ClusterListener {
  failure(node: ServerNode, error: MemcachedError): void;
  remove(node: ServerNode, error: MemcachedError): void;
  reconnecting(node: ServerNode): void;
  reconnect(node: ServerNode): void;
  probeFailed(node: ServerNode, error: unknown): void;
}

/**
 * The servers and where keys go: libmemcached's ketama over the live servers, ejection after
 * `failureLimit` consecutive failures, a probe after `retryDelayMs` that re-adds the server, and
 * the optional gutter pool that takes an ejected server's keys.
 */
export class Cluster implements NodeListener {
  /** The main servers, in the order they were listed or discovered. */
  nodes: readonly ServerNode[];
  readonly gutterNodes: readonly ServerNode[];
  private readonly options: ResolvedClientOptions;
  private readonly listener: ClusterListener;
  private ring: KetamaRing | undefined;
  private single: ServerNode | undefined;
  private gutterRing: KetamaRing | undefined;
  private readonly byId = new Map<string, ServerNode>();
  private readonly probes = new Set<NodeJS.Timeout>();
  private readonly settings: ConnectionSettings;
  private closed = false;

  constructor(
    servers: readonly ServerAddress[],
    gutter: readonly ServerAddress[],
    options: ResolvedClientOptions,
    listener: ClusterListener,
  ) {
    this.options = options;
    this.listener = listener;
    this.settings = {
      connectTimeoutMs: options.connectTimeoutMs,
      tls: options.tls,
      maxValueSize: options.maxValueSize,
      auth: options.auth,
    };
    this.nodes = servers.map((a) => this.make(a, false));
    this.gutterNodes = gutter.map((a) => this.make(a, true));
    this.rebuild();
  }

  /**
   * Changes the main servers to `servers` (discovery): kept servers keep their connections and
   * health, new ones join, and removed ones leave the ring at once and close their connections
   * once the requests already sent to them settle. Ketama moves only the keys of the servers
   * that came or went.
   * @throws RangeError when a server is also in the gutter pool (nothing changes).
   */
  setServers(servers: readonly ServerAddress[]): { added: string[]; removed: string[] } {
    const wanted = new Set(servers.map((a) => a.id));
    for (const a of servers) {
      if (this.byId.get(a.id)?.gutter) {
        throw new RangeError(`Discovered server ${a.id} is also in the gutter pool.`);
      }
    }
    const removed = this.nodes.filter((n) => !wanted.has(n.id));
    const added: string[] = [];
    this.nodes = servers.map((a) => {
      const existing = this.byId.get(a.id);
      if (existing !== undefined) return existing;
      added.push(a.id);
      return this.make(a, false);
    });
    for (const node of removed) {
      node.retired = true;
      this.byId.delete(node.id);
      void node.end();
    }
    if (added.length > 0 || removed.length > 0) this.rebuild();
    return { added, removed: removed.map((n) => n.id) };
  }

  private make(a: ServerAddress, isGutter: boolean): ServerNode {
    if (this.byId.has(a.id)) {
      throw new MemcachedInvalidOptionError(
        'gutter',
        `Invalid option "gutter": expected servers apart from the main ones, got ${a.id}, which is also a main server.`,
      );
    }
    const node = new ServerNode(a, this.settings, this.options.poolSize, this, isGutter);
    this.byId.set(a.id, node);
    return node;
  }

  /**
   * The server for a wire key, or undefined when none may take it (its server is ejected with
   * `remove: false`, or every server is out).
   */
  route(key: string): ServerNode | undefined {
    const single = this.single;
    if (single !== undefined) return single;
    const ring = this.ring;
    if (ring === undefined) return undefined;
    const node = this.own(ring.nodeFor(key));
    if (!node.ejected) return node;
    const gutter = this.gutterRing;
    return gutter === undefined ? undefined : this.own(gutter.nodeFor(key));
  }

  /** Where `key` is placed: its live server, else the ejected owner its requests fail on. */
  placement(key: string): ServerNode | undefined {
    const node = this.route(key);
    if (node !== undefined) return node;
    return this.ring === undefined ? undefined : this.own(this.ring.nodeFor(key));
  }

  /** Main servers currently in service (for stats, version, flush_all). */
  liveNodes(): ServerNode[] {
    return this.nodes.filter((n) => !n.ejected);
  }

  onNodeFailure(node: ServerNode, error: MemcachedError): void {
    this.listener.failure(node, error);
    if (this.closed || node.retired || node.ejected || node.failures < this.options.failureLimit)
      return;
    node.ejected = true;
    this.rebuild();
    this.listener.remove(node, error);
    this.scheduleProbe(node);
  }

  onNodeRecovered(node: ServerNode): void {
    if (node.ejected) return;
    this.listener.reconnect(node);
  }

  onNodeReconnecting(node: ServerNode): void {
    this.listener.reconnecting(node);
  }

  /** Stops probing and closes every connection after its requests settle. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.probes) clearTimeout(t);
    this.probes.clear();
    await Promise.all([...this.byId.values()].map((n) => n.end()));
    // Retired servers' connections close on their own once their requests settle.
  }

  private own(ringNode: RingNode): ServerNode {
    return ringNode instanceof ServerNode ? ringNode : (this.byId.get(ringNode.id) as ServerNode);
  }

  private rebuild(): void {
    const { remove } = this.options;
    const hasGutter = this.gutterNodes.length > 0;
    // With a gutter or `remove: false` the main ring never changes: an ejected server's keys are
    // detected at routing time instead of being rehashed onto the others.
    const members = hasGutter || !remove ? this.nodes : this.nodes.filter((n) => !n.ejected);
    this.ring = members.length === 0 ? undefined : new KetamaRing(members);
    this.single = members.length === 1 && !members[0]?.ejected ? members[0] : undefined;
    if (members.length === 1 && members[0]?.ejected && !hasGutter) this.ring = undefined;
    const gutters = this.gutterNodes.filter((n) => !n.ejected);
    this.gutterRing = gutters.length === 0 ? undefined : new KetamaRing(gutters);
  }

  private scheduleProbe(node: ServerNode): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.probes.delete(timer);
      this.probe(node);
    }, this.options.retryDelayMs);
    timer.unref();
    this.probes.add(timer);
  }

  private probe(node: ServerNode): void {
    if (this.closed || node.retired) return;
    // node.connection() reports `reconnecting` itself when it opens a new socket.
    const request = new LineRequest(performance.now() + this.options.timeoutMs);
    node.connection().send(request, 'version\r\n');
    request.promise.then(
      (reply) => {
        if (this.closed || node.retired) return;
        if (!reply.line.startsWith('VERSION')) {
          this.listener.probeFailed(node, new Error(`unexpected reply ${reply.line}`));
          this.scheduleProbe(node);
          return;
        }
        node.ejected = false;
        node.failures = 0;
        this.rebuild();
        this.listener.reconnect(node);
      },
      (error: unknown) => {
        this.listener.probeFailed(node, error);
        this.scheduleProbe(node);
      },
    );
  }
}

/** The error for a key whose server may not be used. */
export function unavailable(key: string): MemcachedError {
  return new MemcachedError(
    'ERR_MEMCACHED_NO_SERVERS',
    `No server available for key ${JSON.stringify(key.slice(0, 40))}: its server is ejected after failures and no other may take it.`,
  );
}
