import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureLog, LoginGuard } from '../src/index.js';

describe('LoginGuard', () => {
  let server: MemcachedServer;
  let client: MemcachedClient;
  beforeAll(async () => {
    server = await startServer();
    client = new MemcachedClient(server.address);
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('limits one username tried from many addresses', async () => {
    const guard = new LoginGuard(client, { limit: 3, windowSeconds: 900 });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await guard.attempt(`10.0.0.${i}`, 'Admin')).allowed).toBe(true);
      }
      // The username is matched case-insensitively, from a fresh address.
      const refused = await guard.attempt('10.0.0.99', ' admin ');
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThan(0);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(900);
      // Another account from another address is not affected.
      expect((await guard.attempt('10.0.1.1', 'grace')).allowed).toBe(true);
    } finally {
      await guard.close();
    }
  });

  it('limits one address trying many usernames, and bodies without a username', async () => {
    const guard = new LoginGuard(client, { limit: 2, windowSeconds: 900 });
    try {
      expect((await guard.attempt('10.9.0.1', 'a')).allowed).toBe(true);
      expect((await guard.attempt('10.9.0.1', undefined)).allowed).toBe(true);
      expect((await guard.attempt('10.9.0.1', 'c')).allowed).toBe(false);
    } finally {
      await guard.close();
    }
  });

  it('counts an IPv6 client by its /56, so rotating through its own addresses gains nothing', async () => {
    const guard = new LoginGuard(client, { limit: 2, windowSeconds: 900 });
    try {
      expect((await guard.attempt('2001:db8:1:1::1', undefined)).allowed).toBe(true);
      expect((await guard.attempt('2001:DB8:1:1:0:0:0:2', undefined)).allowed).toBe(true);
      expect((await guard.attempt('2001:db8:1:2::dead', undefined)).allowed).toBe(false);
      // An IPv4 client seen through a dual-stack socket is the same client as plain IPv4.
      expect((await guard.attempt('10.8.0.1', undefined)).allowed).toBe(true);
      expect((await guard.attempt('::ffff:10.8.0.1', undefined)).allowed).toBe(true);
      expect((await guard.attempt('10.8.0.1', undefined)).allowed).toBe(false);
      // Another customer's /56 has its own count.
      expect((await guard.attempt('2001:db8:2::1', undefined)).allowed).toBe(true);
    } finally {
      await guard.close();
    }
  });
});

describe('FailureLog', () => {
  it('warns "memcached unavailable" at most once per interval, counting what it held back', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ base: undefined }, { write: (s: string) => lines.push(JSON.parse(s)) });
    let now = 1_000_000;
    const log = new FailureLog(logger, { intervalMs: 10_000, now: () => now });
    for (let i = 0; i < 5; i++) log.outage('ERR_MEMCACHED_TIMEOUT');
    now += 9_999;
    log.outage('ERR_MEMCACHED_TIMEOUT');
    expect(lines.map((l) => l.msg)).toEqual(['memcached unavailable']);
    now += 1;
    log.outage('ERR_MEMCACHED_CONNECTION');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: 40,
      code: 'ERR_MEMCACHED_CONNECTION',
      failuresSinceLastWarning: 5,
    });
  });
});
