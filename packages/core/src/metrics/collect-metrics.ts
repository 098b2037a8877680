import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type * as PromClient from 'prom-client';
import { type CommandEvent, commandChannel } from '../client/command-channel.js';
import type { MemcachedClient, ServerStats } from '../client/index.js';
import { MemcachedError } from '../errors.js';
import { COMMAND_STATS, SERVER_METRICS } from './server-metric-specs.js';

/** What {@link collectMetrics} returns: detach it to stop reporting into the registry. */
export interface MetricsCollector {
  /** Unregisters every metric it added and stops measuring the client. Idempotent. */
  close(): void;
}

/**
 * The part of a prom-client `Registry` the collector uses. Structural, so the published types of
 * `@memkit/core` never name prom-client: it is an optional peer dependency, and a consumer
 * type-checking with `skipLibCheck: false` must not need it installed.
 */
export interface MetricsRegistry {
  /** Adds a metric; prom-client's metric constructors call it for each of their `registers`. */
  registerMetric(metric: object): void;
  /** Removes the metric named `name`. */
  removeSingleMetric(name: string): void;
}

/** Latency buckets in seconds: memcached answers in tens of microseconds to a few ms. */
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1,
];

function loadPromClient(): typeof PromClient {
  try {
    // prom-client is an optional peer dependency: load it only when metrics are asked for, so
    // importing @memkit/core never requires it.
    return createRequire(import.meta.url)('prom-client') as typeof PromClient;
  } catch (cause) {
    throw new Error('collectMetrics needs prom-client: npm install prom-client', { cause });
  }
}

const METRIC_NAMES = [
  'memcached_up',
  ...SERVER_METRICS.map((m) => m.name),
  'memcached_commands_total',
  'memkit_client_request_duration_seconds',
  'memkit_client_hits_total',
  'memkit_client_misses_total',
  'memkit_client_errors_total',
  'memkit_client_ejections_total',
  'memkit_client_ejected_servers',
];

interface Scrape {
  result: Promise<{ stats: ServerStats; down: Map<string, string> }>;
}

/**
 * Registers memcached metrics in `registry` (prom-client): each server's `stats` under the
 * memcached_exporter's names (`memcached_up`, `memcached_current_bytes`,
 * `memcached_commands_total{command,status}`, ...) labelled by `server`, read at scrape time, and
 * the client's own, read from the `memkit:command` channel so every read path counts (get, gets,
 * gat, getMulti, meta get): `memkit_client_request_duration_seconds{command}` (by client method),
 * `memkit_client_hits_total`, `memkit_client_misses_total`, `memkit_client_errors_total{code}`,
 * `memkit_client_ejected_servers` and `memkit_client_ejections_total`.
 * @throws Error when prom-client is not installed.
 * @example
 * const registry = new Registry();
 * collectMetrics(client, registry);
 * app.get('/metrics', async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
 */
export function collectMetrics(
  client: MemcachedClient,
  registry: MetricsRegistry,
): MetricsCollector {
  const prom = loadPromClient();
  // A caller's registry is a prom-client Registry (the only thing that has registerMetric);
  // typed structurally above so the declaration never imports prom-client.
  const registers = [registry as PromClient.Registry];
  const ejected = new Set<string>();
  // Servers seen answering or failing, so a server that stops answering reports up 0.
  const known = new Set<string>();
  let scrape: Scrape | undefined;

  const readStats = (): Scrape['result'] => {
    // One scrape reads `stats` once however many metrics ask: every collect() of a scrape
    // starts in the same tick (prom-client calls them synchronously), so it is dropped on settling.
    if (scrape !== undefined) return scrape.result;
    const result = client.stats().then(
      (stats) => {
        for (const server of Object.keys(stats)) known.add(server);
        const down = new Map<string, string>();
        for (const server of ejected) down.set(server, 'ejected');
        return { stats, down };
      },
      (err: unknown) => {
        // stats goes to every live server at once: one failing server fails the whole read.
        const down = new Map<string, string>();
        for (const server of ejected) down.set(server, 'ejected');
        if (err instanceof MemcachedError && err.server !== undefined) {
          known.add(err.server);
          down.set(err.server, err.code);
        }
        return { stats: {} as ServerStats, down };
      },
    );
    const current: Scrape = { result };
    scrape = current;
    void result.then(() => {
      if (scrape === current) scrape = undefined;
    });
    return result;
  };

  const serverLabel = ['server'] as const;

  new prom.Gauge({
    name: 'memcached_up',
    help: 'Whether the server answered the last stats request (1) or not (0).',
    labelNames: serverLabel,
    registers,
    async collect() {
      const { stats, down } = await readStats();
      this.reset();
      // After a failed read only the failing server is known to be down; the others go
      // unreported for that scrape rather than being reported down.
      const failed = Object.keys(stats).length === 0 && down.size > 0;
      if (!failed) for (const server of known) this.set({ server }, server in stats ? 1 : 0);
      for (const server of down.keys()) this.set({ server }, 0);
    },
  });

  for (const spec of SERVER_METRICS) {
    const config = {
      name: spec.name,
      help: spec.help,
      labelNames: serverLabel,
      registers,
    };
    const fill = async (
      set: (server: string, value: number) => void,
      reset: () => void,
    ): Promise<void> => {
      const { stats } = await readStats();
      reset();
      for (const [server, s] of Object.entries(stats)) {
        const v = s[spec.stat];
        if (typeof v === 'number') set(server, v);
      }
    };
    if (spec.type === 'gauge') {
      new prom.Gauge({
        ...config,
        async collect() {
          await fill(
            (server, v) => this.set({ server }, v),
            () => this.reset(),
          );
        },
      });
    } else {
      new prom.Counter({
        ...config,
        async collect() {
          // A counter cannot be set: reset it and add the server's running total.
          await fill(
            (server, v) => this.inc({ server }, v),
            () => this.reset(),
          );
        },
      });
    }
  }

  new prom.Counter({
    name: 'memcached_commands_total',
    help: 'Total number of all requests broken down by command (get, set, etc.) and status.',
    labelNames: ['server', 'command', 'status'] as const,
    registers,
    async collect() {
      const { stats } = await readStats();
      this.reset();
      for (const [server, s] of Object.entries(stats)) {
        for (const c of COMMAND_STATS) {
          const v = s[c.stat];
          if (typeof v === 'number') this.inc({ server, command: c.command, status: c.status }, v);
        }
      }
    },
  });

  const latency = new prom.Histogram({
    name: 'memkit_client_request_duration_seconds',
    help: 'Latency of memkit client calls, by command.',
    labelNames: ['command'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const hits = new prom.Counter({
    name: 'memkit_client_hits_total',
    help: 'Keys the client read and found.',
    registers,
  });
  const misses = new prom.Counter({
    name: 'memkit_client_misses_total',
    help: 'Keys the client read and did not find.',
    registers,
  });
  const errors = new prom.Counter({
    name: 'memkit_client_errors_total',
    help: 'Failed client calls, by error code.',
    labelNames: ['code'] as const,
    registers,
  });
  const ejections = new prom.Counter({
    name: 'memkit_client_ejections_total',
    help: 'Times a server was ejected after repeated failures.',
    registers,
  });
  new prom.Gauge({
    name: 'memkit_client_ejected_servers',
    help: 'Servers currently ejected from the client ring.',
    registers,
    collect() {
      this.set(ejected.size);
    },
  });
  // Every command of every client goes through the channel: keep this client's. asyncEnd comes
  // last for a success and for a failure alike.
  const onCommand = (message: unknown): void => {
    const event = message as CommandEvent;
    if (event.client !== client) return;
    latency.observe({ command: event.method }, (performance.now() - event.startTime) / 1000);
    if (event.error !== undefined) errors.inc({ code: errorCode(event.error) });
    if (event.hits !== undefined && event.hits > 0) hits.inc(event.hits);
    if (event.misses !== undefined && event.misses > 0) misses.inc(event.misses);
  };
  commandChannel.asyncEnd.subscribe(onCommand);
  const detach = () => commandChannel.asyncEnd.unsubscribe(onCommand);
  const onRemove = ({ server }: { server: string }): void => {
    known.add(server);
    ejected.add(server);
    ejections.inc();
  };
  const onReconnect = ({ server }: { server: string }): void => {
    ejected.delete(server);
  };
  client.on('remove', onRemove);
  client.on('reconnect', onReconnect);

  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      detach();
      client.off('remove', onRemove);
      client.off('reconnect', onReconnect);
      for (const name of METRIC_NAMES) registry.removeSingleMetric(name);
    },
  };
}

/** The label of an error: its memkit `code`, else `ERR_OTHER` (a RangeError for a bad key). */
function errorCode(error: unknown): string {
  if (error instanceof MemcachedError) return error.code;
  if (error instanceof RangeError) return 'ERR_INVALID_ARGUMENT';
  return 'ERR_OTHER';
}
