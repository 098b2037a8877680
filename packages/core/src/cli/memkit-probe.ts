import { performance } from 'node:perf_hooks';
import { MemcachedClient, type ServerStats } from '../client/index.js';

/** One server's answer to `stats`, or why it gave none. */
export type ProbeResult =
  | { server: string; ok: true; stats: Record<string, string | number>; latencyMs: number }
  | { server: string; ok: false; error: string };

/**
 * Reads `stats` from each server over its own client, so one dead node cannot hide the others
 * (a shared client's `stats()` fails as a whole).
 */
export async function probeServers(
  servers: readonly string[],
  timeoutMs: number,
): Promise<ProbeResult[]> {
  return Promise.all(
    servers.map(async (server): Promise<ProbeResult> => {
      let client: MemcachedClient | undefined;
      try {
        client = new MemcachedClient(server, {
          timeoutMs,
          connectTimeoutMs: timeoutMs,
          failureLimit: 1,
        });
        const start = performance.now();
        const all: ServerStats = await client.stats();
        const latencyMs = performance.now() - start;
        const stats = Object.values(all)[0] ?? {};
        return { server, ok: true, stats, latencyMs };
      } catch (err) {
        return { server, ok: false, error: err instanceof Error ? err.message : String(err) };
      } finally {
        await client?.close();
      }
    }),
  );
}
