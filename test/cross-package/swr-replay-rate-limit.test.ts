// A stale-while-revalidate refresh is replayed through the whole app, rate limiter included.
// It must reach the limiter as the client whose request triggered it: a replay without a client
// address was counted under one shared `unknown` key, so after a few refreshes every background
// refresh of the whole site turned into a 429 and nothing was refreshed any more.
import { rateLimit, rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse, memcachedCache } from '@memkit/response-cache';
import type { Request, RequestHandler } from 'express';
import type { FastifyRequest } from 'fastify';
import { expect, it, vi } from 'vitest';
import { describeMatrix, type MatrixAgent, type MatrixCell } from '../support/http-matrix.js';

/**
 * GET /news (`v1`, `v2`, … with max-age=100, stale-while-revalidate 1000) behind a limiter of 2
 * requests per client an hour whose key generator records every key it is asked for. Only the
 * local proxy is trusted: the client address comes from X-Forwarded-For.
 */
async function newsApp(cell: MatrixCell, keys: string[]): Promise<MatrixAgent> {
  const storage = cell.storage().options;
  const limits = { ...storage, limit: 2, windowSeconds: 3600, keyPrefix: cell.prefix('rl') };
  const cache = { ...storage, keyPrefix: cell.prefix('swr-rl') };
  const keyOf = (ip: string | undefined) => {
    const key = ip ?? 'unknown';
    keys.push(key);
    return key;
  };
  let version = 0;
  if (cell.framework.kind === 'express') {
    const app = cell.express();
    app.set('trust proxy', 'loopback');
    const limiter = rateLimiter({ ...limits, keyGenerator: (req: Request) => keyOf(req.ip) });
    cell.onCleanup(() => limiter.close());
    app.use(limiter as RequestHandler);
    app.get('/news', cacheResponse({ ...cache, staleWhileRevalidate: 1000 }), (_req, res) => {
      version++;
      res.set('cache-control', 'max-age=100').send(`v${version}`);
    });
    return cell.serve(app, { cookies: false });
  }
  const app = cell.fastify({ trustProxy: 'loopback' });
  await app.register(rateLimit, {
    ...limits,
    keyGenerator: (req: FastifyRequest) => keyOf(req.ip),
  });
  await app.register(memcachedCache, cache);
  app.get('/news', { config: { cache: { staleWhileRevalidate: 1000 } } }, async (_req, reply) => {
    version++;
    reply.header('cache-control', 'max-age=100');
    return `v${version}`;
  });
  return cell.serve(app, { cookies: false });
}

// The in-process server's clock makes the page stale without waiting.
describeMatrix(
  'stale-while-revalidate behind a rate limiter',
  (cell) => {
    it('counts each background refresh against the client that triggered it, never `unknown`, so none becomes a 429', async () => {
      const keys: string[] = [];
      const storage = cell.storage();
      const agent = await newsApp(cell, keys);
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
  { backends: ['in-process memcached'] },
);
