// Metrics and monitoring helpers of @memkit/core.
export type { MetricsCollector, MetricsRegistry } from './collect-metrics.js';
export { collectMetrics } from './collect-metrics.js';
export type { ServerSummary } from './server-summary.js';
export { summarizeServerStats, summarizeStats } from './server-summary.js';
