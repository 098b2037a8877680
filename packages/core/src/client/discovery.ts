import type { ConnectionOptions } from 'node:tls';
import { MemcachedError } from '../errors.js';
import { resolveServers } from './dns-discovery.js';
import { fetchClusterConfig } from './elasticache-config.js';
import type { ResolvedDiscovery } from './options.js';
import { parseServerList, type ServerAddress } from './server-list.js';

/** Where a {@link Discovery} reports what it found. */
export interface DiscoveryListener {
  /** A successful round: the servers now in the fleet (possibly unchanged). */
  found(servers: ServerAddress[]): void;
  /** A failed round; the last good list stays in use. */
  failed(error: MemcachedError): void;
}

/**
 * Asks the source of the fleet (an ElastiCache configuration endpoint or DNS) for its servers
 * at start and every `intervalMs`. A round never overlaps the previous one; failures are
 * reported, never thrown.
 */
export class Discovery {
  private readonly options: ResolvedDiscovery;
  private readonly tls: ConnectionOptions | undefined;
  private readonly timeoutMs: number;
  private readonly listener: DiscoveryListener;
  private readonly endpoint: ServerAddress | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Last ElastiCache version seen: an unchanged version skips the rebuild. */
  private version: number | undefined;
  private waiters: { resolve(): void; reject(error: MemcachedError): void }[] = [];
  /** True after the first successful round. */
  found = false;

  constructor(
    options: ResolvedDiscovery,
    tls: ConnectionOptions | undefined,
    timeoutMs: number,
    listener: DiscoveryListener,
  ) {
    this.options = options;
    this.tls = tls;
    this.timeoutMs = timeoutMs;
    this.listener = listener;
    if (options.elasticache !== undefined) {
      this.endpoint = parseServerList(options.elasticache, {})[0];
    }
  }

  /** Runs the first round now and schedules the next ones. */
  start(): void {
    void this.round();
  }

  /** Settles with the outcome of the next round (at once when one has already succeeded). */
  ready(): Promise<void> {
    if (this.found) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Asks now instead of waiting for the interval. */
  refresh(): Promise<void> {
    clearTimeout(this.timer);
    return this.round();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const waiters = this.waiters;
    this.waiters = [];
    const closed = new MemcachedError('ERR_MEMCACHED_CLOSED', 'The client is closed.');
    for (const w of waiters) w.reject(closed);
  }

  private running: Promise<void> | undefined;

  private round(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    let error: MemcachedError | undefined;
    try {
      const servers = await this.lookup();
      if (this.stopped) return;
      if (servers !== undefined) {
        if (servers.length === 0) {
          throw new MemcachedError(
            'ERR_MEMCACHED_DISCOVERY',
            'Discovery found no servers; keeping the last good list',
          );
        }
        this.listener.found(servers);
      }
      this.found = true;
    } catch (cause) {
      error =
        cause instanceof MemcachedError && cause.code === 'ERR_MEMCACHED_DISCOVERY'
          ? cause
          : new MemcachedError(
              'ERR_MEMCACHED_DISCOVERY',
              `Discovery failed, keeping the last good server list: ${(cause as Error)?.message ?? cause}`,
              { cause, server: cause instanceof MemcachedError ? cause.server : undefined },
            );
      if (!this.stopped) this.listener.failed(error);
    } finally {
      if (!this.stopped) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.round(), this.options.intervalMs);
        this.timer.unref();
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) {
          if (error === undefined) w.resolve();
          else w.reject(error);
        }
      }
    }
  }

  /** The servers, or undefined when the ElastiCache version has not moved. */
  private async lookup(): Promise<ServerAddress[] | undefined> {
    const endpoint = this.endpoint;
    if (endpoint !== undefined) {
      const reply = await fetchClusterConfig(endpoint, this.tls, this.timeoutMs);
      if (reply.version === this.version) return undefined;
      if (reply.nodes.length > 0) this.version = reply.version;
      return reply.nodes;
    }
    const { dns, port, srv, dnsServers } = this.options;
    return resolveServers({ name: dns as string, port, srv, dnsServers }, this.timeoutMs);
  }
}
