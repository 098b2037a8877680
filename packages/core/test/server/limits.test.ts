import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/index.js';
import { OUTPUT_HIGH_WATER } from '../../src/server/connection.js';
import { RawClient } from './raw-client.js';

// A real collection before measuring, so the heap check sees live memory, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const servers: MemcachedServer[] = [];
const clients: RawClient[] = [];

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
  for (const s of servers.splice(0)) await s.close();
});

/**
 * Live heap plus ArrayBuffer memory after collection. ArrayBuffer backing stores are released by
 * a background sweeper after a GC, so one collection can still count freed socket buffers: take
 * the lowest of a few collections, each followed by a turn of the event loop.
 */
async function liveMemory(): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
    const m = process.memoryUsage();
    lowest = Math.min(lowest, m.heapUsed + m.arrayBuffers);
  }
  return lowest;
}

/** Polls `cond` until true; fails after `ms`. Waits on a condition, never on a fixed time. */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('memory limit and LRU eviction', () => {
  it('stores far more than memoryLimitMb while keeping bytes and heap growth bounded', async () => {
    const server = await serve({ memoryLimitMb: 2 });
    const c = await open(server);
    const value = 'v'.repeat(10_000);
    const before = await liveMemory();
    // 40 MiB of values through a 2 MiB cache.
    for (let batch = 0; batch < 40; batch++) {
      let cmds = '';
      for (let i = 0; i < 100; i++)
        cmds += `set key-${batch}-${i} 0 0 ${value.length} noreply\r\n${value}\r\n`;
      c.send(cmds);
    }
    expect(await c.request('get key-39-99\r\n', 'END\r\n')).toContain('VALUE key-39-99 0 10000');
    const stats = server.stats();
    expect(stats.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(stats.evictions).toBeGreaterThan(3000);
    expect(Number(stats.curr_items) + Number(stats.evictions)).toBe(4000);
    // The oldest items were evicted, the newest survive.
    expect(await c.request('get key-0-0\r\n', 'END\r\n')).toBe('END\r\n');
    const grown = (await liveMemory()) - before;
    // 2 MiB of items plus overhead; without the limit this would be 40 MiB.
    expect(grown).toBeLessThan(12 * 1024 * 1024);
  });

  it('evicts least recently used items first', async () => {
    const server = await serve({ memoryLimitMb: 1 });
    const c = await open(server);
    const value = 'v'.repeat(100_000);
    for (let i = 0; i < 9; i++) await c.request(`set k${i} 0 0 ${value.length}\r\n${value}\r\n`);
    // Read k0 twice (a fetched item becomes active on its second hit and moves to the head).
    await c.request('get k0\r\n', 'END\r\n');
    await c.request('get k0\r\n', 'END\r\n');
    await c.request(`set k9 0 0 ${value.length}\r\n${value}\r\n`);
    await c.request(`set k10 0 0 ${value.length}\r\n${value}\r\n`);
    expect(await c.request('get k0\r\n', 'END\r\n')).toContain('VALUE k0');
    expect(await c.request('get k1\r\n', 'END\r\n')).toBe('END\r\n');
  });
});

describe('connection limits', () => {
  it('answers ERROR Too many open connections past maxConnections and closes', async () => {
    const server = await serve({ maxConnections: 2 });
    const a = await open(server);
    const b = await open(server);
    expect(await a.request('version\r\n')).toBe('VERSION 1.6.18\r\n');
    expect(await b.request('version\r\n')).toBe('VERSION 1.6.18\r\n');
    const c = await open(server);
    expect(await c.untilClosed()).toBe('ERROR Too many open connections\r\n');
    expect(server.stats().rejected_connections).toBe(1);
    a.close();
    await until(() => server.stats().curr_connections === 1);
    const d = await open(server);
    expect(await d.request('version\r\n')).toBe('VERSION 1.6.18\r\n');
  });
});

describe('back-pressure', () => {
  it('stops reading from a client that pipelines without reading replies', async () => {
    const server = await serve();
    const c = await open(server);
    const value = 'v'.repeat(10_000);
    await c.request(`set big 0 0 ${value.length}\r\n${value}\r\n`);
    c.socket.pause();
    const gets = 5000; // 50 MB of replies
    c.send('get big\r\n'.repeat(gets));
    await until(() => server.bufferStats().backPressuredConnections === 1);
    // The server stopped executing commands instead of queueing 50 MB for this socket.
    expect(Number(server.stats().cmd_get)).toBeLessThan(gets);
    let received = 0;
    c.socket.removeAllListeners('data');
    c.socket.on('data', (d: Buffer) => {
      received += d.length;
    });
    c.socket.resume();
    const replySize = `VALUE big 0 10000\r\n${value}\r\nEND\r\n`.length;
    await until(() => received >= gets * replySize, 30_000);
    expect(received).toBe(gets * replySize);
    expect(Number(server.stats().cmd_get)).toBe(gets);
    // Bounded by the high-water mark plus what one read chunk of commands can produce.
    expect(server.bufferStats().maxBufferedOutputBytes).toBeLessThan(OUTPUT_HIGH_WATER * 4);
  });

  it('keeps every reply byte intact while the socket queues output (reused output blocks)', async () => {
    const server = await serve();
    const c = await open(server);
    // Small values are copied into the server's output block, which it reuses only once a
    // write went straight through; queued writes must never see it overwritten.
    const values = Array.from({ length: 50 }, (_, i) =>
      String.fromCharCode(97 + (i % 26)).repeat(900 + i),
    );
    for (const [i, v] of values.entries())
      await c.request(`set k${i} ${i} 0 ${v.length}\r\n${v}\r\n`);
    c.socket.pause();
    let expected = '';
    // A few gets per write and a turn of the event loop between writes, so that each read gives
    // the server a small batch: one view of its block per write, many of them queued.
    for (let n = 0; n < 30_000; n += 3) {
      let requests = '';
      for (let j = n; j < n + 3; j++) {
        const i = (j * 7) % values.length;
        requests += `get k${i}\r\n`;
        expected += `VALUE k${i} ${i} ${values[i]!.length}\r\n${values[i]}\r\nEND\r\n`;
      }
      c.send(requests);
      await new Promise((r) => setImmediate(r));
    }
    expect(server.bufferStats().maxBufferedOutputBytes).toBeGreaterThan(0);
    const chunks: Buffer[] = [];
    let received = 0;
    c.socket.removeAllListeners('data');
    c.socket.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
    });
    c.socket.resume();
    await until(() => received >= expected.length, 30_000);
    expect(Buffer.concat(chunks).toString('latin1')).toBe(expected);
  });

  it('discards an oversized data block instead of buffering it', async () => {
    const server = await serve({ maxItemSize: 1024 * 1024 });
    const c = await open(server);
    const chunk = 'x'.repeat(1024 * 1024);
    c.send(`set k 0 0 ${16 * chunk.length}\r\n`);
    for (let i = 0; i < 16; i++) c.send(chunk);
    c.send('\r\nversion\r\n');
    expect(await c.readUntil('VERSION 1.6.18\r\n')).toBe(
      'SERVER_ERROR object too large for cache\r\nVERSION 1.6.18\r\n',
    );
    expect(server.bufferStats().maxBufferedInputBytes).toBeLessThan(1024 * 1024);
  });
});
