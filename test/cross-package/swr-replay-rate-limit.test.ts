// A stale-while-revalidate refresh is replayed through the whole app, rate limiter included.
// It must reach the limiter as the client whose request triggered it: a replay without a client
// address was counted under one shared `unknown` key, so after a few refreshes every background
// refresh of the whole site turned into a 429 and nothing was refreshed any more.
import { rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse } from '@memkit/response-cache';
import type { Request, RequestHandler } from 'express';
import { expect, it, vi } from 'vitest';
import { describeMatrix } from '../support/http-matrix.js';

// The in-process server's clock makes the page stale without waiting; the replay path is the
// Express adapters' (4 and 5).
describeMatrix(
  'stale-while-revalidate behind a rate limiter',
  (cell) => {
    it('counts each background refresh against the client that triggered it, never `unknown`, so none becomes a 429', async () => {
      const keys: string[] = [];
      const storage = cell.storage();
      const app = cell.express();
      // Only the local proxy is trusted: the client address comes from X-Forwarded-For.
      app.set('trust proxy', 'loopback');
      const limiter = rateLimiter({
        ...storage.options,
        limit: 2,
        windowSeconds: 3600,
        keyPrefix: cell.prefix('rl'),
        keyGenerator: (req: Request) => {
          const key = req.ip ?? 'unknown';
          keys.push(key);
          return key;
        },
      });
      cell.onCleanup(() => limiter.close());
      app.use(limiter as RequestHandler);
      let version = 0;
      app.get(
        '/news',
        cacheResponse({
          ...storage.options,
          keyPrefix: cell.prefix('swr-rl'),
          staleWhileRevalidate: 1000,
        }),
        (_req, res) => {
          version++;
          res.set('cache-control', 'max-age=100').send(`v${version}`);
        },
      );
      const agent = await cell.serve(app, { cookies: false });
      let clients = 0;
      const from = (ip = `192.0.2.${++clients}`) =>
        agent.request('GET', '/news', { 'x-forwarded-for': ip });
      expect((await from()).text).toBe('v1');
      for (let round = 1; round <= 3; round++) {
        storage.advanceClock?.(150); // past max-age, inside the stale-while-revalidate window
        const stale = await from(`198.51.100.${round}`);
        expect([stale.status, stale.headers['x-cache']]).toEqual([200, 'STALE']);
        await vi.waitFor(
          async () => {
            const fresh = await from();
            expect([fresh.status, fresh.text, fresh.headers['x-cache']]).toEqual([
              200,
              `v${round + 1}`,
              'HIT',
            ]);
          },
          { timeout: 10_000, interval: 20 },
        );
      }
      expect(keys).not.toContain('unknown');
      // Each refresh counted against the client whose request found the page stale.
      for (let round = 1; round <= 3; round++) {
        expect(keys.filter((k) => k === `198.51.100.${round}`)).toHaveLength(2);
      }
    });
  },
  { backends: ['in-process memcached'], frameworks: ['Express 4', 'Express 5'] },
);
