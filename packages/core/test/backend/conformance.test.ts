import { type CacheBackend, MemcachedError, MemcachedTimeoutError } from '@memkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_BACKENDS, type TestCacheBackend } from '../../../../test/support/cache-backends.js';

// One contract, every backend: the in-process memcached, a real memcached, ioredis-mock and a
// real Redis. What the middleware relies on is asserted here once, not per package.
describe.each(CACHE_BACKENDS)('CacheBackend conformance: $name', (factory) => {
  let started: TestCacheBackend;
  let b: CacheBackend;
  let n = 0;
  // A fresh key per test: no flushing of shared state between tests.
  const key = (name: string) => `conf:${++n}:${name}`;

  beforeAll(async () => {
    if (!factory.available) return;
    started = await factory.start();
    b = started.backend;
  });
  afterAll(async () => {
    await started?.stop();
  });

  describe.skipIf(!factory.available)('contract', () => {
    it('reports its kind and capabilities', () => {
      expect(b.kind).toBe(factory.kind);
      expect(b.capabilities.maxKeyBytes).toBeGreaterThanOrEqual(250);
      expect(b.capabilities.staleWhileRevalidate).toBe(true);
    });

    it('a miss is null, a stored value comes back with a CAS token and its remaining TTL', async () => {
      const k = key('get');
      expect(await b.get(k)).toBeNull();
      const write = await b.set(k, 'hello', 100);
      expect(write.status).toBe('stored');
      const item = await b.get(k);
      expect(item?.value.toString()).toBe('hello');
      expect(item?.cas).toBe(write.cas);
      expect(item?.ttl).toBeGreaterThanOrEqual(99);
      expect(item?.ttl).toBeLessThanOrEqual(100);
    });

    it('ttl 0 never expires and reads back as -1', async () => {
      const k = key('forever');
      await b.set(k, 'x', 0);
      expect((await b.get(k))?.ttl).toBe(-1);
    });

    it('keeps UTF-8 text and empty values intact', async () => {
      const k = key('utf8');
      await b.set(k, 'héllo wörld ✓', 60);
      expect((await b.get(k))?.value.toString('utf8')).toBe('héllo wörld ✓');
      const e = key('empty');
      await b.set(e, '', 60);
      expect((await b.get(e))?.value.length).toBe(0);
    });

    it('getMulti returns the hits and leaves misses out', async () => {
      const [a, m, c] = [key('a'), key('missing'), key('c')];
      await b.set(a, 'A', 60);
      await b.set(c, 'C', 60);
      const got = await b.getMulti([a, m, c]);
      expect([...got.keys()].sort()).toEqual([a, c].sort());
      expect(got.get(a)?.toString()).toBe('A');
      expect(got.get(c)?.toString()).toBe('C');
      expect((await b.getMulti([])).size).toBe(0);
    });

    it('add stores only when the key is absent', async () => {
      const k = key('add');
      expect((await b.set(k, 'first', 60, { mode: 'add' })).status).toBe('stored');
      expect(await b.set(k, 'second', 60, { mode: 'add' })).toEqual({
        status: 'not_stored',
        cas: undefined,
      });
      expect((await b.get(k))?.value.toString()).toBe('first');
    });

    it('compare-and-set writes only over the copy that was read', async () => {
      const k = key('cas');
      await b.set(k, 'v1', 60);
      const read = await b.get(k);
      if (read === null) throw new Error('expected a hit');
      const mine = await b.set(k, 'v2', 60, { cas: read.cas });
      expect(mine.status).toBe('stored');
      expect(mine.cas).not.toBe(read.cas);
      // The token of the first read is now outdated.
      expect((await b.set(k, 'v3', 60, { cas: read.cas })).status).toBe('exists');
      expect((await b.get(k))?.value.toString()).toBe('v2');
      await b.delete(k);
      expect((await b.set(k, 'v4', 60, { cas: read.cas })).status).toBe('not_found');
      expect(await b.get(k)).toBeNull();
    });

    it('delete says whether the key existed', async () => {
      const k = key('del');
      await b.set(k, 'x', 60);
      expect(await b.delete(k)).toBe(true);
      expect(await b.delete(k)).toBe(false);
      expect(await b.get(k)).toBeNull();
    });

    it('touch sets a new TTL without rewriting; false for a missing key', async () => {
      const k = key('touch');
      const write = await b.set(k, 'x', 10);
      expect(await b.touch(k, 500)).toBe(true);
      const item = await b.get(k);
      expect(item?.ttl).toBeGreaterThanOrEqual(499);
      expect(item?.value.toString()).toBe('x');
      expect(item?.cas).toBe(write.cas);
      expect(await b.touch(key('nope'), 10)).toBe(false);
    });

    it('increment creates a counter holding `initial` with its TTL, then adds atomically', async () => {
      const k = key('incr');
      expect(await b.increment(k, 1)).toBeNull();
      const first = await b.increment(k, 5, { initial: 5, ttl: 60 });
      expect(first?.value).toBe(5);
      expect(first?.ttl).toBeGreaterThanOrEqual(59);
      expect(first?.ttl).toBeLessThanOrEqual(60);
      const second = await b.increment(k, 3, { initial: 3, ttl: 999 });
      // An existing counter keeps its TTL: a fixed window is not extended by later hits.
      expect(second?.value).toBe(8);
      expect(second?.ttl).toBeLessThanOrEqual(60);
      expect(await b.increment(k, 2)).toMatchObject({ value: 10 });
      expect((await b.getMulti([k])).get(k)?.toString()).toBe('10');
    });

    it('an increment changes the CAS token', async () => {
      const k = key('incr-cas');
      await b.increment(k, 1, { initial: 1, ttl: 60 });
      const read = await b.get(k);
      if (read === null) throw new Error('expected a hit');
      await b.increment(k, 1);
      expect((await b.set(k, '0', 60, { cas: read.cas })).status).toBe('exists');
    });

    it('concurrent increments count every one exactly once', async () => {
      const k = key('race');
      const values = await Promise.all(
        Array.from({ length: 300 }, () => b.increment(k, 1, { initial: 1, ttl: 60 })),
      );
      expect(
        values
          .map((v) => v?.value)
          .sort((x = 0, y = 0) => x - y)
          .at(-1),
      ).toBe(300);
      expect(new Set(values.map((v) => v?.value)).size).toBe(300);
    });

    it('decrement stops at zero, keeps the TTL, and a missing counter stays missing', async () => {
      const k = key('decr');
      expect(await b.decrement(k, 1)).toBeNull();
      expect(await b.get(k)).toBeNull();
      await b.increment(k, 5, { initial: 5, ttl: 60 });
      expect(await b.decrement(k, 2)).toBe(3);
      expect(await b.decrement(k, 10)).toBe(0);
      const item = await b.get(k);
      expect(item?.value.toString()).toBe('0');
      expect(item?.ttl).toBeGreaterThan(0);
    });

    it('bumpVersion starts a missing namespace at the current Unix time, then moves it on', async () => {
      const k = key('ns');
      const now = Math.floor(Date.now() / 1000);
      const first = await b.bumpVersion(k);
      expect(first).toBeGreaterThanOrEqual(now);
      expect(first).toBeLessThanOrEqual(now + 2);
      expect(await b.bumpVersion(k)).toBe(first + 1);
      expect((await b.get(k))?.ttl).toBe(-1);
    });

    it('read-modify-write with CAS retries never loses an update', async () => {
      const k = key('rmw');
      await b.set(k, '0', 60);
      const bump = async () => {
        for (;;) {
          const read = await b.get(k);
          if (read === null) throw new Error('vanished');
          const next = String(Number(read.value.toString()) + 1);
          if ((await b.set(k, next, 60, { cas: read.cas })).status === 'stored') return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, bump));
      expect((await b.get(k))?.value.toString()).toBe('20');
    });

    describe('stampede primitives', () => {
      it('a miss without a lock TTL is null; with one, exactly one caller wins the placeholder', async () => {
        const k = key('lock');
        expect(await b.fetchForRecache(k, {})).toBeNull();
        const [x, y, z] = await Promise.all([
          b.fetchForRecache(k, { lockTtl: 30 }),
          b.fetchForRecache(k, { lockTtl: 30 }),
          b.fetchForRecache(k, { lockTtl: 30 }),
        ]);
        const items = [x, y, z];
        expect(items.filter((i) => i?.won).length).toBe(1);
        expect(items.filter((i) => i?.alreadyWon).length).toBe(2);
        for (const i of items) expect(i?.value.length).toBe(0);
        // The winner's write replaces the placeholder and clears the marks.
        await b.set(k, 'fresh', 60);
        const after = await b.fetchForRecache(k, { lockTtl: 30 });
        expect(after).toMatchObject({ won: false, alreadyWon: false, stale: false });
        expect(after?.value.toString()).toBe('fresh');
      });

      it('the first caller under the recache threshold wins the refresh, the others keep reading', async () => {
        const k = key('recache');
        await b.set(k, 'old', 5);
        const first = await b.fetchForRecache(k, { recacheBelow: 10 });
        const second = await b.fetchForRecache(k, { recacheBelow: 10 });
        expect(first).toMatchObject({ won: true, alreadyWon: false });
        expect(second).toMatchObject({ won: false, alreadyWon: true });
        expect(second?.value.toString()).toBe('old');
        const far = key('far');
        await b.set(far, 'v', 100);
        expect(await b.fetchForRecache(far, { recacheBelow: 10 })).toMatchObject({ won: false });
      });

      it('markStale keeps the bytes and hands the refresh to one caller', async () => {
        const k = key('stale');
        expect(await b.markStale(k)).toBe(false);
        await b.set(k, 'body', 60);
        expect(await b.markStale(k)).toBe(true);
        const first = await b.fetchForRecache(k, {});
        const second = await b.fetchForRecache(k, {});
        expect(first).toMatchObject({ won: true, stale: true });
        expect(first?.value.toString()).toBe('body');
        expect(second).toMatchObject({ won: false, alreadyWon: true, stale: true });
        await b.set(k, 'new', 60);
        expect(await b.fetchForRecache(k, {})).toMatchObject({ stale: false, won: false });
      });
    });

    // Only the in-process server has a clock to move; elsewhere TTLs are checked as reported.
    if (factory.hasClock) {
      it('items expire after their TTL', async () => {
        const k = key('expire');
        await b.set(k, 'x', 2);
        await b.increment(`${k}:n`, 1, { initial: 1, ttl: 2 });
        started.advanceClock?.(3);
        expect(await b.get(k)).toBeNull();
        expect(await b.increment(`${k}:n`, 1)).toBeNull();
      });
    }

    it('a negative TTL expires the item at once, as memcached reads it', async () => {
      const k = key('neg');
      await b.set(k, 'x', 60);
      expect((await b.set(k, 'y', -1)).status).toBe('stored');
      expect(await b.get(k)).toBeNull();
      await b.set(k, 'x', 60);
      expect(await b.touch(k, -1)).toBe(true);
      expect(await b.get(k)).toBeNull();
    });

    it('refuses a TTL that is not an integer before sending anything', async () => {
      await expect(b.set(key('frac'), 'x', 1.5)).rejects.toBeInstanceOf(RangeError);
    });

    // memcached reads an exptime over 30 days as a Unix time: sent raw, 31 days is 1970.
    it('TTLs over 30 days stay relative on every write path (set, add, CAS, touch, increment)', async () => {
      const day = 86_400;
      const [s, a, c, t, n] = [
        key('31d'),
        key('31d-add'),
        key('31d-cas'),
        key('60d'),
        key('31d-n'),
      ];
      await b.set(s, 'x', 31 * day);
      await b.set(a, 'x', 31 * day, { mode: 'add' });
      const first = await b.set(c, 'x', 60);
      await b.set(c, 'y', 60 * day, { cas: first.cas });
      await b.set(t, 'x', 60);
      expect(await b.touch(t, 60 * day)).toBe(true);
      const counter = await b.increment(n, 1, { initial: 1, ttl: 31 * day });
      const near = (ttl: number | undefined, want: number) => {
        expect(ttl).toBeGreaterThanOrEqual(want - 5);
        expect(ttl).toBeLessThanOrEqual(want);
      };
      near((await b.get(s))?.ttl, 31 * day);
      near((await b.get(a))?.ttl, 31 * day);
      near((await b.get(c))?.ttl, 60 * day);
      near((await b.get(t))?.ttl, 60 * day);
      near(counter?.ttl, 31 * day);
      expect((await b.increment(n, 1))?.value).toBe(2);
    });
  });

  // ioredis-mock has no server to hang or stop.
  if (factory.name !== 'ioredis-mock') {
    describe.skipIf(!factory.available)('failures', () => {
      it('a hung server is a MemcachedTimeoutError within timeoutMs, never a miss', async () => {
        const own = await factory.start({ timeoutMs: 150 });
        try {
          await own.backend.set('warm', 'x', 60);
          own.hang?.();
          const started = performance.now();
          const error = await own.backend.get('warm').catch((e: unknown) => e);
          expect(error).toBeInstanceOf(MemcachedTimeoutError);
          expect(performance.now() - started).toBeLessThan(2000);
        } finally {
          own.resume?.();
          await own.stop();
        }
      });

      it('a stopped server is a MemcachedError (an outage), not a miss', async () => {
        const own = await factory.start({ timeoutMs: 300 });
        await own.backend.set('k', 'x', 60);
        const backend = own.backend;
        await own.stop();
        await expect(backend.get('k')).rejects.toBeInstanceOf(MemcachedError);
      });
    });
  }
});
