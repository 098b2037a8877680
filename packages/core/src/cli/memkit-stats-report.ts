import type { ServerSummary } from '../metrics/index.js';
import type { ProbeResult } from './memkit-probe.js';

/** `1h 02m 03s` style durations for the uptime row. */
export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** Bytes in the largest binary unit that keeps the number at or above 1. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

const ROWS: [string, (s: ServerSummary) => string][] = [
  ['version', (s) => s.version],
  ['uptime', (s) => formatDuration(s.uptimeSeconds)],
  ['connections current', (s) => String(s.currentConnections)],
  ['connections total', (s) => String(s.totalConnections)],
  ['connections max', (s) => String(s.maxConnections)],
  ['connections rejected', (s) => String(s.rejectedConnections)],
  ['memory used', (s) => formatBytes(s.bytesUsed)],
  ['memory limit', (s) => formatBytes(s.bytesLimit)],
  ['memory used %', (s) => `${s.memoryPercent.toFixed(2)}%`],
  ['hit rate', (s) => (s.hitRatePercent === null ? 'n/a' : `${s.hitRatePercent.toFixed(1)}%`)],
  ['items current', (s) => String(s.currentItems)],
  ['items total', (s) => String(s.totalItems)],
  ['evictions', (s) => String(s.evictions)],
  ['reclaimed', (s) => String(s.reclaimed)],
  ['get commands', (s) => String(s.cmdGet)],
  ['get hits / misses', (s) => `${s.getHits} / ${s.getMisses}`],
  ['set commands', (s) => String(s.cmdSet)],
];

/** The readable per-server table of `memkit stats`: one column per server. */
export function renderStatsTable(
  results: readonly ProbeResult[],
  summaries: ReadonlyMap<string, ServerSummary>,
): string {
  const header = ['', ...results.map((r) => r.server)];
  const rows: string[][] = [header];
  for (const [label, get] of ROWS) {
    rows.push([
      label,
      ...results.map((r) => {
        const s = summaries.get(r.server);
        return s === undefined ? (label === 'version' ? 'DOWN' : '-') : get(s);
      }),
    ]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  const lines = rows.map((row) =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
  const errors = results.flatMap((r) => (r.ok ? [] : [`${r.server}: ${r.error}`]));
  return `${lines.join('\n')}\n${errors.map((e) => `\n✗ ${e}`).join('')}${errors.length ? '\n' : ''}`;
}
