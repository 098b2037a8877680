import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/index.js';
import { RawClient } from './raw-client.js';

let server: MemcachedServer;
let c: RawClient;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  c = await RawClient.open(server.port);
  await c.request('flush_all\r\n');
});
afterEach(() => c.close());

const get = (key: string) => c.request(`get ${key}\r\n`, 'END\r\n');

describe('expiry on the server clock (advanceClock, no sleeping)', () => {
  it('expires an item once its relative exptime has passed', async () => {
    await c.request('set k 0 10 1\r\nx\r\n');
    server.advanceClock(9);
    expect(await get('k')).toBe('VALUE k 0 1\r\nx\r\nEND\r\n');
    server.advanceClock(1);
    expect(await get('k')).toBe('END\r\n');
    expect(server.stats().get_expired).toBe(1);
  });

  it('treats a negative exptime as already expired', async () => {
    expect(await c.request('set k 0 -1 1\r\nx\r\n')).toBe('STORED\r\n');
    expect(await get('k')).toBe('END\r\n');
  });

  it('treats an exptime above 30 days as an absolute unix time', async () => {
    const now = Number(server.stats().time);
    await c.request(`set future 0 ${now + 100} 1\r\nx\r\n`);
    // 30 days + 1 second is a unix time in 1970: long past, so expired at once.
    await c.request(`set past 0 ${60 * 60 * 24 * 30 + 1} 1\r\nx\r\n`);
    expect(await get('past')).toBe('END\r\n');
    expect(await get('future')).toBe('VALUE future 0 1\r\nx\r\nEND\r\n');
    server.advanceClock(101);
    expect(await get('future')).toBe('END\r\n');
  });

  it('keeps items with exptime 0 forever', async () => {
    await c.request('set k 0 0 1\r\nx\r\n');
    server.advanceClock(365 * 24 * 3600);
    expect(await get('k')).toBe('VALUE k 0 1\r\nx\r\nEND\r\n');
  });

  it('flush_all with a delay invalidates items only when the delay has passed', async () => {
    await c.request('set old 0 0 1\r\nx\r\n');
    expect(await c.request('flush_all 10\r\n')).toBe('OK\r\n');
    server.advanceClock(5);
    expect(await get('old')).toBe('VALUE old 0 1\r\nx\r\nEND\r\n');
    server.advanceClock(6);
    expect(await get('old')).toBe('END\r\n');
    // Items stored after the flush time are live again.
    await c.request('set new 0 0 1\r\ny\r\n');
    expect(await get('new')).toBe('VALUE new 0 1\r\ny\r\nEND\r\n');
    expect(server.stats().get_flushed).toBe(1);
  });

  it('flush_all without delay removes items stored in the same second', async () => {
    await c.request('set a 0 0 1\r\nx\r\n');
    await c.request('flush_all\r\n');
    expect(await get('a')).toBe('END\r\n');
    await c.request('set b 0 0 1\r\ny\r\n');
    expect(await get('b')).toBe('VALUE b 0 1\r\ny\r\nEND\r\n');
  });
});
