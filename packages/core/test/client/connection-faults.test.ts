import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  freePort,
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../../test/support/memcached.js';
import {
  MemcachedClient,
  MemcachedConnectionError,
  MemcachedProtocolError,
  MemcachedTimeoutError,
} from '../../src/index.js';
import { FaultProxy } from './support/fault-proxy.js';

const TIMEOUT_MS = 200;
// A bound, not a race: generous so a loaded CI machine cannot make it flaky.
const BOUND_MS = TIMEOUT_MS + 1000;

async function settleTime<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  try {
    await promise;
    return { ms: performance.now() - started, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe('connection failures without memcached', () => {
  test('a server that accepts and never answers fails every request within the bound', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const client = new MemcachedClient(`127.0.0.1:${port}`, { timeoutMs: TIMEOUT_MS });
    try {
      const calls = [
        client.get('a'),
        client.set('b', 1),
        client.getMulti(['c', 'd']),
        client.incr('e'),
        client.metaGet('f'),
      ];
      const results = await Promise.all(calls.map(settleTime));
      for (const { ms, error } of results) {
        expect(error).toBeInstanceOf(MemcachedTimeoutError);
        expect((error as MemcachedTimeoutError).server).toBe(`127.0.0.1:${port}`);
        expect(ms).toBeLessThan(BOUND_MS);
      }
    } finally {
      await client.close();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  test('connectTimeoutMs bounds a connection that never completes (a TLS handshake left hanging)', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const client = new MemcachedClient(`127.0.0.1:${port}`, {
      tls: true,
      connectTimeoutMs: 150,
      timeoutMs: 5000,
      failureLimit: 100,
    });
    try {
      const { ms, error } = await settleTime(client.get('k'));
      expect(error).toBeInstanceOf(MemcachedTimeoutError);
      expect((error as Error).message).toMatch(/connect/);
      expect(ms).toBeLessThan(150 + 1000);
    } finally {
      await client.close();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  test('a refused connection fails fast with a connection error naming the server', async () => {
    const port = await freePort();
    const client = new MemcachedClient(`127.0.0.1:${port}`, { failureLimit: 100 });
    try {
      const { ms, error } = await settleTime(client.get('k'));
      expect(error).toBeInstanceOf(MemcachedConnectionError);
      expect(error).toMatchObject({
        code: 'ERR_MEMCACHED_CONNECTION',
        server: `127.0.0.1:${port}`,
      });
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect(ms).toBeLessThan(BOUND_MS);
    } finally {
      await client.close();
    }
  });

  test('an error event without listeners does not crash, and failure events report', async () => {
    const port = await freePort();
    const client = new MemcachedClient(`127.0.0.1:${port}`, { failureLimit: 1, retryDelayMs: 20 });
    const failures: string[] = [];
    client.on('failure', (e) => failures.push(e.server));
    const removed = new Promise((resolve) => client.once('remove', resolve));
    try {
      await expect(client.get('k')).rejects.toBeInstanceOf(MemcachedConnectionError);
      await removed;
      // The probe after retryDelayMs fails too; with no 'error' listener nothing is thrown.
      await new Promise((resolve) => client.once('failure', resolve));
      expect(failures.length).toBeGreaterThanOrEqual(2);
      await expect(client.get('k')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_NO_SERVERS' });
    } finally {
      await client.close();
    }
  });
});

test('failures, ejections and failed probes go to the logger and the error event, never the console', async () => {
  const port = await freePort();
  const logged: string[] = [];
  const log = (level: string) => (obj: Record<string, unknown>, msg?: string) =>
    logged.push(`${level} ${msg} ${String(obj.server)}`);
  const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const client = new MemcachedClient(`127.0.0.1:${port}`, {
    failureLimit: 1,
    retryDelayMs: 20,
    logger,
  });
  try {
    const errors: unknown[] = [];
    const probeFailed = new Promise<void>((resolve) =>
      client.on('error', (e) => {
        errors.push(e);
        resolve();
      }),
    );
    await expect(client.get('k')).rejects.toBeInstanceOf(MemcachedConnectionError);
    await probeFailed;
    expect(errors[0]).toMatchObject({
      code: 'ERR_MEMCACHED_CONNECTION',
      server: `127.0.0.1:${port}`,
    });
    expect(logged).toContain(`warn memcached failure 127.0.0.1:${port}`);
    expect(logged).toContain(`error memcached server ejected 127.0.0.1:${port}`);
    expect(logged).toContain(`warn memcached probe failed 127.0.0.1:${port}`);
  } finally {
    await client.close();
  }
});

describe.skipIf(!requireBinary('memcached'))('connection failures behind a fault proxy', () => {
  let memcached: RealMemcached;
  let proxy: FaultProxy;
  let client: MemcachedClient;

  beforeAll(async () => {
    memcached = await startRealMemcached();
  });
  afterAll(async () => {
    await memcached?.stop();
  });
  afterEach(async () => {
    await client?.close();
    await proxy?.stop();
  });

  async function setup(): Promise<void> {
    proxy = await new FaultProxy(memcached.host, memcached.port).start();
    client = new MemcachedClient(proxy.address, { timeoutMs: TIMEOUT_MS, failureLimit: 1000 });
  }

  test('the deadline is per request: reply bytes trickling in do not extend it', async () => {
    await setup();
    await client.set('trickle', 'v');
    proxy.hold();
    const pending = settleTime(client.get('trickle'));
    // Keep traffic flowing on the connection with a partial line that never completes.
    const trickle = setInterval(() => proxy.inject('V'), 20);
    const { ms, error } = await pending;
    clearInterval(trickle);
    expect(error).toBeInstanceOf(MemcachedTimeoutError);
    expect(ms).toBeLessThan(BOUND_MS);
  });

  test('after a timeout, late replies never reach the wrong caller', async () => {
    await setup();
    await client.setMulti([
      ['late-a', 'A'],
      ['late-b', 'B'],
    ]);
    proxy.hold();
    const first = settleTime(client.get('late-a'));
    const second = settleTime(client.set('late-c', 'C'));
    const r1 = await first;
    const r2 = await second;
    expect(r1.error).toBeInstanceOf(MemcachedTimeoutError);
    expect(r2.error).toBeInstanceOf(MemcachedTimeoutError);
    // The held replies are released into the (now reset) connection; a new one answers in order.
    proxy.release();
    expect(await client.get('late-b')).toBe('B');
    expect(await client.get('late-a')).toBe('A');
    expect(await client.get('late-c')).toBe('C');
    expect(proxy.accepted).toBe(2);
  });

  test('a connection closed mid-reply fails exactly the requests in flight on it', async () => {
    await setup();
    await client.set('mid-a', 'x'.repeat(100));
    const done = await client.get('mid-a');
    expect(done).toBe('x'.repeat(100));
    // Let the first ~30 bytes of the next reply through, then close.
    proxy.cutAfterBytes = 30;
    const inFlight = [client.get('mid-a'), client.set('mid-b', 1), client.get('mid-b')];
    const results = await Promise.all(inFlight.map(settleTime));
    for (const r of results) {
      expect(r.error).toBeInstanceOf(MemcachedConnectionError);
      expect(r.ms).toBeLessThan(BOUND_MS);
    }
    // The next request reconnects and gets its own answer.
    expect(await client.get('mid-a')).toBe('x'.repeat(100));
  });

  test('garbage from the server is a protocol error, and the client recovers', async () => {
    await setup();
    await client.set('garbage', 'ok');
    proxy.hold();
    const pending = settleTime(client.get('garbage'));
    await new Promise((r) => setTimeout(r, 20));
    proxy.inject('HELLO THERE\r\n');
    const { error } = await pending;
    expect(error).toBeInstanceOf(MemcachedProtocolError);
    proxy.release();
    expect(await client.get('garbage')).toBe('ok');
  });

  test('dropping every connection fails the in-flight requests, then the client reconnects', async () => {
    await setup();
    const events: string[] = [];
    client.on('reconnecting', () => events.push('reconnecting'));
    client.on('reconnect', () => events.push('reconnect'));
    await client.set('drop', 1);
    proxy.hold();
    const pending = Promise.all([client.get('drop'), client.metaGet('drop')].map(settleTime));
    await new Promise((r) => setTimeout(r, 20));
    proxy.dropAll();
    for (const r of await pending) expect(r.error).toBeInstanceOf(MemcachedConnectionError);
    proxy.release();
    expect(await client.get('drop')).toBe(1);
    expect(events).toEqual(['reconnecting', 'reconnect']);
  });
});
