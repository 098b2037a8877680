import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { requireBinary, startRealMemcached } from '../../../../test/support/memcached.js';
import {
  collectMetrics,
  MemcachedClient,
  type MemcachedServer,
  startServer,
} from '../../src/index.js';

/** The value of one sample line of the text exposition, e.g. `memcached_up{server="a"}`. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

describe('collectMetrics', () => {
  const servers: MemcachedServer[] = [];
  const clients: MemcachedClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function setup(n = 1, options = {}) {
    for (let i = 0; i < n; i++) servers.push(await startServer());
    const client = new MemcachedClient(
      servers.map((s) => s.address),
      options,
    );
    clients.push(client);
    const registry = new Registry();
    const collector = collectMetrics(client, registry);
    return { client, registry, collector };
  }

  it("exports each server's stats under the memcached_exporter's names, labelled by server", async () => {
    const { client, registry } = await setup();
    const server = servers[0]!.address;
    await client.set('a', 'x');
    await client.set('b', 'y');
    await client.get('a');
    await client.get('missing');
    await client.delete('b');
    const text = await registry.metrics();
    const l = `{server="${server}"}`;
    expect(sample(text, `memcached_up${l}`)).toBe(1);
    expect(sample(text, `memcached_current_items${l}`)).toBe(1);
    expect(sample(text, `memcached_items_total${l}`)).toBe(2);
    expect(sample(text, `memcached_limit_bytes${l}`)).toBe(64 * 1024 * 1024);
    expect(sample(text, `memcached_current_bytes${l}`)).toBeGreaterThan(0);
    expect(sample(text, `memcached_current_connections${l}`)).toBeGreaterThan(0);
    expect(sample(text, `memcached_max_connections${l}`)).toBe(1024);
    expect(sample(text, `memcached_read_bytes_total${l}`)).toBeGreaterThan(0);
    expect(sample(text, `memcached_written_bytes_total${l}`)).toBeGreaterThan(0);
    expect(sample(text, `memcached_uptime_seconds${l}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, `memcached_items_evicted_total${l}`)).toBe(0);
    expect(sample(text, `memcached_connections_total${l}`)).toBeGreaterThan(0);
    const cmd = (command: string, status: string) =>
      sample(
        text,
        `memcached_commands_total{server="${server}",command="${command}",status="${status}"}`,
      );
    expect(cmd('get', 'hit')).toBe(1);
    expect(cmd('get', 'miss')).toBe(1);
    expect(cmd('set', 'hit')).toBe(2);
    expect(cmd('delete', 'hit')).toBe(1);
    expect(text).toContain('# TYPE memcached_commands_total counter');
    expect(text).toContain('# TYPE memcached_current_bytes gauge');
  });

  it("measures the client's own calls: latency by command, hits, misses and errors by code", async () => {
    const { client, registry } = await setup();
    await client.set('k1', 1);
    await client.set('k2', 2);
    await client.get('k1');
    await client.get('nope');
    await client.getMulti(['k1', 'k2', 'nope2']);
    await expect(client.get('bad key')).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_INVALID_KEY',
    });
    const text = await registry.metrics();
    expect(sample(text, 'memkit_client_hits_total')).toBe(3);
    expect(sample(text, 'memkit_client_misses_total')).toBe(2);
    expect(sample(text, 'memkit_client_request_duration_seconds_count{command="set"}')).toBe(2);
    expect(sample(text, 'memkit_client_request_duration_seconds_count{command="get"}')).toBe(3);
    expect(sample(text, 'memkit_client_request_duration_seconds_count{command="getMulti"}')).toBe(
      1,
    );
    expect(sample(text, 'memkit_client_errors_total{code="ERR_MEMCACHED_INVALID_KEY"}')).toBe(1);
    expect(sample(text, 'memkit_client_ejected_servers')).toBe(0);
  });

  it('counts hits and misses of every read path: meta gets, gat and gets too', async () => {
    const { client, registry } = await setup();
    await client.set('m1', 'x');
    expect((await client.metaGet('m1', ['v'])).status).toBe('VA');
    expect((await client.metaGet('m1', [])).status).toBe('HD');
    expect((await client.metaGet('m-none', ['v'])).status).toBe('EN');
    expect(await client.gat('m1', 60)).toBe('x');
    expect(await client.gets('m-none')).toBeNull();
    const text = await registry.metrics();
    expect(sample(text, 'memkit_client_hits_total')).toBe(3);
    expect(sample(text, 'memkit_client_misses_total')).toBe(2);
    expect(sample(text, 'memkit_client_request_duration_seconds_count{command="metaGet"}')).toBe(3);
  });

  it('counts only its own client, though every client publishes on the one channel', async () => {
    const { registry } = await setup();
    const other = new MemcachedClient(servers[0]!.address);
    await other.get('elsewhere');
    await other.close();
    expect(sample(await registry.metrics(), 'memkit_client_misses_total')).toBe(0);
  });

  it('reports a server that stops answering as down and counts its ejection', async () => {
    const { registry } = await setup(2, {
      failureLimit: 1,
      retryDelayMs: 60_000,
      timeoutMs: 200,
    });
    const [a, b] = [servers[0]!, servers[1]!];
    expect(sample(await registry.metrics(), `memcached_up{server="${b.address}"}`)).toBe(1);
    await b.close();
    // The first scrape after the loss fails on b and ejects it; the next reads a alone.
    const first = await registry.metrics();
    expect(sample(first, `memcached_up{server="${b.address}"}`)).toBe(0);
    const second = await registry.metrics();
    expect(sample(second, `memcached_up{server="${b.address}"}`)).toBe(0);
    expect(sample(second, `memcached_up{server="${a.address}"}`)).toBe(1);
    expect(sample(second, 'memkit_client_ejected_servers')).toBe(1);
    expect(sample(second, 'memkit_client_ejections_total')).toBe(1);
    expect(sample(second, 'memkit_client_errors_total{code="ERR_MEMCACHED_CONNECTION"}')).toBe(1);
  });

  it('close() unregisters its metrics and stops measuring the client', async () => {
    const { client, registry, collector } = await setup();
    collector.close();
    await client.get('x');
    expect(await registry.metrics()).not.toContain('memcached_');
    const again = new Registry();
    collectMetrics(client, again);
    await client.get('x');
    expect(sample(await again.metrics(), 'memkit_client_misses_total')).toBe(1);
  });
});

describe.skipIf(!requireBinary('memcached'))('collectMetrics against a real memcached', () => {
  it('reads the same names and values from memcached 1.6', async () => {
    const real = await startRealMemcached(['-m', '32', '-c', '200']);
    const client = new MemcachedClient(real.address);
    try {
      const registry = new Registry();
      collectMetrics(client, registry);
      await client.set('r1', 'v');
      await client.get('r1');
      await client.get('r-missing');
      const text = await registry.metrics();
      const l = `{server="${real.address}"}`;
      expect(sample(text, `memcached_up${l}`)).toBe(1);
      expect(sample(text, `memcached_limit_bytes${l}`)).toBe(32 * 1024 * 1024);
      expect(sample(text, `memcached_max_connections${l}`)).toBe(200);
      expect(sample(text, `memcached_current_items${l}`)).toBe(1);
      const cmd = (c: string, st: string) =>
        sample(
          text,
          `memcached_commands_total{server="${real.address}",command="${c}",status="${st}"}`,
        );
      expect(cmd('get', 'hit')).toBe(1);
      expect(cmd('get', 'miss')).toBe(1);
      expect(sample(text, 'memkit_client_hits_total')).toBe(1);
      expect(sample(text, 'memkit_client_misses_total')).toBe(1);
    } finally {
      await client.close();
      await real.stop();
    }
  });
});
