import { type MemcachedClient, startServer } from '@memkit/core';
import { requireBinary, startRealMemcached, suspend } from '../../../../test/support/memcached.js';

/** A memcached the session suite runs against. */
export interface Backend {
  address: string;
  /** Makes `seconds` pass for TTLs, when the backend can (the in-process server). */
  advanceClock: ((seconds: number) => void) | undefined;
  /** Stops answering (requests are accepted and left unanswered) until `resume()`. */
  hang(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Each backend the suite must hold for: the in-process server always, a real memcached in CI. */
export const backends: {
  name: string;
  enabled: boolean;
  /** Whether `advanceClock` exists, known before starting so clock tests are defined or not. */
  hasClock: boolean;
  start(): Promise<Backend>;
}[] = [
  {
    name: 'in-process server',
    enabled: true,
    hasClock: true,
    async start() {
      const server = await startServer({ host: '127.0.0.1', port: 0 });
      return {
        address: server.address,
        advanceClock: (seconds) => server.advanceClock(seconds),
        hang: () => server.hang(),
        resume: () => server.resume(),
        stop: () => server.close(),
      };
    },
  },
  {
    name: 'real memcached',
    enabled: requireBinary('memcached'),
    hasClock: false,
    async start() {
      const real = await startRealMemcached();
      return {
        address: real.address,
        advanceClock: undefined,
        // A stopped process keeps its listening socket: connections and writes succeed, no
        // reply ever comes, which is what a hung memcached looks like to a client.
        hang: () => suspend(real.process.pid),
        resume: () => real.process.kill('SIGCONT'),
        stop: async () => {
          real.process.kill('SIGCONT');
          await real.stop();
        },
      };
    },
  },
];

/** memcached's own counters, summed over the servers, read through the `stats` command. */
export async function counters(client: MemcachedClient): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const stats of Object.values(await client.stats())) {
    for (const [name, value] of Object.entries(stats)) {
      const n = Number(value);
      if (Number.isFinite(n)) out[name] = (out[name] ?? 0) + n;
    }
  }
  return out;
}

/** Counter deltas of `names` across `run`. */
export async function countOps(
  client: MemcachedClient,
  names: readonly string[],
  run: () => Promise<void>,
): Promise<Record<string, number>> {
  const before = await counters(client);
  await run();
  const after = await counters(client);
  return Object.fromEntries(names.map((n) => [n, (after[n] ?? 0) - (before[n] ?? 0)]));
}

/** Resolves once `count` callers are waiting, so concurrent requests interleave deterministically. */
export function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === count) release();
    return all;
  };
}
