import { MemcachedClient, MemcachedError } from '@memkit/core';
import type { Registry } from 'prom-client';
import {
  type Buckets,
  ERRORS_METRIC,
  quantileBetween,
  readBuckets,
  readCounterByLabel,
} from './latency-histogram.js';

/** One server in one point; every number is `null` while the server is down (a gap). */
export interface ServerSample {
  server: string;
  up: boolean;
  /** Why it is down: the client's error code, never a message with internals. */
  error?: string;
  bytes: number | null;
  limitBytes: number | null;
  items: number | null;
  /** `curr_connections`. */
  connections: number | null;
  /** Items evicted per second over the last interval. */
  evictionsPerSec: number | null;
  /** Commands per second over the last interval. */
  opsPerSec: number | null;
  /** Hit rate in percent over the last interval; `null` without gets. */
  hitRate: number | null;
}

/** One point of the dashboard's charts. */
export interface StatsSample {
  /** Unix time in milliseconds. */
  t: number;
  /** Hit rate over the last interval in percent, servers up; `null` when there were no gets. */
  hitRate: number | null;
  /** Commands per second over the last interval, servers up together; `null` when all are down. */
  opsPerSec: number | null;
  /** Bytes used by items, servers up together; `null` when all are down. */
  bytes: number | null;
  /** The memory limit, servers up together. */
  limitBytes: number | null;
  /** Items stored, servers up together. */
  items: number | null;
  /** Client call latency, median and 99th percentile, in ms; `null` without calls. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Failed client calls per second, and those of them that timed out. */
  errorsPerSec: number;
  timeoutsPerSec: number;
  /** Each server, in the order of `MEMCACHED_SERVERS`. */
  servers: ServerSample[];
}

const OPS_STATS = [
  'cmd_get',
  'cmd_set',
  'cmd_touch',
  'cmd_flush',
  'delete_hits',
  'delete_misses',
  'incr_hits',
  'incr_misses',
  'decr_hits',
  'decr_misses',
];

type Stats = Record<string, string | number>;

function num(stats: Stats, name: string): number {
  const v = stats[name];
  return typeof v === 'number' ? v : 0;
}

function ops(stats: Stats): number {
  let total = 0;
  for (const name of OPS_STATS) total += num(stats, name);
  return total;
}

function rate(now: number, before: number | undefined, seconds: number): number | null {
  return before === undefined ? null : Math.max(0, now - before) / seconds;
}

function hitRate(hits: number, misses: number): number | null {
  return hits + misses > 0 ? (hits / (hits + misses)) * 100 : null;
}

interface Previous {
  t: number;
  stats: Map<string, Stats>;
  buckets: Buckets;
  errors: number;
  timeouts: number;
}

/**
 * Reads each server's `stats` every `intervalMs` over its own connection (so one dead server
 * is a gap in its own row, not a hole in every chart), plus the client's latency histogram and
 * error counter from the metrics registry, and keeps the last `keep` points (5 minutes at 1 s),
 * so the dashboard shows history as soon as it opens. Rates come from the difference between
 * reads.
 */
export class StatsSampler {
  readonly #servers: () => readonly string[];
  readonly #probes = new Map<string, MemcachedClient>();
  readonly #registry: Registry | undefined;
  readonly #keep: number;
  readonly #samples: StatsSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #previous: Previous | undefined;
  #running: Promise<void> | undefined;

  /**
   * @param servers the servers to read, or a function giving them at each sample (a fleet that
   *   discovery changes: a new server gets a row, a removed one loses it and its connection).
   */
  constructor(
    servers: readonly string[] | (() => readonly string[]),
    options: { intervalMs?: number; keep?: number; registry?: Registry } = {},
  ) {
    const fixed = typeof servers === 'function' ? undefined : [...servers];
    this.#servers = typeof servers === 'function' ? servers : () => fixed as string[];
    this.#registry = options.registry;
    this.#keep = options.keep ?? 300;
    const intervalMs = options.intervalMs ?? 1000;
    this.#timer = setInterval(() => {
      void this.sample();
    }, intervalMs);
    // The sampler must never keep a process alive on its own.
    this.#timer.unref();
    // A first point now, so the page has something to show at once.
    void this.sample();
  }

  /** The points kept, oldest first. */
  samples(): readonly StatsSample[] {
    return this.#samples;
  }

  /** Takes one point now (the timer calls it; tests may too). Never rejects. */
  sample(): Promise<void> {
    this.#running ??= this.#read().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** One probe per server now in the fleet; those of servers that left are closed. */
  #probesFor(servers: readonly string[]): Promise<void> {
    const gone: Promise<void>[] = [];
    for (const [server, probe] of this.#probes) {
      if (!servers.includes(server)) {
        this.#probes.delete(server);
        gone.push(probe.close());
      }
    }
    for (const server of servers) {
      if (this.#probes.has(server)) continue;
      // Short bounds: a hung server must not hold a sample past the next one. Never ejected:
      // each sample asks again and reports the real error, not "no servers".
      this.#probes.set(
        server,
        new MemcachedClient(server, {
          timeoutMs: 400,
          connectTimeoutMs: 400,
          failureLimit: 1_000_000_000,
          retryDelayMs: 1000,
        }),
      );
    }
    return Promise.all(gone).then(() => undefined);
  }

  async #read(): Promise<void> {
    const t = Date.now();
    const fleet = [...this.#servers()];
    await this.#probesFor(fleet);
    const reads = await Promise.all(
      fleet.map(async (server): Promise<[string, Stats | string]> => {
        try {
          const all = await this.#probes.get(server)!.stats();
          return [server, Object.values(all)[0] ?? {}];
        } catch (err) {
          return [server, err instanceof MemcachedError ? err.code : 'ERR_INTERNAL'];
        }
      }),
    );
    const buckets = this.#registry === undefined ? new Map() : await readBuckets(this.#registry);
    const byCode =
      this.#registry === undefined
        ? new Map<string, number>()
        : await readCounterByLabel(this.#registry, ERRORS_METRIC, 'code');
    let errors = 0;
    for (const v of byCode.values()) errors += v;
    const timeouts = byCode.get('ERR_MEMCACHED_TIMEOUT') ?? 0;

    const prev = this.#previous;
    const seconds = prev === undefined ? 1 : Math.max(0.001, (t - prev.t) / 1000);
    const stats = new Map<string, Stats>();
    let up = 0;
    let hits = 0;
    let misses = 0;
    let fleetOps: number | null = null;
    const totals = { bytes: 0, limitBytes: 0, items: 0 };
    const servers = reads.map(([server, read]): ServerSample => {
      if (typeof read === 'string') {
        return {
          server,
          up: false,
          error: read,
          bytes: null,
          limitBytes: null,
          items: null,
          connections: null,
          evictionsPerSec: null,
          opsPerSec: null,
          hitRate: null,
        };
      }
      up++;
      stats.set(server, read);
      const before = prev?.stats.get(server);
      const dHits =
        before === undefined ? 0 : Math.max(0, num(read, 'get_hits') - num(before, 'get_hits'));
      const dMisses =
        before === undefined ? 0 : Math.max(0, num(read, 'get_misses') - num(before, 'get_misses'));
      const serverOps = rate(ops(read), before === undefined ? undefined : ops(before), seconds);
      if (serverOps !== null) fleetOps = (fleetOps ?? 0) + serverOps;
      hits += dHits;
      misses += dMisses;
      totals.bytes += num(read, 'bytes');
      totals.limitBytes += num(read, 'limit_maxbytes');
      totals.items += num(read, 'curr_items');
      return {
        server,
        up: true,
        bytes: num(read, 'bytes'),
        limitBytes: num(read, 'limit_maxbytes'),
        items: num(read, 'curr_items'),
        connections: num(read, 'curr_connections'),
        evictionsPerSec: rate(
          num(read, 'evictions'),
          before === undefined ? undefined : num(before, 'evictions'),
          seconds,
        ),
        opsPerSec: serverOps,
        hitRate: hitRate(dHits, dMisses),
      };
    });
    const any = up > 0;
    this.#samples.push({
      t,
      hitRate: hitRate(hits, misses),
      opsPerSec: any ? (fleetOps ?? 0) : null,
      bytes: any ? totals.bytes : null,
      limitBytes: any ? totals.limitBytes : null,
      items: any ? totals.items : null,
      p50Ms: prev === undefined ? null : toMs(quantileBetween(prev.buckets, buckets, 0.5)),
      p99Ms: prev === undefined ? null : toMs(quantileBetween(prev.buckets, buckets, 0.99)),
      errorsPerSec: prev === undefined ? 0 : Math.max(0, errors - prev.errors) / seconds,
      timeoutsPerSec: prev === undefined ? 0 : Math.max(0, timeouts - prev.timeouts) / seconds,
      servers,
    });
    this.#previous = { t, stats, buckets, errors, timeouts };
    if (this.#samples.length > this.#keep)
      this.#samples.splice(0, this.#samples.length - this.#keep);
  }

  /** Stops the timer, waits for a read in progress and closes the probe connections. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await Promise.all([...this.#probes.values()].map((c) => c.close()));
  }
}

function toMs(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}
