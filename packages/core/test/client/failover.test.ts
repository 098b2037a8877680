import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, test } from 'vitest';
import {
  freeze,
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../../test/support/memcached.js';
import {
  MemcachedClient,
  MemcachedError,
  MemcachedTimeoutError,
  type RemoveEvent,
} from '../../src/index.js';

interface Vectors {
  configs: Record<string, { servers: string[]; mapping: string[] }>;
}

const TIMEOUT_MS = 250;
const BOUND_MS = TIMEOUT_MS + 1000;

test('serverFor places keys exactly as libmemcached does (its own recorded mappings)', () => {
  const vectors = JSON.parse(
    readFileSync('/work/shared/reference/ketama-vectors.json', 'utf8'),
  ) as Vectors;
  for (const [name, config] of Object.entries(vectors.configs)) {
    // serverFor only consults the ring: no connection is opened to these made-up hosts.
    const client = new MemcachedClient(config.servers);
    const wrong = config.mapping.filter((server, i) => client.serverFor(String(i)) !== server);
    expect(wrong, name).toEqual([]);
  }
});

describe.skipIf(!requireBinary('memcached'))('three real memcached processes', () => {
  let servers: RealMemcached[] = [];
  const clients: MemcachedClient[] = [];

  async function startThree(): Promise<RealMemcached[]> {
    servers = await Promise.all([startRealMemcached(), startRealMemcached(), startRealMemcached()]);
    return [...servers];
  }
  function track(client: MemcachedClient): MemcachedClient {
    clients.push(client);
    return client;
  }
  afterEach(async () => {
    for (const s of servers) s.process.kill('SIGCONT');
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
  });

  test('keys are stored on the server ketama names', async () => {
    const three = await startThree();
    const client = track(new MemcachedClient(three.map((s) => s.address)));
    const keys = Array.from({ length: 300 }, (_, i) => `spread:${i}`);
    await client.setMulti(keys.map((k) => [k, k] as const));
    const direct = three.map((s) => track(new MemcachedClient(s.address)));
    const counts = new Map<string, number>();
    for (const [i, s] of three.entries()) {
      const held = await direct[i]?.getMulti(keys);
      for (const key of held?.keys() ?? []) expect(client.serverFor(key)).toBe(s.address);
      counts.set(s.address, held?.size ?? 0);
    }
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(300);
    for (const n of counts.values()) expect(n).toBeGreaterThan(50);
    expect((await client.getMulti(keys)).size).toBe(300);
  });

  test('one server killed mid-load: every operation settles in bound and the ring re-forms', async () => {
    const three = await startThree();
    const victim = three[1] as RealMemcached;
    const client = track(
      new MemcachedClient(
        three.map((s) => s.address),
        { timeoutMs: TIMEOUT_MS, failureLimit: 2, retryDelayMs: 60_000 },
      ),
    );
    const removed = new Promise<RemoveEvent>((resolve) => client.once('remove', resolve));
    let slowest = 0;
    let ok = 0;
    const failures = new Set<string>();
    let stop = false;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const key = `load:${w}:${i % 50}`;
        const started = performance.now();
        try {
          if (i % 2 === 0) await client.set(key, i);
          else await client.get(key);
          ok++;
        } catch (error) {
          expect(error).toBeInstanceOf(MemcachedError);
          failures.add((error as MemcachedError).code);
        }
        slowest = Math.max(slowest, performance.now() - started);
      }
    };
    const workers = Array.from({ length: 50 }, (_, w) => worker(w));
    while (ok < 2000) await new Promise((r) => setTimeout(r, 5));
    await victim.stop();
    const event = await removed;
    expect(event.server).toBe(victim.address);
    const okAtRemoval = ok;
    while (ok < okAtRemoval + 2000) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(workers);
    expect(slowest).toBeLessThan(BOUND_MS);
    expect(
      [...failures].every((c) => c === 'ERR_MEMCACHED_CONNECTION' || c.endsWith('TIMEOUT')),
    ).toBe(true);
    // The ring re-formed over the two survivors: every key maps to one and works.
    const keys = Array.from({ length: 200 }, (_, i) => `after:${i}`);
    for (const key of keys) expect(client.serverFor(key)).not.toBe(victim.address);
    await client.setMulti(keys.map((k) => [k, 1] as const));
    expect((await client.getMulti(keys)).size).toBe(200);
  });

  test('one server frozen with SIGSTOP: its requests time out in bound, the others succeed; SIGCONT re-adds it', async () => {
    const three = await startThree();
    const frozen = three[0] as RealMemcached;
    const client = track(
      new MemcachedClient(
        three.map((s) => s.address),
        { timeoutMs: TIMEOUT_MS, failureLimit: 2, retryDelayMs: 300 },
      ),
    );
    const keys = Array.from({ length: 60 }, (_, i) => `frozen:${i}`);
    await client.setMulti(keys.map((k) => [k, k] as const));
    const onFrozen = keys.filter((k) => client.serverFor(k) === frozen.address);
    const elsewhere = keys.filter((k) => client.serverFor(k) !== frozen.address);
    expect(onFrozen.length).toBeGreaterThan(0);

    const removed = new Promise<RemoveEvent>((resolve) => client.once('remove', resolve));
    await freeze(frozen.process);
    const started = performance.now();
    const [frozenResults, otherResults] = await Promise.all([
      Promise.allSettled(onFrozen.map((k) => client.get(k))),
      Promise.all(elsewhere.map((k) => client.get(k))),
    ]);
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
    for (const r of frozenResults) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(MemcachedTimeoutError);
      expect((r as PromiseRejectedResult).reason.server).toBe(frozen.address);
    }
    expect(otherResults).toEqual(elsewhere);

    // A second timed-out incident reaches failureLimit and ejects it; its keys move on.
    await Promise.allSettled(onFrozen.map((k) => client.get(k)));
    expect((await removed).server).toBe(frozen.address);
    for (const k of onFrozen) expect(client.serverFor(k)).not.toBe(frozen.address);
    expect(await client.get(onFrozen[0] as string)).toBeNull();

    const back = new Promise<void>((resolve) =>
      client.on('reconnect', (e) => {
        if (e.server === frozen.address) resolve();
      }),
    );
    frozen.process.kill('SIGCONT');
    await back;
    for (const k of onFrozen) expect(client.serverFor(k)).toBe(frozen.address);
    expect(await client.getMulti(onFrozen)).toEqual(new Map(onFrozen.map((k) => [k, k] as const)));
  });

  test("remove: false fails an ejected server's keys fast instead of moving them", async () => {
    const three = await startThree();
    const dead = three[2] as RealMemcached;
    const client = track(
      new MemcachedClient(
        three.map((s) => s.address),
        { timeoutMs: TIMEOUT_MS, failureLimit: 1, retryDelayMs: 60_000, remove: false },
      ),
    );
    const keys = Array.from({ length: 60 }, (_, i) => `ff:${i}`);
    const onDead = keys.filter((k) => client.serverFor(k) === dead.address);
    await dead.stop();
    const removed = new Promise((resolve) => client.once('remove', resolve));
    await expect(client.get(onDead[0] as string)).rejects.toBeInstanceOf(MemcachedError);
    await removed;
    expect(client.serverFor(onDead[0] as string)).toBe(dead.address);
    const started = performance.now();
    await expect(client.get(onDead[0] as string)).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_NO_SERVERS',
    });
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS);
  });

  test("gutter: an ejected server's keys go to the gutter pool with capped TTLs", async () => {
    const three = await startThree();
    const gutter = await startRealMemcached();
    servers.push(gutter);
    const dead = three[0] as RealMemcached;
    const client = track(
      new MemcachedClient(
        three.map((s) => s.address),
        {
          timeoutMs: TIMEOUT_MS,
          failureLimit: 1,
          retryDelayMs: 60_000,
          gutter: gutter.address,
          gutterTtl: 5,
        },
      ),
    );
    const keys = Array.from({ length: 60 }, (_, i) => `gut:${i}`);
    const onDead = keys.filter((k) => client.serverFor(k) === dead.address);
    const others = keys.filter((k) => client.serverFor(k) !== dead.address);
    await dead.stop();
    const removed = new Promise((resolve) => client.once('remove', resolve));
    await expect(client.get(onDead[0] as string)).rejects.toBeInstanceOf(MemcachedError);
    await removed;
    // Other keys stay where they were; the dead server's keys now live in the gutter.
    for (const k of others) expect(client.serverFor(k)).not.toBe(gutter.address);
    for (const k of onDead) expect(client.serverFor(k)).toBe(gutter.address);
    await client.set(onDead[0] as string, 'spare', { ttl: 3600 });
    const direct = track(new MemcachedClient(gutter.address));
    const meta = await direct.metaGet(onDead[0] as string, ['v', 't']);
    expect(meta.value?.toString()).toBe('spare');
    expect(Number(meta.flags.t)).toBeLessThanOrEqual(5);
    expect(Number(meta.flags.t)).toBeGreaterThan(0);
  });
});
