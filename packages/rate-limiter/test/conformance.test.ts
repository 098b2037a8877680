import { MemcachedClient, MemcachedError } from '@memkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestMemcached } from '../../../test/support/memcached-backends.js';
import { type RateLimitAlgorithm, RateLimiter } from '../src/index.js';

const ALGORITHMS: RateLimitAlgorithm[] = ['fixed-window', 'sliding-window', 'gcra'];

async function allowedOf(limiter: RateLimiter, key: string, n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, () => limiter.consume(key)));
  return results.filter((r) => r.allowed).length;
}

let unique = 0;
/** A fresh key per test: suites share a server and never flush it. */
const freshKey = (label: string) => `${label}-${process.pid}-${++unique}`;

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`RateLimiter on ${backend.name}`, () => {
    let mc: TestMemcached;
    let client: MemcachedClient;

    beforeAll(async () => {
      mc = await backend.start();
      client = new MemcachedClient(mc.address, { timeoutMs: 10_000 });
    });
    afterAll(async () => {
      await client.close();
      await mc.stop();
    });

    for (const algorithm of ALGORITHMS) {
      it(`${algorithm}: 1,000 concurrent requests with a limit of 100 allow exactly 100`, async () => {
        const limiter = new RateLimiter({ limit: 100, windowSeconds: 3600, algorithm, client });
        expect(await allowedOf(limiter, freshKey(algorithm), 1000)).toBe(100);
      });

      it(`${algorithm}: get() reports without counting and reset() forgets`, async () => {
        const limiter = new RateLimiter({ limit: 5, windowSeconds: 3600, algorithm, client });
        const key = freshKey(algorithm);
        expect(await limiter.get(key)).toMatchObject({ allowed: true, remaining: 5, limit: 5 });
        await limiter.consume(key, 2);
        expect(await limiter.get(key)).toMatchObject({ allowed: true, remaining: 3 });
        expect(await limiter.get(key)).toMatchObject({ remaining: 3 });
        await limiter.consume(key, 3);
        expect(await limiter.consume(key)).toMatchObject({ allowed: false, remaining: 0 });
        await limiter.reset(key);
        expect(await limiter.consume(key)).toMatchObject({ allowed: true, remaining: 4 });
      });

      it(`${algorithm}: refund() gives units back`, async () => {
        const limiter = new RateLimiter({ limit: 2, windowSeconds: 3600, algorithm, client });
        const key = freshKey(algorithm);
        expect(await allowedOf(limiter, key, 2)).toBe(2);
        await limiter.refund(key);
        expect((await limiter.consume(key)).allowed).toBe(true);
        expect((await limiter.consume(key)).allowed).toBe(false);
      });
    }

    it('fixed-window: a consume is one meta arithmetic command and nothing else', async () => {
      const limiter = new RateLimiter({ limit: 100, windowSeconds: 3600, client });
      const key = freshKey('one-rtt');
      const before = Object.values(await client.stats())[0]!;
      for (let i = 0; i < 10; i++) await limiter.consume(key);
      const after = Object.values(await client.stats())[0]!;
      const delta = (name: string) => Number(after[name]) - Number(before[name]);
      expect(delta('incr_hits')).toBe(9);
      expect(delta('cmd_get')).toBe(0);
      expect(delta('cmd_set')).toBe(0);
    });

    it('fixed-window: reports the reset time memcached holds for the counter', async () => {
      const limiter = new RateLimiter({ limit: 3, windowSeconds: 60, client });
      const first = await limiter.consume(freshKey('reset'));
      expect(first.resetSeconds).toBeGreaterThanOrEqual(59);
      expect(first.resetSeconds).toBeLessThanOrEqual(60);
    });

    it('keys memcached would refuse are hashed, not rejected', async () => {
      const limiter = new RateLimiter({ limit: 1, windowSeconds: 60, client });
      const key = `${freshKey('odd key')} with spaces ${'x'.repeat(300)} ünïcode`;
      expect((await limiter.consume(key)).allowed).toBe(true);
      expect((await limiter.consume(key)).allowed).toBe(false);
    });

    it('a server that refuses connections: fail open with the in-memory fallback, or fail closed', async () => {
      const down = await backend.start();
      const address = down.address;
      await down.stop();
      const dead = new MemcachedClient(address, { timeoutMs: 200, connectTimeoutMs: 200 });
      try {
        const open = new RateLimiter({ limit: 2, windowSeconds: 60, client: dead });
        const results = await Promise.all([1, 2, 3].map(() => open.consume('k')));
        expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
        expect(results.every((r) => r.degraded)).toBe(true);
        const closed = new RateLimiter({
          limit: 2,
          windowSeconds: 60,
          client: dead,
          failOpen: false,
        });
        await expect(closed.consume('k')).rejects.toBeInstanceOf(MemcachedError);
      } finally {
        await dead.close();
      }
    });

    if (backend.controls) {
      const advance = (s: number) => mc.advanceClock?.(s);

      it('fixed-window: the window resets when the server clock passes it', async () => {
        const limiter = new RateLimiter({ limit: 100, windowSeconds: 60, client });
        const key = freshKey('window');
        expect(await allowedOf(limiter, key, 150)).toBe(100);
        advance(20);
        expect(await limiter.consume(key)).toMatchObject({ allowed: false, resetSeconds: 40 });
        advance(40);
        expect(await limiter.consume(key)).toMatchObject({ allowed: true, remaining: 99 });
      });

      for (const algorithm of ['sliding-window', 'gcra'] as const) {
        it(`${algorithm}: the limit resets when the clocks pass two windows`, async () => {
          // These algorithms read the app's clock; the server's expires their keys.
          const clock = { ms: Date.now() };
          const limiter = new RateLimiter({
            limit: 100,
            windowSeconds: 60,
            algorithm,
            client,
            now: () => clock.ms,
          });
          const key = freshKey('window');
          expect(await allowedOf(limiter, key, 150)).toBe(100);
          expect((await limiter.consume(key)).allowed).toBe(false);
          clock.ms += 120_000;
          advance(120);
          expect(await allowedOf(limiter, key, 150)).toBe(100);
        });
      }
    }

    if (backend.controls) {
      it('a hung server: fail open answers from the fallback within the client timeout', async () => {
        const hungClient = new MemcachedClient(mc.address, { timeoutMs: 150 });
        const key = freshKey('hung');
        try {
          await hungClient.version();
          mc.hang?.();
          const open = new RateLimiter({ limit: 2, windowSeconds: 60, client: hungClient });
          const started = performance.now();
          const results = await Promise.all([1, 2, 3].map(() => open.consume(key)));
          const elapsed = performance.now() - started;
          expect(results.map((r) => r.allowed)).toEqual([true, true, false]);
          expect(results.every((r) => r.degraded)).toBe(true);
          // Bounded by the client's timeout, not by the hang (which never ends on its own).
          expect(elapsed).toBeLessThan(5_000);

          const noFallback = new RateLimiter({
            limit: 2,
            windowSeconds: 60,
            client: hungClient,
            fallback: false,
          });
          const all = await Promise.all([1, 2, 3].map(() => noFallback.consume(key)));
          expect(all.every((r) => r.allowed && r.degraded)).toBe(true);

          const closed = new RateLimiter({
            limit: 2,
            windowSeconds: 60,
            client: hungClient,
            failOpen: false,
          });
          await expect(closed.consume(key)).rejects.toMatchObject({
            code: expect.stringMatching(/^ERR_MEMCACHED_(TIMEOUT|CONNECTION|NO_SERVERS)$/),
          });
        } finally {
          mc.resume?.();
          await hungClient.close();
        }
      });

      it('after an outage, decisions come from memcached again and the logger hears both', async () => {
        const messages: string[] = [];
        const logger = {
          warn: (_o: object, msg?: string) => messages.push(`warn: ${msg}`),
          info: (_o: object, msg?: string) => messages.push(`info: ${msg}`),
        };
        const recovering = new MemcachedClient(mc.address, { timeoutMs: 150, retryDelayMs: 50 });
        const limiter = new RateLimiter({
          limit: 100,
          windowSeconds: 60,
          client: recovering,
          logger,
        });
        const key = freshKey('recover');
        try {
          await recovering.version();
          mc.hang?.();
          expect((await limiter.consume(key)).degraded).toBe(true);
        } finally {
          mc.resume?.();
        }
        try {
          await expect
            .poll(async () => (await limiter.consume(key)).degraded, { timeout: 10_000 })
            .toBe(false);
          expect(messages[0]).toMatch(/^warn: .*unavailable/);
          expect(messages.at(-1)).toMatch(/^info: .*back/);
        } finally {
          await recovering.close();
        }
      });
    }
  });
}
