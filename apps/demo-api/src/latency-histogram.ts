import type { Registry } from 'prom-client';

/** Cumulative bucket counts of a histogram, summed over its labels, by upper bound. */
export type Buckets = Map<number, number>;

/** The client latency histogram `collectMetrics` registers. */
export const LATENCY_METRIC = 'memkit_client_request_duration_seconds';
/** The client error counter `collectMetrics` registers, labelled by `code`. */
export const ERRORS_METRIC = 'memkit_client_errors_total';

/** Reads `name`'s buckets (all commands together) from `registry`; empty when absent. */
export async function readBuckets(registry: Registry, name = LATENCY_METRIC): Promise<Buckets> {
  const out: Buckets = new Map();
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return out;
  const { values } = await metric.get();
  for (const v of values) {
    if (!(v as { metricName?: string }).metricName?.endsWith('_bucket')) continue;
    const le = v.labels.le;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + v.value);
  }
  return out;
}

/** Sums a counter's values by one label (`code`); empty when absent. */
export async function readCounterByLabel(
  registry: Registry,
  name: string,
  label: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return out;
  const { values } = await metric.get();
  for (const v of values) {
    const key = String(v.labels[label] ?? '');
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

/**
 * The `q` quantile (0..1) of the observations between two reads of a histogram, in the
 * histogram's unit, interpolated inside a bucket the way Prometheus' `histogram_quantile` does;
 * `null` when nothing was observed in between. Past the last finite bound it answers that bound.
 */
export function quantileBetween(before: Buckets, after: Buckets, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => Math.max(0, (after.get(b) ?? 0) - (before.get(b) ?? 0)));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! < rank) continue;
    const upper = bounds[i]!;
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    if (!Number.isFinite(upper)) return lower;
    const below = i === 0 ? 0 : counts[i - 1]!;
    const inBucket = counts[i]! - below;
    return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return bounds.at(-2) ?? null;
}
