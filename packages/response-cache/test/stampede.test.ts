import { expect, it, vi } from 'vitest';
import { describeMatrix } from '../../../test/support/http-matrix.js';
import { cacheApp, gate, type HandlerResult, type RouteSpec } from './support/matrix-apps.js';

/**
 * A route whose first call is held until `release.open()`; `answer` gets the call's number.
 * `calls()` says how many calls reached the handler.
 */
function heldRoute(path: string, answer: (call: number) => HandlerResult) {
  let calls = 0;
  const release = gate();
  const route: RouteSpec = {
    path,
    handler: async () => {
      const call = ++calls;
      if (call === 1) await release.wait;
      return answer(call);
    },
  };
  return { route, release, calls: () => calls };
}

// The cross-instance lock is the backend's (memcached's mg N/W/Z, Redis's script), so it is
// proven on every store.
describeMatrix('stampede protection', (cell) => {
  it('runs the handler once for 200 concurrent requests on two instances', async () => {
    // Only the first call is held: a second one would mean the lock let it through.
    const { route, release, calls } = heldRoute('/cold', () => ({ body: 'expensive' }));
    const options = { keyPrefix: cell.prefix('stampede'), lockWaitMs: 30_000 };
    // A generous client timeout: on a loaded machine a 500 ms timeout would (rightly) fail
    // open and run the handler, which is not what this test is about.
    const env = { client: { timeoutMs: 10_000 } };
    const a = await cacheApp(cell, [route], options, env);
    const b = await cacheApp(cell, [route], options, env);
    const pending = Array.from({ length: 200 }, (_, i) =>
      (i % 2 === 0 ? a : b).request('GET', '/cold'),
    );
    // Release the one regeneration only once every request has reached a cache.
    await vi.waitFor(() => expect(a.cache.stats().requests + b.cache.stats().requests).toBe(200), {
      timeout: 20_000,
      interval: 20,
    });
    release.open();
    const responses = await Promise.all(pending);
    expect(a.cache.stats().errors + b.cache.stats().errors).toBe(0);
    expect(calls()).toBe(1);
    expect(responses.every((r) => r.status === 200 && r.text === 'expensive')).toBe(true);
    expect(responses.filter((r) => r.headers['x-cache'] === 'MISS')).toHaveLength(1);
  });

  it('hands the regeneration to a waiter when the winner cannot store', async () => {
    const { route, release, calls } = heldRoute('/private-first', (call) =>
      call === 1 ? { headers: { 'cache-control': 'private' }, body: 'mine' } : { body: 'shared' },
    );
    const a = await cacheApp(
      cell,
      [route],
      { keyPrefix: cell.prefix('handover') },
      { client: { timeoutMs: 10_000 } },
    );
    const first = a.request('GET', '/private-first');
    await vi.waitFor(() => expect(calls()).toBe(1), { timeout: 10_000, interval: 10 });
    const second = a.request('GET', '/private-first');
    await vi.waitFor(() => expect(a.cache.stats().requests).toBe(2), {
      timeout: 10_000,
      interval: 10,
    });
    release.open();
    expect((await first).text).toBe('mine');
    // The private answer is never shared: the waiter gets its own.
    expect((await second).text).toBe('shared');
    expect(calls()).toBe(2);
  });
});
