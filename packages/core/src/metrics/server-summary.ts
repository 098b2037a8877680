import type { ServerStats } from '../client/index.js';

/** The monitoring numbers of one memcached server, read from its `stats` reply. */
export interface ServerSummary {
  version: string;
  uptimeSeconds: number;
  currentConnections: number;
  totalConnections: number;
  maxConnections: number;
  rejectedConnections: number;
  bytesUsed: number;
  bytesLimit: number;
  /** `bytesUsed / bytesLimit` in percent (0 when there is no limit). */
  memoryPercent: number;
  getHits: number;
  getMisses: number;
  /** `get_hits / (get_hits + get_misses)` in percent; `null` before the first get. */
  hitRatePercent: number | null;
  currentItems: number;
  totalItems: number;
  evictions: number;
  reclaimed: number;
  cmdGet: number;
  cmdSet: number;
  bytesRead: number;
  bytesWritten: number;
}

function num(stats: Record<string, string | number>, name: string): number {
  const v = stats[name];
  if (typeof v === 'number') return v;
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/** Turns one server's raw `stats` map into the numbers a dashboard or a report shows. */
export function summarizeServerStats(stats: Record<string, string | number>): ServerSummary {
  const hits = num(stats, 'get_hits');
  const misses = num(stats, 'get_misses');
  const used = num(stats, 'bytes');
  const limit = num(stats, 'limit_maxbytes');
  return {
    version: String(stats.version ?? 'unknown'),
    uptimeSeconds: num(stats, 'uptime'),
    currentConnections: num(stats, 'curr_connections'),
    totalConnections: num(stats, 'total_connections'),
    maxConnections: num(stats, 'max_connections'),
    rejectedConnections: num(stats, 'rejected_connections'),
    bytesUsed: used,
    bytesLimit: limit,
    memoryPercent: limit > 0 ? (used / limit) * 100 : 0,
    getHits: hits,
    getMisses: misses,
    hitRatePercent: hits + misses > 0 ? (hits / (hits + misses)) * 100 : null,
    currentItems: num(stats, 'curr_items'),
    totalItems: num(stats, 'total_items'),
    evictions: num(stats, 'evictions'),
    reclaimed: num(stats, 'reclaimed'),
    cmdGet: num(stats, 'cmd_get'),
    cmdSet: num(stats, 'cmd_set'),
    bytesRead: num(stats, 'bytes_read'),
    bytesWritten: num(stats, 'bytes_written'),
  };
}

/** Summaries of every server in a `client.stats()` result. */
export function summarizeStats(stats: ServerStats): Record<string, ServerSummary> {
  const out: Record<string, ServerSummary> = {};
  for (const [server, s] of Object.entries(stats)) out[server] = summarizeServerStats(s);
  return out;
}
