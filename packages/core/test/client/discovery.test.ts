import { connect } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { requireBinary, startRealMemcached } from '../../../../test/support/memcached.js';
import { KetamaRing } from '../../src/client/ketama.js';
import {
  MemcachedClient,
  type MemcachedError,
  type MemcachedServer,
  startServer,
  type TopologyEvent,
} from '../../src/index.js';
import { invalidOptionError } from '../options/expect-invalid-option.js';
import { startFakeDns } from './support/fake-dns.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function inProcess(options: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer(options);
  cleanup.push(() => server.close());
  return server;
}

/** The raw reply of one command line, read until `until` ends it. */
function ask(address: string, line: string, until: RegExp): Promise<string> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host as string, () => socket.write(line));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString('latin1');
      if (until.test(out)) {
        socket.destroy();
        resolve(out);
      }
    });
    socket.on('error', reject);
  });
}

function nextTopology(client: MemcachedClient): Promise<TopologyEvent> {
  return new Promise((resolve) => client.once('topology', resolve));
}

function keys(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `fleet:key:${i}`);
}

describe('the in-process server as an ElastiCache configuration endpoint', () => {
  test('answers config get cluster in ElastiCache format and bumps the version on change', async () => {
    const server = await inProcess({ clusterConfig: ['10.0.0.1:11211', 'cache-b.local:11212'] });
    const body = '1\n10.0.0.1|10.0.0.1|11211 cache-b.local||11212\n';
    expect(await ask(server.address, 'config get cluster\r\n', /END\r\n$/)).toBe(
      `CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`,
    );
    server.setClusterConfig(['10.0.0.1:11211']);
    const next = '2\n10.0.0.1|10.0.0.1|11211\n';
    expect(await ask(server.address, 'config get cluster\r\n', /END\r\n$/)).toBe(
      `CONFIG cluster 0 ${next.length}\r\n${next}\r\nEND\r\n`,
    );
  });

  test('without clusterConfig it answers ERROR, as memcached does', async () => {
    const server = await inProcess();
    expect(await ask(server.address, 'config get cluster\r\n', /\r\n$/)).toBe('ERROR\r\n');
  });

  test('refuses a node that is not host:port, naming it', async () => {
    await expect(startServer({ clusterConfig: ['nope'] })).rejects.toThrow(/"nope"/);
    const server = await inProcess({ clusterConfig: [] });
    expect(() => server.setClusterConfig(['a:0'])).toThrow(RangeError);
  });
});

test('adding a 4th equal server to 3 moves only keys to it, about a quarter and under a third', () => {
  const node = (id: string) => ({ id, host: id.split(':')[0] as string, port: 11211, weight: 1 });
  const three = new KetamaRing(['a:11211', 'b:11211', 'c:11211'].map(node));
  const four = new KetamaRing(['a:11211', 'b:11211', 'c:11211', 'd:11211'].map(node));
  const all = keys(20_000);
  const moved = all.filter((k) => three.nodeFor(k).id !== four.nodeFor(k).id);
  expect(moved.every((k) => four.nodeFor(k).id === 'd:11211')).toBe(true);
  expect(moved.length / all.length).toBeGreaterThan(0.15);
  expect(moved.length / all.length).toBeLessThan(1 / 3);
});

interface Fleet {
  name: string;
  available: boolean;
  start(): Promise<{ address: string; connections?: () => number }>;
}

const FLEETS: Fleet[] = [
  {
    name: 'in-process servers',
    available: true,
    async start() {
      const server: MemcachedServer = await inProcess();
      return {
        address: server.address,
        connections: () => Number(server.stats().curr_connections),
      };
    },
  },
  {
    name: 'real memcached',
    available: requireBinary('memcached'),
    async start() {
      const m = await startRealMemcached();
      cleanup.push(() => m.stop());
      return { address: m.address };
    },
  },
];

describe.each(FLEETS)('ElastiCache discovery over a fleet of $name', ({ available, start }) => {
  test.runIf(available)(
    'grows 2 to 3 and shrinks 3 to 2 under continuous load: no request fails, only the keys of the servers that came or went move',
    async () => {
      const [a, b, c] = [await start(), await start(), await start()];
      const endpoint = await inProcess({ clusterConfig: [a.address, b.address] });
      const baselineB = b.connections?.();
      const client = new MemcachedClient(undefined, {
        discovery: { elasticache: endpoint.address, intervalMs: 20 },
        timeoutMs: 2000,
      });
      cleanup.push(() => client.close());
      await client.ready();
      expect(client.servers).toEqual([a.address, b.address]);

      // Continuous load: 8 callers setting and reading their keys until told to stop.
      const failures: unknown[] = [];
      let done = 0;
      let running = true;
      const worker = async (w: number) => {
        for (let i = 0; running; i++) {
          const key = `load:${w}:${i % 50}`;
          try {
            await client.set(key, { w, i });
            await client.get(key);
            done++;
          } catch (error) {
            failures.push(error);
          }
        }
      };
      const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
      const waitForLoad = async (n: number) => {
        const target = done + n;
        for (let i = 0; i < 500 && done < target; i++) await new Promise((r) => setTimeout(r, 5));
        expect(done).toBeGreaterThanOrEqual(target);
      };

      const sample = keys(3000);
      const before = new Map(sample.map((k) => [k, client.serverFor(k)]));
      await waitForLoad(200);

      const grown = nextTopology(client);
      endpoint.setClusterConfig([a.address, b.address, c.address]);
      expect(await grown).toEqual({
        added: [c.address],
        removed: [],
        servers: [a.address, b.address, c.address],
      });
      const moved = sample.filter((k) => client.serverFor(k) !== before.get(k));
      expect(moved.every((k) => client.serverFor(k) === c.address)).toBe(true);
      expect(moved.length / sample.length).toBeGreaterThan(0.2);
      expect(moved.length / sample.length).toBeLessThan(0.45);
      await waitForLoad(200);

      const middle = new Map(sample.map((k) => [k, client.serverFor(k)]));
      const shrunk = nextTopology(client);
      endpoint.setClusterConfig([a.address, c.address]);
      expect(await shrunk).toEqual({
        added: [],
        removed: [b.address],
        servers: [a.address, c.address],
      });
      for (const k of sample) {
        if (middle.get(k) === b.address) expect(client.serverFor(k)).not.toBe(b.address);
        else expect(client.serverFor(k)).toBe(middle.get(k));
      }
      await waitForLoad(200);
      running = false;
      await load;
      expect(failures).toEqual([]);

      // The removed server's connections are closed once its requests settled.
      if (b.connections !== undefined) {
        for (let i = 0; i < 200 && b.connections() !== baselineB; i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(b.connections()).toBe(baselineB);
      }
    },
  );
});

describe('discovery failures', () => {
  test('an endpoint that is not one: ready() rejects, requests fail typed, nothing throws elsewhere', async () => {
    const plain = await inProcess();
    const errors: MemcachedError[] = [];
    const client = new MemcachedClient(undefined, {
      discovery: { elasticache: plain.address, intervalMs: 60_000 },
    });
    cleanup.push(() => client.close());
    client.on('error', (e) => errors.push(e));
    await expect(client.ready()).rejects.toMatchObject({ code: 'ERR_MEMCACHED_DISCOVERY' });
    expect(errors.map((e) => e.code)).toEqual(['ERR_MEMCACHED_DISCOVERY']);
    await expect(client.get('k')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_NO_SERVERS' });
  });

  test('a failing endpoint keeps the last good list and reports through the logger and the error event', async () => {
    const server = await inProcess();
    const endpoint = await inProcess({ clusterConfig: [server.address] });
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, warn: (o: unknown) => warnings.push(o), error() {} };
    const client = new MemcachedClient(undefined, {
      discovery: { elasticache: endpoint.address, intervalMs: 60_000 },
      logger,
    });
    cleanup.push(() => client.close());
    await client.ready();
    const failed = new Promise<MemcachedError>((resolve) => client.once('error', resolve));
    await endpoint.close();
    await expect(client.refreshServers()).resolves.toBeUndefined();
    expect((await failed).code).toBe('ERR_MEMCACHED_DISCOVERY');
    expect(warnings).toHaveLength(1);
    expect(client.servers).toEqual([server.address]);
    expect(await client.set('still', 'works')).toBe(true);
    expect(await client.get('still')).toBe('works');
  });

  test('bad discovery options are refused at construction, named with their dotted path', () => {
    const cases: [unknown, string, string][] = [
      [{}, 'discovery', 'exactly one of "elasticache"'],
      [{ elasticache: 'a:1', dns: 'x' }, 'discovery', 'got both'],
      ['a:1', 'discovery', 'expected { elasticache } or { dns }, got "a:1"'],
      [
        { elasticache: 'no-port' },
        'discovery.elasticache',
        'expected a configuration endpoint "host:port", got "no-port"',
      ],
      [{ elasticache: 'a:1', port: 11212 }, 'discovery.port', 'DNS discovery ({ dns }) only'],
      [{ dns: 'x', intervalMs: 0 }, 'discovery.intervalMs', 'expected a positive integer, got 0'],
      [
        { dns: 'x', port: 70000 },
        'discovery.port',
        'expected an integer from 1 to 65535, got 70000',
      ],
      [{ dns: 'x', srv: 'yes' }, 'discovery.srv', 'expected a boolean'],
      [{ dns: ' ' }, 'discovery.dns', 'expected a host name without whitespace'],
      [{ dns: 'x', dnsServers: '10.0.0.2' }, 'discovery.dnsServers', 'a list of "ip" or "ip:port"'],
      [
        { dns: 'x', surprise: true },
        'discovery.surprise',
        'unknown option. Known options: elasticache, dns',
      ],
    ];
    for (const [discovery, option, expected] of cases) {
      const e = invalidOptionError(
        () => new MemcachedClient(undefined, { discovery: discovery as never }),
        option,
      );
      expect(e.message, JSON.stringify(discovery)).toContain(expected);
    }
  });
});

describe('DNS discovery', () => {
  test('A records: follows a headless Service as pods come and go, keeping the last list on NXDOMAIN', async () => {
    const dns = await startFakeDns();
    cleanup.push(() => dns.close());
    const first = await inProcess({ host: '127.0.0.2' });
    const second = await inProcess({ host: '127.0.0.3', port: first.port });
    const name = 'memcached-headless.default.svc.cluster.local';
    dns.set(name, { a: ['127.0.0.2'] });
    const client = new MemcachedClient(undefined, {
      discovery: { dns: name, port: first.port, dnsServers: [dns.address], intervalMs: 20 },
    });
    cleanup.push(() => client.close());
    await client.ready();
    expect(client.servers).toEqual([first.address]);

    const grown = nextTopology(client);
    dns.set(name, { a: ['127.0.0.3', '127.0.0.2'] });
    expect(await grown).toEqual({
      added: [second.address],
      removed: [],
      servers: [first.address, second.address],
    });
    const all = keys(40);
    for (const k of all) expect(await client.set(k, k)).toBe(true);
    expect(first.stats().curr_items).toBeGreaterThan(0);
    expect(second.stats().curr_items).toBeGreaterThan(0);

    const failed = new Promise<MemcachedError>((resolve) => client.once('error', resolve));
    dns.set(name, undefined);
    expect((await failed).code).toBe('ERR_MEMCACHED_DISCOVERY');
    expect(client.servers).toEqual([first.address, second.address]);
    expect(await client.getMulti(all)).toHaveProperty('size', all.length);
  });

  test('SRV records: targets and ports come from the records', async () => {
    const dns = await startFakeDns();
    cleanup.push(() => dns.close());
    const [one, two] = [await inProcess(), await inProcess()];
    const name = '_memcache._tcp.memcached.default.svc.cluster.local';
    dns.set(name, { srv: [{ target: '127.0.0.1', port: one.port }] });
    const client = new MemcachedClient(undefined, {
      discovery: { dns: name, srv: true, dnsServers: [dns.address], intervalMs: 20 },
    });
    cleanup.push(() => client.close());
    await client.ready();
    expect(client.servers).toEqual([one.address]);
    const shrunkAndGrown = nextTopology(client);
    dns.set(name, { srv: [{ target: '127.0.0.1', port: two.port }] });
    expect(await shrunkAndGrown).toEqual({
      added: [two.address],
      removed: [one.address],
      servers: [two.address],
    });
    expect(await client.set('srv', 1)).toBe(true);
    expect(two.stats().curr_items).toBe(1);
  });
});
