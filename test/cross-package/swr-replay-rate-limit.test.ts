// A stale-while-revalidate refresh is replayed through the whole app, rate limiter included.
// It must reach the limiter as the client whose request triggered it: a replay without a client
// address was counted under one shared `unknown` key, so after a few refreshes every background
// refresh of the whole site turned into a 429 and nothing was refreshed any more.
import type { Server } from 'node:http';
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse } from '@memkit/response-cache';
import express, { type Request, type RequestHandler } from 'express5';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let server: MemcachedServer;
let client: MemcachedClient;
const v5 = (middleware: unknown) => middleware as RequestHandler;

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  client = new MemcachedClient(server.address, { timeoutMs: 5000 });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe('stale-while-revalidate behind a rate limiter', () => {
  it('counts each background refresh against the client that triggered it, never `unknown`, so none becomes a 429', async () => {
    const keys: string[] = [];
    const app = express();
    // Only the local proxy is trusted: the client address comes from X-Forwarded-For.
    app.set('trust proxy', 'loopback');
    app.use(
      v5(
        rateLimiter({
          limit: 2,
          windowSeconds: 3600,
          client,
          keyGenerator: (req: Request) => {
            const key = req.ip ?? 'unknown';
            keys.push(key);
            return key;
          },
        } as never),
      ),
    );
    let version = 0;
    app.get(
      '/news',
      v5(cacheResponse({ client, keyPrefix: 'swr-rl:', staleWhileRevalidate: 1000 })),
      (_req, res) => {
        version++;
        res.set('cache-control', 'max-age=100').send(`v${version}`);
      },
    );
    const listener: Server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    let clients = 0;
    const from = (ip = `192.0.2.${++clients}`) =>
      request(listener).get('/news').set('x-forwarded-for', ip);
    try {
      expect((await from()).text).toBe('v1');
      for (let round = 1; round <= 3; round++) {
        server.advanceClock(150); // past max-age, inside the stale-while-revalidate window
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
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});
