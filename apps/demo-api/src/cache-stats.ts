import { type MemcachedClient, type ServerSummary, summarizeStats } from '@memkit/core';

/** The body of `GET /api/cache/stats`. */
export interface CacheStatsReport {
  /** Per-server summaries (version, uptime, connections, memory, items, hits). */
  servers: Record<string, ServerSummary>;
  /** Fleet-wide `get_hits / (get_hits + get_misses)` in percent; `null` before any get. */
  hitRate: number | null;
  /** The raw `stats` of each server. */
  raw: Record<string, Record<string, string | number>>;
}

/** Reads `stats` from every server and adds the fleet's hit rate. */
export async function cacheStatsReport(client: MemcachedClient): Promise<CacheStatsReport> {
  const raw = await client.stats();
  const servers = summarizeStats(raw);
  let hits = 0;
  let misses = 0;
  for (const s of Object.values(servers)) {
    hits += s.getHits;
    misses += s.getMisses;
  }
  return { servers, hitRate: hits + misses > 0 ? (hits / (hits + misses)) * 100 : null, raw };
}
