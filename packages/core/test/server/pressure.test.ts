import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/index.js';
import { RawClient } from './raw-client.js';

// The in-process server under a full cache and hostile clients (issue #15).

const servers: MemcachedServer[] = [];
const clients: RawClient[] = [];
const sockets: Socket[] = [];

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<MemcachedServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}
async function open(s: MemcachedServer): Promise<RawClient> {
  const c = await RawClient.open(s.port);
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.close();
});

/** Polls `cond` until true; fails after `ms`. Waits on a condition, never on a fixed time. */
async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const stat = (s: MemcachedServer, name: string): number => Number(s.stats()[name]);

/** `stats items` of one class as numbers. */
async function itemsStats(c: RawClient, cls: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const text = await c.request('stats items\r\n', 'END\r\n');
  for (const m of text.matchAll(/STAT items:(\d+):(\w+) (\d+)/g)) {
    if (Number(m[1]) === cls) out[m[2]!] = Number(m[3]);
  }
  return out;
}

/** A raw socket whose writes resolve once the kernel took them (back-pressure respected). */
function rawSocket(port: number, allowHalfOpen = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', allowHalfOpen });
    sockets.push(s);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}
function write(s: Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    if (s.write(data)) resolve();
    else s.once('drain', () => resolve());
  });
}

describe('unterminated get lines', () => {
  it('24 clients sending 7 MiB get lines without a newline neither stall another client nor make the server buffer them', async () => {
    const server = await serve();
    const probe = await open(server);
    expect(await probe.request('set k 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
    const LINE = 7 * 1024 * 1024;
    const CLIENTS = 24;
    const chunk = Buffer.from('key-00000 '.repeat(6554));
    const senders = await Promise.all(
      Array.from({ length: CLIENTS }, () => rawSocket(server.port)),
    );
    const replies = senders.map(() => '');
    senders.forEach((s, i) => {
      s.on('data', (d: Buffer) => {
        replies[i] += d.toString('latin1');
      });
    });
    const sending = senders.map(async (s) => {
      await write(s, 'get ');
      for (let sent = 4; sent < LINE; sent += chunk.length) await write(s, chunk);
    });
    // Every sender is well under way before the probe asks.
    await until(() => stat(server, 'bytes_read') >= CLIENTS * 1024 * 1024);
    expect(await probe.request('get k\r\n', 'END\r\n')).toBe('VALUE k 0 1\r\nx\r\nEND\r\n');
    // Answered while the long lines were still arriving, not after the server read them all.
    expect(stat(server, 'bytes_read')).toBeLessThan(CLIENTS * LINE);
    await Promise.all(sending);
    for (const s of senders) s.write('k\r\n');
    await until(() => replies.every((r) => r.endsWith('END\r\n')));
    for (const r of replies) expect(r).toBe('VALUE k 0 1\r\nx\r\nEND\r\n');
    // Keys are looked up as they arrive: no connection ever held its line.
    expect(server.bufferStats().maxBufferedInputBytes).toBeLessThan(64 * 1024);
    expect(stat(server, 'get_misses')).toBeGreaterThan(CLIENTS * 700_000);
  }, 120_000);

  it('closes a connection whose unterminated non-get line passes 2048 bytes, without a reply', async () => {
    const server = await serve();
    const c = await open(server);
    c.send(`set ${'k'.repeat(2100)}`);
    expect(await c.untilClosed()).toBe('');
  });
});

describe('connections past maxConnections', () => {
  // Descriptors of this process: the server's sockets and the test's own client sockets.
  const fds = () => readdirSync('/proc/self/fd').length;

  it.skipIf(process.platform !== 'linux')(
    'are answered and destroyed, so a flood of half-open clients holds no descriptors',
    async () => {
      const LIMIT = 16;
      const FLOOD = 300;
      const server = await serve({ maxConnections: LIMIT });
      for (let i = 0; i < LIMIT; i++) {
        const c = await open(server);
        expect(await c.request('version\r\n')).toBe('VERSION 1.6.18\r\n');
      }
      const before = fds();
      // Clients that never close their side (allowHalfOpen): only the server can free the
      // descriptor it holds for each.
      const flood = await Promise.all(
        Array.from({ length: FLOOD }, () =>
          rawSocket(server.port, true).then(
            (s) =>
              new Promise<string>((resolve) => {
                let got = '';
                s.on('data', (d: Buffer) => (got += d.toString()));
                s.once('end', () => resolve(got));
              }),
          ),
        ),
      );
      for (const got of flood) expect(got).toBe('ERROR Too many open connections\r\n');
      expect(stat(server, 'rejected_connections')).toBe(FLOOD);
      // The flood's own FLOOD client descriptors remain; the server's side must be gone.
      await until(() => fds() - before <= FLOOD + 10);
      expect(stat(server, 'curr_connections')).toBe(LIMIT);
    },
  );
});

describe('a full cache', () => {
  it('evicts from the COLD tail of the class, counting evictions and evicted_unfetched', async () => {
    const server = await serve({ memoryLimitMb: 2 });
    const c = await open(server);
    const value = 'v'.repeat(1000);
    let cmds = '';
    for (let i = 0; i < 5000; i++)
      cmds += `set key-${i} 0 0 ${value.length} noreply\r\n${value}\r\n`;
    c.send(cmds);
    expect(await c.request('mn\r\n')).toBe('MN\r\n');
    const evictions = stat(server, 'evictions');
    expect(evictions).toBeGreaterThan(2000);
    expect(stat(server, 'curr_items') + evictions).toBe(5000);
    expect(stat(server, 'evicted_unfetched')).toBe(evictions);
    // The oldest went first.
    expect(await c.request('get key-0\r\n', 'END\r\n')).toBe('END\r\n');
    expect(await c.request('get key-4999\r\n', 'END\r\n')).toContain('VALUE key-4999');
    // HOT holds at most hot_lru_pct (20%) of the class; the rest sits in COLD.
    const cls = Number(/cls=(\d+)/.exec(await c.request('me key-4999\r\n'))![1]);
    const items = await itemsStats(c, cls);
    expect(items.number_hot! + items.number_warm! + items.number_cold!).toBe(items.number);
    expect(items.number_hot!).toBeLessThanOrEqual(Math.ceil(items.number! * 0.2));
    expect(items.number_cold!).toBeGreaterThan(items.number! / 2);
  });

  it('rescues an item hit twice in COLD to WARM, so new sets evict around it', async () => {
    const server = await serve({ memoryLimitMb: 2 });
    const c = await open(server);
    const value = 'v'.repeat(1000);
    let cmds = '';
    for (let i = 0; i < 1200; i++)
      cmds += `set key-${i} 0 0 ${value.length} noreply\r\n${value}\r\n`;
    c.send(cmds);
    // key-0 is the COLD tail by now; two hits make it active and move it to WARM.
    expect(await c.request('get key-0\r\n', 'END\r\n')).toContain('VALUE key-0 ');
    expect(await c.request('get key-0\r\n', 'END\r\n')).toContain('VALUE key-0 ');
    const cls = Number(/cls=(\d+)/.exec(await c.request('me key-0\r\n'))![1]);
    const warm = await itemsStats(c, cls);
    expect(warm.number_warm).toBe(1);
    expect(warm.hits_to_cold).toBe(2);
    cmds = '';
    for (let i = 1200; i < 3000; i++)
      cmds += `set key-${i} 0 0 ${value.length} noreply\r\n${value}\r\n`;
    c.send(cmds);
    expect(await c.request('get key-1\r\n', 'END\r\n')).toBe('END\r\n');
    expect(await c.request('get key-0\r\n', 'END\r\n')).toContain('VALUE key-0 ');
  });

  it('counts values still being read against the limit and refuses past it with SERVER_ERROR out of memory storing object', async () => {
    const server = await serve({ memoryLimitMb: 4 });
    const size = 1_000_000;
    const writers = await Promise.all(Array.from({ length: 8 }, () => open(server)));
    // Small items fill the cache first: reservations for the big values evict them.
    const filler = writers[0]!;
    let cmds = '';
    for (let i = 0; i < 500; i++)
      cmds += `set small-${i} 0 0 100 noreply\r\n${'s'.repeat(100)}\r\n`;
    filler.send(cmds);
    expect(await filler.request('mn\r\n')).toBe('MN\r\n');
    writers.forEach((w, i) => {
      w.send(`set big-${i} 0 0 ${size}\r\n${'b'.repeat(1000)}`);
    });
    await until(() => stat(server, 'bytes_read') >= 8 * 1000 + 500 * 120);
    await until(() => stat(server, 'store_no_memory') === 4);
    await until(
      () =>
        writers.filter((w) => w.pending() === 'SERVER_ERROR out of memory storing object\r\n')
          .length === 4,
    );
    expect(stat(server, 'curr_items')).toBe(0);
    expect(stat(server, 'evictions')).toBe(500);
    // Clients that hung up give their reservation back: a new big value fits again.
    for (const w of writers) w.close();
    await until(() => stat(server, 'curr_connections') === 0);
    const c = await open(server);
    expect(await c.request(`set big 0 0 ${size}\r\n${'b'.repeat(size)}\r\n`)).toBe('STORED\r\n');
  });
});

describe('the LRU crawler', () => {
  it('runs on a timer that keeps no process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const server = await serve();
    expect(timers()).toBe(before);
    await server.close();
    expect(timers()).toBe(before);
  });

  it('reclaims expired and flushed items in the background, as memcached counts them', async () => {
    const server = await serve();
    const c = await open(server);
    let cmds = '';
    // The live items go first, so they are the COLD tail: the expired ones behind them are out
    // of reach of the LRU tails and only a crawl finds them.
    for (let i = 0; i < 50; i++) cmds += `set keep-${i} 0 0 1 noreply\r\nx\r\n`;
    for (let i = 0; i < 100; i++) cmds += `set exp-${i} 0 10 1 noreply\r\nx\r\n`;
    c.send(cmds);
    expect(await c.request('get exp-0\r\n', 'END\r\n')).toContain('VALUE exp-0');
    expect(stat(server, 'curr_items')).toBe(150);
    server.advanceClock(11);
    // No request touches the expired items: only the background threads can take them out,
    // the LRU maintainer at the tails (reclaimed) or the crawler (crawler_reclaimed).
    await until(() => stat(server, 'curr_items') === 50);
    const reclaimed = () => stat(server, 'reclaimed') + stat(server, 'crawler_reclaimed');
    expect(reclaimed()).toBe(100);
    expect(stat(server, 'crawler_reclaimed')).toBeGreaterThan(0);
    // exp-0 was read; the other 99 expired unread.
    expect(stat(server, 'expired_unfetched')).toBe(99);
    // What is left is the 50 live items: 48-byte header, key + NUL, value + \r\n, CAS.
    let live = 0;
    for (let i = 0; i < 50; i++) live += 48 + `keep-${i}`.length + 1 + 1 + 2 + 8;
    expect(stat(server, 'bytes')).toBe(live);
    expect(await c.request('flush_all\r\n')).toBe('OK\r\n');
    await until(() => stat(server, 'curr_items') === 0);
    expect(stat(server, 'bytes')).toBe(0);
    expect(reclaimed()).toBe(150);
  });
});
