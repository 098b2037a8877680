import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, test } from 'vitest';
import { hasBinary } from '../../../../test/support/memcached.js';
import {
  MemcachedClient,
  MemcachedConnectionError,
  type MemcachedServer,
  MemcachedTimeoutError,
  type RemoveEvent,
  startServer,
} from '../../src/index.js';

const TIMEOUT_MS = 200;
const BOUND_MS = TIMEOUT_MS + 1000;

async function settle<T>(promise: Promise<T>): Promise<{ ms: number; error: unknown; value?: T }> {
  const started = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - started, error: undefined, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

describe('the client against the in-process server controls', () => {
  const servers: MemcachedServer[] = [];
  const clients: MemcachedClient[] = [];
  const server = async () => {
    const s = await startServer({ port: 0 });
    servers.push(s);
    return s;
  };
  const client = (...args: ConstructorParameters<typeof MemcachedClient>) => {
    const c = new MemcachedClient(...args);
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const s of servers) s.resume();
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  test('hang: every request fails with a timeout within the bound; after resume it works', async () => {
    const s = await server();
    const c = client(s.address, { timeoutMs: TIMEOUT_MS, failureLimit: 100 });
    await c.set('h', 'v');
    s.hang();
    const results = await Promise.all(
      [c.get('h'), c.set('h2', 1), c.getMulti(['h', 'x']), c.delete('h3'), c.touch('h', 5)].map(
        settle,
      ),
    );
    for (const r of results) {
      expect(r.error).toBeInstanceOf(MemcachedTimeoutError);
      expect(r.ms).toBeLessThan(BOUND_MS);
    }
    s.resume();
    expect(await c.get('h')).toBe('v');
  });

  test('delay under the timeout: requests succeed; over it: they time out in bound', async () => {
    const s = await server();
    const c = client(s.address, { timeoutMs: TIMEOUT_MS, failureLimit: 100 });
    await c.set('d', 1);
    s.delay(TIMEOUT_MS / 4);
    expect(await c.get('d')).toBe(1);
    s.delay(TIMEOUT_MS * 3);
    const r = await settle(c.get('d'));
    expect(r.error).toBeInstanceOf(MemcachedTimeoutError);
    expect(r.ms).toBeLessThan(BOUND_MS);
    s.delay(0);
    expect(await c.get('d')).toBe(1);
  });

  test('dropConnections fails the requests in flight, then the client reconnects', async () => {
    const s = await server();
    const c = client(s.address, { timeoutMs: 2000, failureLimit: 100 });
    const events: string[] = [];
    c.on('reconnecting', () => events.push('reconnecting'));
    c.on('reconnect', () => events.push('reconnect'));
    await c.set('drop', 'v');
    s.hang();
    const inFlight = Promise.all([c.get('drop'), c.metaGet('drop')].map(settle));
    await new Promise((r) => setTimeout(r, 20));
    s.dropConnections();
    for (const r of await inFlight) expect(r.error).toBeInstanceOf(MemcachedConnectionError);
    s.resume();
    expect(await c.get('drop')).toBe('v');
    expect(events).toEqual(['reconnecting', 'reconnect']);
  });

  test('TTLs expire on the server clock (no sleeping)', async () => {
    const s = await server();
    const c = client(s.address);
    await c.set('ttl', 'v', { ttl: 10 });
    s.advanceClock(5);
    expect(await c.get('ttl')).toBe('v');
    s.advanceClock(6);
    expect(await c.get('ttl')).toBeNull();
  });

  test('a hung server is ejected, its keys move, and it is re-added after the retry delay', async () => {
    const [a, b] = [await server(), await server()];
    const c = client([a.address, b.address], {
      timeoutMs: TIMEOUT_MS,
      failureLimit: 2,
      retryDelayMs: 100,
    });
    const keys = Array.from({ length: 40 }, (_, i) => `eject:${i}`);
    const onA = keys.filter((k) => c.serverFor(k) === a.address);
    expect(onA.length).toBeGreaterThan(0);
    const removed = new Promise<RemoveEvent>((resolve) => c.once('remove', resolve));
    a.hang();
    await settle(c.get(onA[0] as string));
    await settle(c.get(onA[0] as string));
    expect((await removed).server).toBe(a.address);
    for (const k of onA) expect(c.serverFor(k)).toBe(b.address);
    expect(await c.set(onA[0] as string, 'moved')).toBe(true);
    const back = new Promise<void>((resolve) =>
      c.on('reconnect', (e) => e.server === a.address && resolve()),
    );
    a.resume();
    await back;
    for (const k of onA) expect(c.serverFor(k)).toBe(a.address);
    expect(await c.get(onA[1] as string)).toBeNull();
  });

  test('gutter TTLs are capped at gutterTtl', async () => {
    const [a, b, spare] = [await server(), await server(), await server()];
    const c = client([a.address, b.address], {
      timeoutMs: TIMEOUT_MS,
      failureLimit: 1,
      retryDelayMs: 60_000,
      gutter: [spare.address],
      gutterTtl: 5,
    });
    const key = Array.from({ length: 40 }, (_, i) => `g:${i}`).find(
      (k) => c.serverFor(k) === a.address,
    ) as string;
    const removed = new Promise((resolve) => c.once('remove', resolve));
    a.hang();
    await settle(c.get(key));
    await removed;
    expect(c.serverFor(key)).toBe(spare.address);
    await c.set(key, 'spare', { ttl: 3600 });
    expect(await c.get(key)).toBe('spare');
    spare.advanceClock(6);
    expect(await c.get(key)).toBeNull();
  });

  test.skipIf(!hasBinary('openssl'))('TLS to the in-process server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memkit-tls-'));
    try {
      const keyFile = join(dir, 'key.pem');
      const certFile = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-keyout',
          keyFile,
          '-out',
          certFile,
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(certFile);
      const s = await startServer({ port: 0, tls: { key: readFileSync(keyFile), cert } });
      servers.push(s);
      const c = client(s.address, { tls: { ca: cert } });
      await c.set('tls', Buffer.from([0, 13, 10, 255]));
      expect(await c.get('tls')).toEqual(Buffer.from([0, 13, 10, 255]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
