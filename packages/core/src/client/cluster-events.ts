import type { EventEmitter } from 'node:events';
import { MemcachedError } from '../errors.js';
import type { ClientEvents } from './client-events.js';
import type { Cluster, ClusterListener } from './cluster.js';
import type { DiscoveryListener } from './discovery.js';
import type { ResolvedClientOptions } from './options.js';

/**
 * Turns what the cluster reports (failures, ejections, probes) into the client's events and log
 * lines. `error` is emitted only when someone listens, so it never crashes an app.
 */
export function clusterEvents(
  client: EventEmitter<ClientEvents>,
  options: ResolvedClientOptions,
): ClusterListener {
  const log = options.logger;
  return {
    failure: (node, error) => {
      log?.warn({ server: node.id, err: error, failures: node.failures }, 'memcached failure');
      client.emit('failure', { server: node.id, error, failures: node.failures });
    },
    remove: (node, error) => {
      const retryDelayMs = options.retryDelayMs;
      const fields = { server: node.id, err: error, retryDelayMs };
      if (log?.error !== undefined) log.error(fields, 'memcached server ejected');
      else log?.warn(fields, 'memcached server ejected');
      client.emit('remove', { server: node.id, error, retryDelayMs });
    },
    reconnecting: (node) => {
      log?.debug?.({ server: node.id }, 'memcached reconnecting');
      client.emit('reconnecting', { server: node.id });
    },
    reconnect: (node) => {
      log?.info?.({ server: node.id }, 'memcached server back');
      client.emit('reconnect', { server: node.id });
    },
    probeFailed: (node, cause) => {
      log?.warn({ server: node.id, err: cause }, 'memcached probe failed');
      if (client.listenerCount('error') > 0) {
        const error =
          cause instanceof MemcachedError
            ? cause
            : new MemcachedError('ERR_MEMCACHED_CONNECTION', `Probe of ${node.id} failed`, {
                server: node.id,
                cause,
              });
        client.emit('error', error);
      }
    },
  };
}

/**
 * Applies what discovery finds to the cluster and reports it: a `topology` event when the ring
 * changed; a failed round (or a list the cluster refuses) through the logger and `error`.
 */
export function discoveryEvents(
  client: EventEmitter<ClientEvents>,
  options: ResolvedClientOptions,
  cluster: Cluster,
  closed: () => boolean,
): DiscoveryListener {
  const log = options.logger;
  const failed = (error: MemcachedError): void => {
    log?.warn({ err: error, server: error.server }, 'memcached discovery failed');
    if (client.listenerCount('error') > 0) client.emit('error', error);
  };
  return {
    found(list) {
      if (closed()) return;
      let change: { added: string[]; removed: string[] };
      try {
        change = cluster.setServers(list);
      } catch (cause) {
        failed(new MemcachedError('ERR_MEMCACHED_DISCOVERY', (cause as Error).message, { cause }));
        return;
      }
      if (change.added.length === 0 && change.removed.length === 0) return;
      const event = { ...change, servers: cluster.nodes.map((n) => n.id) };
      log?.info?.(event, 'memcached topology changed');
      client.emit('topology', event);
    },
    failed,
  };
}
