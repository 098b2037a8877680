import { createHash } from 'node:crypto';
import { type MemcachedClient, MemcachedInvalidOptionError } from '@memkit/core';
import type { FastifyInstance } from 'fastify';
import { expect, it } from 'vitest';
import {
  describeMatrix,
  type MatrixAgent,
  type MatrixCell,
} from '../../../test/support/http-matrix.js';
import { type ExpressRateLimiterOptions, rateLimit, rateLimiter } from '../src/index.js';

type Options = Omit<ExpressRateLimiterOptions, 'client' | 'servers' | 'backend'> & {
  servers?: string;
};

/** One app on the cell's framework, limiting GET /a and GET /b with `options` (+ the cell's storage). */
async function limitedApp(
  cell: MatrixCell,
  options: Options,
  setup?: { trustProxy?: boolean; shareClient?: boolean },
): Promise<{ agent: MatrixAgent; app: FastifyInstance | undefined }> {
  const storage = options.servers !== undefined || setup?.shareClient ? {} : cell.storage().options;
  const all = { ...storage, ...options } as ExpressRateLimiterOptions;
  if (cell.framework.kind === 'express') {
    const app = cell.express();
    if (setup?.trustProxy) app.set('trust proxy', true);
    const mw = rateLimiter(all);
    cell.onCleanup(() => mw.close());
    app.use(mw);
    app.get(['/a', '/b'], (_req, res) => {
      res.send('ok');
    });
    return { agent: await cell.serve(app), app: undefined };
  }
  const app = cell.fastify({ trustProxy: setup?.trustProxy ?? false });
  if (setup?.shareClient) app.decorate('memcached', cell.storage().client as MemcachedClient);
  await app.register(rateLimit, all as never);
  app.get('/a', async () => 'ok');
  app.get('/b', async () => 'ok');
  return { agent: await cell.serve(app), app };
}

async function statuses(agent: MatrixAgent, path: string, n: number, headers = {}) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await agent.request('GET', path, headers)).status);
  return out;
}

describeMatrix('rate limiter', (cell) => {
  it('a 31-day window limits (over 30 days memcached needs an absolute time)', async () => {
    const keyPrefix = cell.prefix('31d');
    const { agent } = await limitedApp(cell, { limit: 2, windowSeconds: 31 * 86_400, keyPrefix });
    expect(await statuses(agent, '/a', 3)).toEqual([200, 200, 429]);
    const counter = await cell.storage().backend.get(`${keyPrefix}127.0.0.1`);
    expect(counter?.ttl).toBeGreaterThanOrEqual(31 * 86_400 - 5);
  });

  it('hashed keys cannot collide with plain ones: "#<sha256 of a key>" has its own counter', async () => {
    const { agent } = await limitedApp(cell, {
      limit: 1,
      windowSeconds: 60,
      keyPrefix: cell.prefix('hash'),
      keyGenerator: (req: { headers: Record<string, unknown> }) => String(req.headers['x-key']),
    });
    const hashed = `#${createHash('sha256').update('a b').digest('base64url')}`;
    expect(await statuses(agent, '/a', 1, { 'x-key': 'a b' })).toEqual([200]);
    expect(await statuses(agent, '/a', 2, { 'x-key': hashed })).toEqual([200, 429]);
  });

  it('a second limiter with the same keyPrefix and other settings is refused', async () => {
    const keyPrefix = cell.prefix('same');
    await limitedApp(cell, { limit: 1, windowSeconds: 60, keyPrefix });
    const second =
      cell.framework.kind === 'express'
        ? () => rateLimiter({ ...cell.storage().options, limit: 2, windowSeconds: 60, keyPrefix })
        : async () => {
            const other = cell.fastify();
            await other.register(rateLimit, {
              ...cell.storage().options,
              limit: 1,
              windowSeconds: 30,
              keyPrefix,
            });
          };
    await expect(async () => second()).rejects.toBeInstanceOf(MemcachedInvalidOptionError);
  });

  if (cell.backendName !== 'real Redis') {
    it('a client created from `servers` is closed with the app; the limiter then fails open', async () => {
      const servers = cell.storage().client?.serverFor('k') as string;
      if (cell.framework.kind === 'express') {
        const mw = rateLimiter({
          limit: 5,
          windowSeconds: 60,
          servers,
          keyPrefix: cell.prefix('own'),
        });
        expect((await mw.limiter.consume('k')).degraded).toBe(false);
        await mw.close();
        expect((await mw.limiter.consume('k')).degraded).toBe(true);
      } else {
        const { app } = await limitedApp(cell, {
          limit: 5,
          windowSeconds: 60,
          servers,
          keyPrefix: cell.prefix('own'),
        });
        const limiter = (app as FastifyInstance).rateLimiter;
        expect((await limiter.consume('k')).degraded).toBe(false);
        await (app as FastifyInstance).close();
        expect((await limiter.consume('k')).degraded).toBe(true);
      }
    });
  }

  it('trust proxy = true is warned about once, at the first request', async () => {
    const warnings: Record<string, unknown>[] = [];
    const logger = { warn: (obj: Record<string, unknown>) => void warnings.push(obj) };
    const { agent } = await limitedApp(
      cell,
      { limit: 10, windowSeconds: 60, keyPrefix: cell.prefix('tp'), logger },
      { trustProxy: true },
    );
    await statuses(agent, '/a', 3, { 'x-forwarded-for': '203.0.113.9' });
    expect(warnings.filter((w) => w.code === 'ERR_RATE_LIMIT_PERMISSIVE_TRUST_PROXY')).toHaveLength(
      1,
    );
  });

  if (cell.framework.kind === 'express') {
    it('rateLimiter(limit, windowSeconds, options) honours its options', async () => {
      const keyPrefix = cell.prefix('third');
      const app = cell.express();
      app.use(rateLimiter(1, 60, { ...cell.storage().options, keyPrefix }));
      app.get('/a', (_req, res) => {
        res.send('ok');
      });
      const agent = await cell.serve(app);
      expect(await statuses(agent, '/a', 2)).toEqual([200, 429]);
      expect(await cell.storage().backend.get(`${keyPrefix}127.0.0.1`)).not.toBeNull();
    });

    it('two limiters with different settings on app.use(path) never share counters', async () => {
      const app = cell.express();
      const a = rateLimiter({ ...cell.storage().options, limit: 1, windowSeconds: 60 });
      const b = rateLimiter({ ...cell.storage().options, limit: 5, windowSeconds: 60 });
      cell.onCleanup(() => a.close());
      cell.onCleanup(() => b.close());
      app.use('/a', a);
      app.use('/b', b);
      app.get(['/a', '/b'], (_req, res) => {
        res.send('ok');
      });
      const agent = await cell.serve(app);
      // Reset first: the settings-derived keys are shared by every run with these settings.
      await a.limiter.reset('127.0.0.1');
      await b.limiter.reset('127.0.0.1');
      expect(await statuses(agent, '/b', 3)).toEqual([200, 200, 200]);
      expect(await statuses(agent, '/a', 2)).toEqual([200, 429]);
    });
  } else {
    it('routes with their own settings count apart from each other', async () => {
      const app = cell.fastify();
      await app.register(rateLimit, {
        ...cell.storage().options,
        limit: 100,
        windowSeconds: 60,
        keyPrefix: cell.prefix('routes'),
      });
      app.get('/a', { config: { rateLimit: { limit: 1 } } }, async () => 'ok');
      app.get('/b', { config: { rateLimit: { limit: 1 } } }, async () => 'ok');
      const agent = await cell.serve(app);
      expect(await statuses(agent, '/a', 2)).toEqual([200, 429]);
      expect(await statuses(agent, '/b', 2)).toEqual([200, 429]);
    });

    it('registering twice on one instance is refused (it would count every request twice)', async () => {
      const app = cell.fastify();
      const options = { ...cell.storage().options, limit: 1, windowSeconds: 60 };
      await app.register(rateLimit, options);
      app.register(rateLimit, options);
      await expect(app.ready()).rejects.toThrow(/already registered/);
    });

    if (cell.backendName !== 'real Redis') {
      it('reuses app.memcached when given no client, servers or backend, and leaves it open', async () => {
        const keyPrefix = cell.prefix('shared');
        const { agent, app } = await limitedApp(
          cell,
          { limit: 1, windowSeconds: 60, keyPrefix },
          { shareClient: true },
        );
        expect(await statuses(agent, '/a', 2)).toEqual([200, 429]);
        expect(await cell.storage().backend.get(`${keyPrefix}127.0.0.1`)).not.toBeNull();
        await (app as FastifyInstance).close();
        // The app's client is not the plugin's to close.
        expect(await cell.storage().backend.get(`${keyPrefix}127.0.0.1`)).not.toBeNull();
      });
    }
  }
});
