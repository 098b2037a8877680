import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { MemcachedError, MemcachedProtocolError } from '../errors.js';
import { parseServerList, type ServerAddress } from './server-list.js';

/** One answer of an ElastiCache configuration endpoint. */
export interface ClusterConfigReply {
  /** Moves on every change of the cluster; equal versions list equal nodes. */
  version: number;
  nodes: ServerAddress[];
}

/**
 * Parses the reply to `config get cluster`:
 * `CONFIG cluster 0 <bytes>\r\n<version>\n<host>|<ip>|<port> ...\n\r\nEND\r\n`. A node is
 * placed by its host name (stable when a replaced node comes back on a new address), or by its
 * address when it has no name.
 * @throws MemcachedProtocolError on anything else.
 */
export function parseClusterConfig(reply: Buffer, server: string): ClusterConfigReply {
  const text = reply.toString('latin1');
  const bad = (why: string) =>
    new MemcachedProtocolError(
      `Bad reply to "config get cluster" (${why}): ${JSON.stringify(text.slice(0, 80))}`,
      { server },
    );
  const eol = text.indexOf('\r\n');
  const head = /^CONFIG cluster \d+ (\d+)$/.exec(text.slice(0, eol));
  if (eol < 0 || head === null) throw bad('no CONFIG line');
  const start = eol + 2;
  const end = start + Number(head[1]);
  if (text.slice(end) !== '\r\nEND\r\n') throw bad('no END after the block');
  const [versionLine, nodesLine = ''] = Buffer.from(text.slice(start, end), 'latin1')
    .toString('utf8')
    .split('\n');
  if (!/^\d+$/.test(versionLine ?? '')) throw bad('no version');
  const entries = nodesLine.trim() === '' ? [] : nodesLine.trim().split(/\s+/);
  const specs = entries.map((entry) => {
    const [host = '', ip = '', port = ''] = entry.split('|');
    if (!/^\d+$/.test(port) || (host === '' && ip === '')) throw bad(`node ${entry}`);
    return { host: host === '' ? ip : host, port: Number(port) };
  });
  try {
    return {
      version: Number(versionLine),
      nodes: specs.length === 0 ? [] : parseServerList(specs),
    };
  } catch (cause) {
    throw new MemcachedProtocolError(`Bad node list from "config get cluster" on ${server}`, {
      server,
      cause,
    });
  }
}

/**
 * Asks an ElastiCache configuration endpoint (`host:port`) for the cluster over a connection of
 * its own, closed after the answer.
 * @throws MemcachedError (timeout, connection, protocol) when it does not answer sanely.
 */
export function fetchClusterConfig(
  endpoint: ServerAddress,
  tls: ConnectionOptions | undefined,
  timeoutMs: number,
): Promise<ClusterConfigReply> {
  const server = endpoint.id;
  return new Promise((resolve, reject) => {
    const { host, port } = endpoint;
    const socket: Socket = tls ? tlsConnect({ ...tls, host, port }) : netConnect({ host, port });
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: MemcachedError | undefined, reply?: ClusterConfigReply) => {
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(reply as ClusterConfigReply);
    };
    const timer = setTimeout(() => {
      finish(
        new MemcachedError(
          'ERR_MEMCACHED_TIMEOUT',
          `No answer to "config get cluster" from ${server} within ${timeoutMs} ms`,
          { server },
        ),
      );
    }, timeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write('config get cluster\r\n'));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      const all = Buffer.concat(chunks, size);
      const text = all.toString('latin1');
      if (text.endsWith('END\r\n')) {
        try {
          finish(undefined, parseClusterConfig(all, server));
        } catch (error) {
          finish(error as MemcachedError);
        }
      } else if (/^(ERROR|CLIENT_ERROR|SERVER_ERROR)[^\r\n]*\r\n$/.test(text)) {
        finish(
          new MemcachedProtocolError(
            `${server} answered ${JSON.stringify(text.trim())} to "config get cluster": not an ElastiCache configuration endpoint`,
            { server },
          ),
        );
      } else if (size > 1_048_576) {
        finish(new MemcachedProtocolError(`Oversized "config get cluster" reply`, { server }));
      }
    });
    socket.on('error', (cause) => {
      finish(
        new MemcachedError(
          'ERR_MEMCACHED_CONNECTION',
          `Cannot ask ${server} for the cluster: ${cause.message}`,
          { server, cause },
        ),
      );
    });
    socket.on('close', () => {
      finish(
        new MemcachedError(
          'ERR_MEMCACHED_CONNECTION',
          `${server} closed the connection before answering "config get cluster"`,
          { server },
        ),
      );
    });
  });
}
