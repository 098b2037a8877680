import { performance } from 'node:perf_hooks';
import { MemcachedError } from '../errors.js';
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
  readonly nodes: readonly ServerNode[];
  readonly gutterNodes: readonly ServerNode[];
  private readonly options: ResolvedClientOptions;
  private readonly listener: ClusterListener;
  private ring: KetamaRing | undefined;
  private single: ServerNode | undefined;
  private gutterRing: KetamaRing | undefined;
  private readonly byId = new Map<string, ServerNode>();
  private readonly probes = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    servers: readonly ServerAddress[],
    gutter: readonly ServerAddress[],
    options: ResolvedClientOptions,
    listener: ClusterListener,
  ) {
    this.options = options;
    this.listener = listener;
    const settings: ConnectionSettings = {
      connectTimeoutMs: options.connectTimeoutMs,
      tls: options.tls,
      maxValueSize: options.maxValueSize,
      auth: options.auth,
    };
    const make = (a: ServerAddress, isGutter: boolean) => {
      if (this.byId.has(a.id)) {
        throw new RangeError(`Invalid option "gutter": ${a.id} is also a main server.`);
      }
      const node = new ServerNode(a, settings, options.poolSize, this, isGutter);
      this.byId.set(a.id, node);
      return node;
    };
    this.nodes = servers.map((a) => make(a, false));
    this.gutterNodes = gutter.map((a) => make(a, true));
    this.rebuild();
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
    if (this.closed || node.ejected || node.failures < this.options.failureLimit) return;
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
    if (this.closed) return;
    // node.connection() reports `reconnecting` itself when it opens a new socket.
    const request = new LineRequest(performance.now() + this.options.timeoutMs);
    node.connection().send(request, 'version\r\n');
    request.promise.then(
      (reply) => {
        if (this.closed) return;
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
