import { MemcachedClient } from '@memkit/core';
import { expect, it, vi } from 'vitest';
import { describeMatrix } from '../../../test/support/http-matrix.js';
import type { ResponseCacheLogger } from '../src/index.js';
import { cacheApp, cacheApps, gate, type RouteSpec } from './support/matrix-apps.js';

// Time and faults need the in-process server's clock and hang controls.
describeMatrix(
  'stale serving, expiry and failures',
  (cell) => {
    const app = cacheApps(cell);
    const advance = (s: number): void => cell.storage().advanceClock?.(s);

    it('expires an entry at its max-age and counts Age on the server clock', async () => {
      let calls = 0;
      const a = await app([
        {
          path: '/t',
          handler: () => ({ headers: { 'cache-control': 'max-age=100' }, body: `v${++calls}` }),
        },
      ]);
      await a.request('GET', '/t');
      // Steps far larger than any real time a loaded machine spends between requests.
      advance(40);
      const aged = await a.request('GET', '/t');
      expect(aged.headers['x-cache']).toBe('HIT');
      expect(Number(aged.headers.age)).toBeGreaterThanOrEqual(40);
      const ttl = Number(/ttl=(\d+)$/.exec(String(aged.headers['cache-status']))?.[1]);
      expect(ttl).toBeGreaterThan(30);
      expect(ttl).toBeLessThanOrEqual(60);
      advance(70);
      const expired = await a.request('GET', '/t');
      expect(expired.headers['x-cache']).toBe('MISS');
      expect(expired.text).toBe('v2');
    });

    it('serves stale at once while one background request refreshes (stale-while-revalidate)', async () => {
      let calls = 0;
      const refresh = gate();
      const entered = gate();
      const a = await app([
        {
          path: '/swr',
          cache: { staleWhileRevalidate: 300 },
          handler: async () => {
            const call = ++calls;
            if (call === 2) {
              entered.open();
              await refresh.wait;
            }
            return { headers: { 'cache-control': 'max-age=100' }, body: `v${call}` };
          },
        },
      ]);
      await a.request('GET', '/swr');
      advance(150); // 50 s past freshness, inside the 300 s window
      // The request that wins the refresh is answered from the stale copy too...
      const winner = await a.request('GET', '/swr', { 'if-none-match': '"client-copy"' });
      expect([winner.text, winner.headers['x-cache']]).toEqual(['v1', 'STALE']);
      // ...while the handler runs in the background (still blocked here).
      await entered.wait;
      const stale = await a.request('GET', '/swr');
      expect(stale.text).toBe('v1');
      expect(stale.headers['x-cache']).toBe('STALE');
      expect(stale.headers['cache-status']).toMatch(/^memkit; hit; ttl=-\d+$/);
      refresh.open();
      await vi.waitFor(
        async () => {
          const after = await a.request('GET', '/swr');
          expect([after.text, after.headers['x-cache']]).toEqual(['v2', 'HIT']);
        },
        { timeout: 10_000, interval: 20 },
      );
      expect(calls).toBe(2);
    });

    it('replays a stale-while-revalidate refresh as the original client, so middleware sees its address', async () => {
      const seen: (string | undefined)[] = [];
      let calls = 0;
      const a = await app(
        [
          {
            path: '/swr-ip',
            cache: { staleWhileRevalidate: 300 },
            handler: (req) => {
              seen.push(req.ip);
              return { headers: { 'cache-control': 'max-age=100' }, body: `v${++calls}` };
            },
          },
        ],
        {},
        // Only the loopback proxy is trusted: a request that lost its socket address would
        // have no trusted hop and no client address at all.
        { trustProxy: 'loopback' },
      );
      await a.request('GET', '/swr-ip', { 'x-forwarded-for': '203.0.113.7' });
      advance(150);
      const stale = await a.request('GET', '/swr-ip', { 'x-forwarded-for': '198.51.100.9' });
      expect(stale.headers['x-cache']).toBe('STALE');
      await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 10_000, interval: 20 });
      expect(seen).toEqual(['203.0.113.7', '198.51.100.9']);
      await vi.waitFor(async () => expect((await a.request('GET', '/swr-ip')).text).toBe('v2'), {
        timeout: 10_000,
        interval: 20,
      });
    });

    it('serves the stale copy when the handler throws or answers 5xx (stale-if-error)', async () => {
      let mode: 'ok' | 'throw' | '503' = 'ok';
      const handler: RouteSpec['handler'] = () => {
        if (mode === 'throw') throw new Error('database down');
        if (mode === '503') return { status: 503, body: 'unavailable' };
        return { headers: { 'cache-control': 'max-age=100' }, body: 'good copy' };
      };
      const a = await app([
        { path: '/sie', cache: { staleIfError: 600 }, handler },
        { path: '/nosie', handler },
      ]);
      await a.request('GET', '/sie');
      await a.request('GET', '/nosie');
      advance(200);
      mode = 'throw';
      const thrown = await a.request('GET', '/sie');
      expect([thrown.status, thrown.text, thrown.headers['x-cache']]).toEqual([
        200,
        'good copy',
        'STALE',
      ]);
      mode = '503';
      const unavailable = await a.request('GET', '/sie');
      expect([unavailable.status, unavailable.text]).toEqual([200, 'good copy']);
      expect((await a.request('GET', '/nosie')).status).toBe(503);
      // An explicit invalidation keeps the copy for errors only.
      mode = 'ok';
      await a.request('GET', '/sie');
      await a.cache.invalidate('/sie');
      mode = 'throw';
      expect((await a.request('GET', '/sie')).text).toBe('good copy');
    });

    it('answers from the handler when memcached hangs, and logs the outage once', async () => {
      const warnings: string[] = [];
      const logger: ResponseCacheLogger = { warn: (_o, msg) => warnings.push(String(msg)) };
      let calls = 0;
      const a = await app(
        [{ path: '/up', handler: () => ({ body: `v${++calls}` }) }],
        { logger },
        { client: { timeoutMs: 150, failureLimit: 1000 } },
      );
      await a.request('GET', '/up');
      cell.storage().hang?.();
      for (let i = 0; i < 3; i++) {
        const r = await a.request('GET', '/up');
        expect(r.status).toBe(200);
        expect(r.headers['x-cache']).toBe('MISS');
        expect(r.headers['cache-status']).toContain('detail=cache-unavailable');
      }
      expect(warnings.filter((w) => w.includes('unavailable'))).toHaveLength(1);
      expect(a.cache.stats().errors).toBeGreaterThanOrEqual(3);
      cell.storage().resume?.();
      await vi.waitFor(
        async () => expect((await a.request('GET', '/up')).headers['x-cache']).toBe('HIT'),
        { timeout: 10_000, interval: 100 },
      );
      expect(warnings.some((w) => w.includes('back'))).toBe(true);
    });

    it('answers from the handler when memcached is not there at all', async () => {
      const client = new MemcachedClient('127.0.0.1:1', { timeoutMs: 200 });
      cell.onCleanup(() => client.close());
      const dead = await cacheApp(
        cell,
        [{ path: '/x', handler: () => ({ body: 'still here' }) }],
        {},
        { storage: { client } },
      );
      const r = await dead.request('GET', '/x');
      expect([r.status, r.text, r.headers['x-cache']]).toEqual([200, 'still here', 'MISS']);
    });
  },
  { backends: ['in-process memcached'] },
);
