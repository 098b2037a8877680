import { collectMetrics, MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { StatsSampler } from '../src/index.js';
import { quantileBetween } from '../src/latency-histogram.js';

describe('quantileBetween', () => {
  it('interpolates inside the bucket the quantile falls in, over the observations in between', () => {
    const before = new Map([
      [0.001, 10],
      [0.01, 10],
      [Number.POSITIVE_INFINITY, 10],
    ]);
    // 100 new observations: 50 under 1 ms, 50 between 1 and 10 ms.
    const after = new Map([
      [0.001, 60],
      [0.01, 110],
      [Number.POSITIVE_INFINITY, 110],
    ]);
    expect(quantileBetween(before, after, 0.5)).toBeCloseTo(0.001);
    expect(quantileBetween(before, after, 0.99)).toBeCloseTo(0.001 + 0.009 * (49 / 50));
    expect(quantileBetween(after, after, 0.5)).toBeNull();
  });
});

describe('StatsSampler', () => {
  const servers: MemcachedServer[] = [];
  const clients: MemcachedClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('a stopped server is a gap in its own row; the fleet figures come from the others', async () => {
    const a = await startServer();
    const b = await startServer();
    servers.push(a, b);
    const client = new MemcachedClient([a.address, b.address]);
    clients.push(client);
    const registry = new Registry();
    const metrics = collectMetrics(client, registry);
    const sampler = new StatsSampler([a.address, b.address], { registry, intervalMs: 60_000 });
    try {
      await sampler.sample();
      for (let i = 0; i < 20; i++) await client.set(`k${i}`, 'v');
      for (let i = 0; i < 20; i++) await client.get(`k${i}`);
      await client.get('missing');
      await sampler.sample();
      let last = sampler.samples().at(-1)!;
      expect(last.hitRate).toBeCloseTo((20 / 21) * 100);
      expect(last.p50Ms).toBeGreaterThan(0);
      expect(last.p99Ms).toBeGreaterThanOrEqual(last.p50Ms!);
      expect(last.items).toBe(20);
      expect(last.servers.map((s) => s.up)).toEqual([true, true]);
      expect(last.servers[0]!.connections).toBeGreaterThan(0);

      // No gets since the last point: no hit rate and no latency, rather than 0 %.
      await sampler.sample();
      last = sampler.samples().at(-1)!;
      expect(last.hitRate).toBeNull();
      expect(last.p50Ms).toBeNull();

      await b.close();
      await sampler.sample();
      last = sampler.samples().at(-1)!;
      const down = last.servers[1]!;
      expect(down).toMatchObject({ server: b.address, up: false, bytes: null, items: null });
      expect(down.error).toMatch(/^ERR_MEMCACHED_/);
      expect(last.items).toBe(last.servers[0]!.items);
    } finally {
      await sampler.stop();
      metrics.close();
    }
  });

  it('given the fleet as a function, follows it: a discovered server gets a row, a removed one loses it', async () => {
    const a = await startServer();
    const b = await startServer();
    servers.push(a, b);
    const fleet = [a.address];
    const sampler = new StatsSampler(() => fleet, { intervalMs: 60_000 });
    try {
      await sampler.sample();
      expect(
        sampler
          .samples()
          .at(-1)!
          .servers.map((s) => s.server),
      ).toEqual([a.address]);
      fleet.push(b.address);
      await sampler.sample();
      expect(
        sampler
          .samples()
          .at(-1)!
          .servers.map((s) => [s.server, s.up]),
      ).toEqual([
        [a.address, true],
        [b.address, true],
      ]);
      fleet.splice(0, 1);
      await sampler.sample();
      expect(
        sampler
          .samples()
          .at(-1)!
          .servers.map((s) => s.server),
      ).toEqual([b.address]);
      // The probe connection to the server that left is closed (only b's remains, plus ours).
      const client = new MemcachedClient(a.address);
      clients.push(client);
      await expect
        .poll(async () => Number(Object.values(await client.stats())[0]!.curr_connections), {
          timeout: 2000,
        })
        .toBe(1);
    } finally {
      await sampler.stop();
    }
  });
});
