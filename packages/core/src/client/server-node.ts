import type { MemcachedError } from '../errors.js';
import { Connection, type ConnectionOwner, type ConnectionSettings } from './connection.js';
import type { RingNode } from './ketama.js';
import type { ServerAddress } from './server-list.js';

/** How a server node reports health changes to the cluster. */
export interface NodeListener {
  /** A connection of `node` failed (connect, timeout, reset, garbage): one failure incident. */
  onNodeFailure(node: ServerNode, error: MemcachedError): void;
  /** A node that had failed answered again. */
  onNodeRecovered(node: ServerNode): void;
  /** A new connection is being opened to a node whose previous one failed. */
  onNodeReconnecting(node: ServerNode): void;
}

/**
 * One memcached server: its pool of pipelined connections (opened lazily, round-robin) and its
 * health. It is also the object placed on the ketama ring, so routing needs no lookup.
 */
export class ServerNode implements RingNode, ConnectionOwner {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  /** True for a member of the `gutter` pool. */
  readonly gutter: boolean;
  /** Consecutive failure incidents since the last reply. */
  failures = 0;
  /** Out of the ring until a probe succeeds. */
  ejected = false;
  /** No longer part of the fleet (discovery dropped it): never routed to or probed again. */
  retired = false;
  private readonly address: ServerAddress;
  private readonly settings: ConnectionSettings;
  private readonly listener: NodeListener;
  private readonly connections: (Connection | undefined)[];
  private next = 0;
  private broken = false;

  constructor(
    address: ServerAddress,
    settings: ConnectionSettings,
    poolSize: number,
    listener: NodeListener,
    gutter: boolean,
  ) {
    this.address = address;
    this.id = address.id;
    this.host = address.host;
    this.port = address.port;
    this.weight = address.weight;
    this.settings = settings;
    this.listener = listener;
    this.gutter = gutter;
    this.connections = new Array<Connection | undefined>(poolSize).fill(undefined);
  }

  /** A connection to send on, opening one if its pool slot is empty. */
  connection(): Connection {
    const slots = this.connections;
    const i = this.next;
    this.next = i + 1 === slots.length ? 0 : i + 1;
    const existing = slots[i];
    if (existing?.usable) return existing;
    if (this.broken) this.listener.onNodeReconnecting(this);
    const created = new Connection(this.address, this.settings, this);
    slots[i] = created;
    return created;
  }

  /** Requests in flight over all of this server's connections. */
  get pending(): number {
    let n = 0;
    for (const c of this.connections) if (c !== undefined) n += c.pending;
    return n;
  }

  onReplyReceived(): void {
    if (this.failures !== 0 || this.broken) {
      this.failures = 0;
      this.broken = false;
      this.listener.onNodeRecovered(this);
    }
  }

  onConnected(): void {}

  onClosed(connection: Connection, error: MemcachedError | undefined): void {
    const i = this.connections.indexOf(connection);
    if (i >= 0) this.connections[i] = undefined;
    if (error === undefined) return;
    this.broken = true;
    this.failures++;
    this.listener.onNodeFailure(this, error);
  }

  /** Fails everything in flight with `error` and drops the connections. */
  destroy(error: MemcachedError): void {
    for (const c of this.connections) c?.destroy(error);
  }

  /** Closes every connection once its requests have settled. */
  async end(): Promise<void> {
    await Promise.all(this.connections.map((c) => c?.end()));
  }
}
