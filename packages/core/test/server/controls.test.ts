import { afterEach, describe, expect, it } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/index.js';
import { RawClient } from './raw-client.js';

const servers: MemcachedServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});
async function setup(): Promise<[MemcachedServer, RawClient]> {
  const s = await startServer();
  servers.push(s);
  const c = await RawClient.open(s.port);
  clients.push(c);
  return [s, c];
}

describe('test controls', () => {
  it('hang() holds every reply until resume(), then answers', async () => {
    const [server, c] = await setup();
    await c.request('set k 0 0 1\r\nx\r\n');
    server.hang();
    let resumed = false;
    const reply = c.request('get k\r\n', 'END\r\n').then((r) => ({ r, resumed }));
    const early = await Promise.race([reply, new Promise((r) => setTimeout(() => r('none'), 150))]);
    expect(early).toBe('none');
    resumed = true;
    server.resume();
    expect(await reply).toEqual({ r: 'VALUE k 0 1\r\nx\r\nEND\r\n', resumed: true });
  });

  it('hang() also holds connections opened while hung', async () => {
    const [server] = await setup();
    server.hang();
    const c = await RawClient.open(server.port);
    clients.push(c);
    const reply = c.request('version\r\n');
    const early = await Promise.race([reply, new Promise((r) => setTimeout(() => r('none'), 150))]);
    expect(early).toBe('none');
    server.resume();
    expect(await reply).toBe('VERSION 1.6.18\r\n');
  });

  it('dropConnections() closes every client but keeps listening', async () => {
    const [server, c] = await setup();
    server.dropConnections();
    await c.untilClosed();
    const d = await RawClient.open(server.port);
    clients.push(d);
    expect(await d.request('version\r\n')).toBe('VERSION 1.6.18\r\n');
  });

  it('delay(ms) answers every batch at least ms late, in order; delay(0) stops', async () => {
    const [server, c] = await setup();
    server.delay(200);
    const started = Date.now();
    c.send('set k 0 0 1\r\nx\r\n');
    c.send('get k\r\n');
    expect(await c.readUntil('END\r\n')).toBe('STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    server.delay(0);
    expect(await c.request('version\r\n')).toBe('VERSION 1.6.18\r\n');
    expect(() => server.delay(-1)).toThrow(RangeError);
  });

  it('advanceClock(seconds) moves stats time forward', async () => {
    const [server] = await setup();
    const t0 = Number(server.stats().time);
    server.advanceClock(3600);
    expect(Number(server.stats().time) - t0).toBeGreaterThanOrEqual(3600);
  });

  it('close() stops listening', async () => {
    const server = await startServer();
    const port = server.port;
    await server.close();
    await expect(RawClient.open(port)).rejects.toThrow();
  });
});

describe('options', () => {
  it('rejects invalid options with ERR_MEMCACHED_INVALID_OPTION naming the option', async () => {
    await expect(startServer({ memoryLimitMb: 0 })).rejects.toThrow(/"memoryLimitMb"/);
    await expect(startServer({ port: 70000 })).rejects.toThrow(/"port"/);
    await expect(startServer({ maxConnections: -1 })).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_INVALID_OPTION',
      option: 'maxConnections',
    });
    await expect(startServer({ bogus: 1 } as never)).rejects.toThrow(/"bogus"/);
  });

  it('exposes host, port and address', async () => {
    const [server] = await setup();
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
  });
});
