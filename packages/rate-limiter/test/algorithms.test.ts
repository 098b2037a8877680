import { describe, expect, it } from 'vitest';
import type { Algorithm, Backend } from '../src/internal/algorithm.js';
import { FixedWindow } from '../src/internal/fixed-window.js';
import { Gcra } from '../src/internal/gcra.js';
import { MemoryBackend } from '../src/internal/memory-backend.js';
import { SlidingWindow } from '../src/internal/sliding-window.js';

// The algorithms on the in-memory backend with a manual clock: the decision rules alone, no
// server. The same algorithms against memcached are covered in conformance.test.ts.
function setup(make: (now: () => number) => Algorithm, startMs = 1_000_000_000_000) {
  const clock = { ms: startMs };
  const now = () => clock.ms;
  return { clock, backend: new MemoryBackend(now), algorithm: make(now) };
}

async function consumeMany(algorithm: Algorithm, backend: MemoryBackend, n: number, key = 'k') {
  const verdicts = await Promise.all(
    Array.from({ length: n }, () => algorithm.consume(backend, key, 1)),
  );
  return verdicts.filter((v) => v.allowed).length;
}

describe('fixed window', () => {
  it('allows exactly the limit among concurrent requests, then resets after the window', async () => {
    const { clock, backend, algorithm } = setup(() => new FixedWindow(100, 60));
    expect(await consumeMany(algorithm, backend, 1000)).toBe(100);
    const denied = await algorithm.consume(backend, 'k', 1);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, limit: 100 });
    expect(denied.retryAfterSeconds).toBe(60);
    clock.ms += 60_000;
    expect(await algorithm.consume(backend, 'k', 1)).toMatchObject({
      allowed: true,
      remaining: 99,
    });
  });

  it('reports remaining units and the reset time counted from the first hit', async () => {
    const { clock, backend, algorithm } = setup(() => new FixedWindow(5, 60));
    expect(await algorithm.consume(backend, 'k', 2)).toMatchObject({
      allowed: true,
      remaining: 3,
      resetSeconds: 60,
    });
    clock.ms += 20_000;
    expect(await algorithm.consume(backend, 'k', 1)).toMatchObject({
      remaining: 2,
      resetSeconds: 40,
    });
    expect(await algorithm.peek(backend, 'k')).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('gives refunded units back', async () => {
    const { backend, algorithm } = setup(() => new FixedWindow(2, 60));
    await algorithm.consume(backend, 'k', 1);
    await algorithm.consume(backend, 'k', 1);
    await algorithm.refund(backend, 'k', 1);
    expect(await algorithm.consume(backend, 'k', 1)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('keeps keys apart', async () => {
    const { backend, algorithm } = setup(() => new FixedWindow(1, 60));
    expect((await algorithm.consume(backend, 'a', 1)).allowed).toBe(true);
    expect((await algorithm.consume(backend, 'b', 1)).allowed).toBe(true);
    expect((await algorithm.consume(backend, 'a', 1)).allowed).toBe(false);
  });
});

describe('sliding window', () => {
  it('allows exactly the limit among concurrent requests', async () => {
    const { backend, algorithm } = setup((now) => new SlidingWindow(100, 60, now));
    expect(await consumeMany(algorithm, backend, 1000)).toBe(100);
  });

  it('weights the previous window by how much of it still overlaps', async () => {
    // Start exactly on a window boundary so the overlap fractions are round numbers.
    const { clock, backend, algorithm } = setup(
      (now) => new SlidingWindow(10, 60, now),
      60_000 * 1e6,
    );
    expect(await consumeMany(algorithm, backend, 10)).toBe(10);
    // A quarter into the next window, 75% of the previous 10 still counts: 2 more fit.
    clock.ms += 60_000 + 15_000;
    expect(await consumeMany(algorithm, backend, 5)).toBe(2);
    // Half way: 50% of 10 = 5, plus the 2 just allowed: 3 more fit.
    clock.ms += 15_000;
    expect(await consumeMany(algorithm, backend, 5)).toBe(3);
  });

  it('does not count denied requests against the next window', async () => {
    const { clock, backend, algorithm } = setup(
      (now) => new SlidingWindow(10, 60, now),
      60_000 * 1e6,
    );
    expect(await consumeMany(algorithm, backend, 50)).toBe(10);
    clock.ms += 120_000;
    expect(await consumeMany(algorithm, backend, 20)).toBe(10);
  });

  it('tells a denied client when enough of the previous window has slid out', async () => {
    const { clock, backend, algorithm } = setup(
      (now) => new SlidingWindow(10, 60, now),
      60_000 * 1e6,
    );
    await consumeMany(algorithm, backend, 10);
    clock.ms += 60_000;
    const denied = await algorithm.consume(backend, 'k', 1);
    expect(denied.allowed).toBe(false);
    // 10 * (1 - e) + 1 <= 10 once e >= 0.1: 6 seconds into the window.
    expect(denied.retryAfterSeconds).toBe(6);
    clock.ms += 6_000;
    expect((await algorithm.consume(backend, 'k', 1)).allowed).toBe(true);
  });
});

describe('gcra', () => {
  it('allows a burst of exactly `burst` concurrent requests', async () => {
    const { backend, algorithm } = setup((now) => new Gcra(100, 60, 100, now));
    expect(await consumeMany(algorithm, backend, 1000)).toBe(100);
  });

  it('then admits one request per emission interval', async () => {
    // 10 per 60 s: one every 6 s, burst of 2.
    const { clock, backend, algorithm } = setup((now) => new Gcra(10, 60, 2, now));
    expect(await consumeMany(algorithm, backend, 5)).toBe(2);
    const denied = await algorithm.consume(backend, 'k', 1);
    expect(denied).toMatchObject({ allowed: false, retryAfterSeconds: 6 });
    clock.ms += 5_999;
    expect((await algorithm.consume(backend, 'k', 1)).allowed).toBe(false);
    clock.ms += 1;
    expect((await algorithm.consume(backend, 'k', 1)).allowed).toBe(true);
    expect((await algorithm.consume(backend, 'k', 1)).allowed).toBe(false);
  });

  it('refills the whole burst after a quiet window', async () => {
    const { clock, backend, algorithm } = setup((now) => new Gcra(10, 60, 10, now));
    expect(await consumeMany(algorithm, backend, 20)).toBe(10);
    clock.ms += 60_000;
    expect(await algorithm.peek(backend, 'k')).toMatchObject({ allowed: true, remaining: 10 });
    expect(await consumeMany(algorithm, backend, 20)).toBe(10);
  });

  it('decides concurrent requests in one read and one write', async () => {
    const { backend, algorithm } = setup((now) => new Gcra(100, 60, 100, now));
    let reads = 0;
    let writes = 0;
    const counting: Backend = {
      increment: (key, delta, options) => backend.increment(key, delta, options),
      decrement: (key, delta) => backend.decrement(key, delta),
      delete: (key) => backend.delete(key),
      get: (key) => {
        reads++;
        return backend.get(key);
      },
      set: (key, value, ttl, options) => {
        writes++;
        return backend.set(key, value, ttl, options);
      },
    };
    await Promise.all(Array.from({ length: 50 }, () => algorithm.consume(counting, 'k', 1)));
    // The first request reads alone; the 49 that queued behind it share the second round.
    expect(reads).toBeLessThanOrEqual(2);
    expect(writes).toBeLessThanOrEqual(2);
  });

  it('is exact when two deciders race on one store (a lost CAS is retried)', async () => {
    const { backend } = setup(() => new FixedWindow(1, 1));
    const now = () => 1_000_000_000_000;
    const a = new Gcra(100, 60, 100, now);
    const b = new Gcra(100, 60, 100, now);
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? a : b).consume(backend, 'k', 1)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(100);
  });
});
