import { isIP } from 'node:net';

/**
 * The cluster configuration an ElastiCache configuration endpoint serves (`config get
 * cluster`): a version that moves on every change and the nodes as `host|ip|port`. memcached
 * itself has no such command; the in-process server answers it only when given nodes, so tests
 * and demos exercise auto-discovery without AWS.
 */
export class ClusterConfig {
  #version = 0;
  #nodes: readonly string[] | undefined;

  /** @throws RangeError on a node that is not `host:port`. */
  constructor(nodes: readonly string[] | undefined) {
    if (nodes !== undefined) this.set(nodes);
  }

  /** Whether the server answers `config get cluster` (else `ERROR`, as memcached does). */
  get enabled(): boolean {
    return this.#nodes !== undefined;
  }

  get version(): number {
    return this.#version;
  }

  /**
   * Replaces the node list and bumps the version, as ElastiCache does on every change.
   * @throws RangeError on a node that is not `host:port`.
   */
  set(nodes: readonly string[]): void {
    if (!Array.isArray(nodes)) {
      throw new RangeError(
        `Invalid option "clusterConfig": expected a list of "host:port", got ${String(nodes)}.`,
      );
    }
    this.#nodes = nodes.map(toEntry);
    this.#version++;
  }

  /** The `CONFIG cluster` reply, `END` included. */
  render(): string {
    const body = `${this.#version}\n${(this.#nodes ?? []).join(' ')}\n`;
    return `CONFIG cluster 0 ${Buffer.byteLength(body)}\r\n${body}\r\nEND\r\n`;
  }
}

/** `host:port` as ElastiCache's `hostname|ip|port` (the ip left empty for a name). */
function toEntry(node: string): string {
  const m = typeof node === 'string' ? /^\[?([^\s|\]]+?)\]?:(\d{1,5})$/.exec(node.trim()) : null;
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port < 1 || port > 65535) {
    throw new RangeError(
      `Invalid option "clusterConfig": expected "host:port", got ${JSON.stringify(node)}.`,
    );
  }
  const host = m[1] as string;
  return `${host}|${isIP(host) === 0 ? '' : host}|${port}`;
}
