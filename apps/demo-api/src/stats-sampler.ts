import { type MemcachedClient, MemcachedError, type ServerStats } from '@memkit/core';

/** One point of the dashboard's charts. */
export interface StatsSample {
  /** Unix time in milliseconds. */
  t: number;
  /** Hit rate over the last interval in percent; `null` when there were no gets. */
  hitRate: number | null;
  /** Commands per second over the last interval, all servers together. */
  opsPerSec: number;
  /** Bytes used by items, all servers together. */
  bytes: number;
  /** The memory limit, all servers together. */
  limitBytes: number;
  /** Items stored, all servers together. */
  items: number;
  /** Each server and whether it answered. */
  servers: { server: string; up: boolean; error?: string }[];
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

function sum(stats: ServerStats, names: readonly string[]): number {
  let total = 0;
  for (const s of Object.values(stats)) {
    for (const name of names) {
      const v = s[name];
      if (typeof v === 'number') total += v;
    }
  }
  return total;
}

/**
 * Reads `stats` every `intervalMs` and keeps the last `keep` points (5 minutes at 1 s), so the
 * dashboard shows history as soon as it opens. Rates come from the difference between reads.
 */
export class StatsSampler {
  readonly #client: MemcachedClient;
  readonly #servers: readonly string[];
  readonly #keep: number;
  readonly #samples: StatsSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #previous: { t: number; ops: number; hits: number; misses: number } | undefined;
  #running: Promise<void> | undefined;

  constructor(
    client: MemcachedClient,
    servers: readonly string[],
    options: { intervalMs?: number; keep?: number } = {},
  ) {
    this.#client = client;
    this.#servers = servers;
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

  async #read(): Promise<void> {
    const t = Date.now();
    let stats: ServerStats = {};
    let failed: { server: string | undefined; message: string } | undefined;
    try {
      stats = await this.#client.stats();
    } catch (err) {
      failed = {
        server: err instanceof MemcachedError ? err.server : undefined,
        message: err instanceof Error ? err.message : String(err),
      };
    }
    const ops = sum(stats, OPS_STATS);
    const hits = sum(stats, ['get_hits']);
    const misses = sum(stats, ['get_misses']);
    const prev = this.#previous;
    let opsPerSec = 0;
    let hitRate: number | null = null;
    if (prev !== undefined && failed === undefined) {
      const dt = Math.max(0.001, (t - prev.t) / 1000);
      opsPerSec = Math.max(0, ops - prev.ops) / dt;
      const dh = Math.max(0, hits - prev.hits);
      const dm = Math.max(0, misses - prev.misses);
      hitRate = dh + dm > 0 ? (dh / (dh + dm)) * 100 : null;
    }
    if (failed === undefined) this.#previous = { t, ops, hits, misses };
    const servers = this.#servers.map((server) => {
      if (server in stats) return { server, up: true };
      if (failed !== undefined && (failed.server === undefined || failed.server === server)) {
        return { server, up: false, error: failed.message };
      }
      // Missing from a successful read: the client has ejected it.
      return { server, up: failed !== undefined };
    });
    this.#samples.push({
      t,
      hitRate,
      opsPerSec,
      bytes: sum(stats, ['bytes']),
      limitBytes: sum(stats, ['limit_maxbytes']),
      items: sum(stats, ['curr_items']),
      servers,
    });
    if (this.#samples.length > this.#keep)
      this.#samples.splice(0, this.#samples.length - this.#keep);
  }

  /** Stops the timer and waits for a read in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
