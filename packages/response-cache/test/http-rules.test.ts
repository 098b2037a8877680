import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseCacheOptions } from '../src/index.js';
import { ADAPTERS, type AppEnv, type RouteSpec, type TestApp } from './support/apps.js';
import { STORES, type StartedStore } from './support/stores.js';

// One conformance suite for the HTTP rules, run for each adapter (Express 4, Express 5,
// Fastify) on each store (in-process memcached, real memcached, real Redis).
for (const backend of STORES) {
  for (const adapter of ADAPTERS) {
    describe.skipIf(!backend.available)(
      `HTTP caching rules: ${adapter.name} on ${backend.name}`,
      () => {
        let mc: StartedStore;
        const open: TestApp[] = [];
        let n = 0;
        // A run id keeps repeated runs apart on a long-lived store without flushing it.
        const run = randomBytes(4).toString('hex');
        beforeAll(async () => {
          mc = await backend.start();
        });
        afterAll(async () => {
          await mc?.stop();
        });
        afterEach(async () => {
          await Promise.all(open.splice(0).map((a) => a.close()));
        });
        const app = async (
          routes: RouteSpec[],
          options: Omit<ResponseCacheOptions, 'client' | 'servers' | 'backend'> = {},
          env: AppEnv = {},
        ): Promise<TestApp> => {
          // A key prefix per app keeps tests apart on the shared store without flushing it.
          const a = await adapter.create(
            mc.store,
            routes,
            { keyPrefix: `t${run}${++n}:`, ...options },
            {},
            env,
          );
          open.push(a);
          return a;
        };
        const counting = (make: (i: number) => RouteSpec['handler']) => {
          const state = { calls: 0 };
          const handler: RouteSpec['handler'] = (req) => make(++state.calls)(req);
          return { state, handler };
        };

        it('serves a GET from the cache the second time, with Age, ETag, X-Cache and Cache-Status', async () => {
          const { state, handler } = counting((i) => () => ({ body: { user: 42, call: i } }));
          const a = await app([{ path: '/users/:id', handler }]);
          const first = await a.request('GET', '/users/42');
          expect(first.status).toBe(200);
          expect(first.headers['x-cache']).toBe('MISS');
          expect(first.headers['cache-status']).toMatch(
            /^memkit; fwd=miss; fwd-status=200; stored$/,
          );
          const second = await a.request('GET', '/users/42');
          expect(second.status).toBe(200);
          expect(JSON.parse(second.text)).toEqual({ user: 42, call: 1 });
          expect(second.headers['content-type']).toMatch(/application\/json/);
          expect(second.headers['x-cache']).toBe('HIT');
          expect(second.headers['cache-status']).toMatch(/^memkit; hit; ttl=\d+$/);
          expect(second.headers.age).toMatch(/^\d+$/);
          expect(second.headers.etag).toMatch(/^"[^"]+"$/);
          expect(second.headers.etag).toBe(first.headers.etag);
          expect(state.calls).toBe(1);
        });

        it('never caches POST', async () => {
          const { state, handler } = counting((i) => () => ({ body: `post ${i}` }));
          const a = await app([{ path: '/things', methods: ['GET', 'POST'], handler }]);
          expect((await a.request('POST', '/things')).text).toBe('post 1');
          expect((await a.request('POST', '/things')).text).toBe('post 2');
          // Nor does a POST fill the GET entry.
          expect((await a.request('GET', '/things')).headers['x-cache']).toBe('MISS');
          expect(state.calls).toBe(3);
        });

        it('never serves a Set-Cookie response to another client', async () => {
          const { state, handler } = counting((i) => () => ({
            headers: {
              'set-cookie': `session=user${i}; HttpOnly`,
              'cache-control': 'public, max-age=60',
            },
            body: `hello user${i}`,
          }));
          const a = await app([{ path: '/me', handler }]);
          const alice = await a.request('GET', '/me');
          const bob = await a.request('GET', '/me');
          expect(alice.text).toBe('hello user1');
          expect(bob.text).toBe('hello user2');
          expect([bob.headers['set-cookie']].flat()).toEqual(['session=user2; HttpOnly']);
          expect(bob.headers['x-cache']).toBe('MISS');
          expect(bob.headers['cache-status']).toContain('detail=set-cookie');
          expect(state.calls).toBe(2);
        });

        it('never serves a response to an Authorization request to another client unless it is public', async () => {
          const { state, handler } = counting(() => (req) => ({
            body: `secret of ${String(req.headers.authorization ?? 'nobody')}`,
          }));
          const a = await app([{ path: '/private', handler }]);
          expect((await a.request('GET', '/private', { authorization: 'Bearer alice' })).text).toBe(
            'secret of Bearer alice',
          );
          const anon = await a.request('GET', '/private');
          expect(anon.text).toBe('secret of nobody');
          expect(anon.headers['x-cache']).toBe('MISS');
          expect(state.calls).toBe(2);

          const pub = counting((i) => () => ({
            headers: { 'cache-control': 'public' },
            body: `shared ${i}`,
          }));
          const b = await app([{ path: '/shared', handler: pub.handler }]);
          await b.request('GET', '/shared', { authorization: 'Bearer alice' });
          const other = await b.request('GET', '/shared');
          expect(other.headers['x-cache']).toBe('HIT');
          expect(other.text).toBe('shared 1');
        });

        it('does not store no-store, private, 5xx or Vary: * responses', async () => {
          const cases: [string, RouteSpec['handler'], string][] = [
            ['/ns', () => ({ headers: { 'cache-control': 'no-store' }, body: 'x' }), 'no-store'],
            [
              '/pv',
              () => ({ headers: { 'cache-control': 'private, max-age=60' }, body: 'x' }),
              'private',
            ],
            ['/err', () => ({ status: 500, body: 'boom' }), 'status'],
            ['/star', () => ({ headers: { vary: '*' }, body: 'x' }), 'vary-star'],
          ];
          const a = await app(cases.map(([path, handler]) => ({ path, handler })));
          for (const [path, , reason] of cases) {
            await a.request('GET', path);
            const again = await a.request('GET', path);
            expect(again.headers['x-cache'], path).toBe('MISS');
            expect(again.headers['cache-status'], path).toContain(`detail=${reason}`);
          }
        });

        it('caches a 404 (cacheable by default)', async () => {
          const { state, handler } = counting(() => () => ({ status: 404, body: 'no such user' }));
          const a = await app([{ path: '/gone', handler }]);
          await a.request('GET', '/gone');
          const again = await a.request('GET', '/gone');
          expect(again.status).toBe(404);
          expect(again.headers['x-cache']).toBe('HIT');
          expect(state.calls).toBe(1);
        });

        it("lets the response's s-maxage or max-age win over the default ttl", async () => {
          const a = await app(
            [
              {
                path: '/s',
                handler: () => ({
                  headers: { 'cache-control': 'max-age=600, s-maxage=7' },
                  body: 's',
                }),
              },
              {
                path: '/m',
                handler: () => ({ headers: { 'cache-control': 'max-age=9' }, body: 'm' }),
              },
              { path: '/d', handler: () => ({ body: 'd' }) },
            ],
            { ttl: 3000 },
          );
          for (const [path, ttl] of [
            ['/s', 7],
            ['/m', 9],
            ['/d', 3000],
          ] as const) {
            await a.request('GET', path);
            const hit = await a.request('GET', path);
            const shown = Number(/ttl=(\d+)/.exec(String(hit.headers['cache-status']))?.[1]);
            expect(shown, path).toBeLessThanOrEqual(ttl);
            expect(shown, path).toBeGreaterThanOrEqual(ttl - 2);
          }
        });

        it('with honorRequestNoCache, bypasses on a request no-store and refreshes on a request no-cache', async () => {
          const { state, handler } = counting((i) => () => ({ body: `v${i}` }));
          const a = await app([{ path: '/r', handler }], { honorRequestNoCache: true });
          const bypass = await a.request('GET', '/r', { 'cache-control': 'no-store' });
          expect(bypass.headers['cache-status']).toContain('fwd=bypass');
          expect((await a.request('GET', '/r')).headers['x-cache']).toBe('MISS'); // v2 stored
          expect((await a.request('GET', '/r')).text).toBe('v2');
          const refreshed = await a.request('GET', '/r', { 'cache-control': 'no-cache' });
          expect(refreshed.text).toBe('v3');
          expect(refreshed.headers['cache-status']).toContain('fwd=request');
          const after = await a.request('GET', '/r');
          expect(after.headers['x-cache']).toBe('HIT');
          expect(after.text).toBe('v3');
          expect(state.calls).toBe(3);
        });

        it('keeps languages apart with Vary: Accept-Language', async () => {
          const { state, handler } = counting(() => (req) => ({
            headers: { vary: 'Accept-Language' },
            body: req.headers['accept-language'] === 'fr' ? 'bonjour' : 'hello',
          }));
          const a = await app([{ path: '/greet', handler }]);
          expect((await a.request('GET', '/greet', { 'accept-language': 'en' })).text).toBe(
            'hello',
          );
          expect((await a.request('GET', '/greet', { 'accept-language': 'fr' })).text).toBe(
            'bonjour',
          );
          const en = await a.request('GET', '/greet', { 'accept-language': 'en' });
          const fr = await a.request('GET', '/greet', { 'accept-language': 'fr' });
          expect([en.text, en.headers['x-cache']]).toEqual(['hello', 'HIT']);
          expect([fr.text, fr.headers['x-cache']]).toEqual(['bonjour', 'HIT']);
          expect(state.calls).toBe(2);
        });

        it('answers 304 to a matching If-None-Match, and 200 to another tag', async () => {
          const a = await app([{ path: '/etag', handler: () => ({ body: 'tagged body' }) }]);
          const first = await a.request('GET', '/etag');
          const etag = String(first.headers.etag);
          const notModified = await a.request('GET', '/etag', { 'if-none-match': etag });
          expect(notModified.status).toBe(304);
          expect(notModified.body.length).toBe(0);
          expect(notModified.headers.etag).toBe(etag);
          const other = await a.request('GET', '/etag', { 'if-none-match': '"nope"' });
          expect(other.status).toBe(200);
          expect(other.text).toBe('tagged body');
        });

        it("keeps the origin's strong ETag", async () => {
          const a = await app([
            { path: '/own', handler: () => ({ headers: { etag: '"v7"' }, body: 'x' }) },
          ]);
          await a.request('GET', '/own');
          expect((await a.request('GET', '/own')).headers.etag).toBe('"v7"');
          expect((await a.request('GET', '/own', { 'if-none-match': 'W/"v7"' })).status).toBe(304);
        });

        it('answers HEAD from the GET entry, without a body', async () => {
          const { state, handler } = counting(() => () => ({ body: 'twelve bytes' }));
          const a = await app([{ path: '/h', handler }]);
          await a.request('GET', '/h');
          const head = await a.request('HEAD', '/h');
          expect(head.status).toBe(200);
          expect(head.headers['x-cache']).toBe('HIT');
          expect(head.headers['content-length']).toBe('12');
          expect(head.body.length).toBe(0);
          expect(state.calls).toBe(1);
        });

        it('round-trips binary bodies, compressed and chunked past the item size', async () => {
          const binary = randomBytes(300_000);
          const text = Buffer.from('compress me '.repeat(50_000));
          // Every byte value, in a body small enough for the adapters' small-body send path.
          const bytes256 = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));
          const a = await app(
            [
              {
                path: '/bin',
                handler: () => ({
                  headers: { 'content-type': 'application/octet-stream' },
                  body: binary,
                }),
              },
              {
                path: '/small',
                handler: () => ({
                  headers: { 'content-type': 'application/octet-stream' },
                  body: bytes256,
                }),
              },
              {
                path: '/txt',
                handler: () => ({
                  headers: { 'content-type': 'text/plain' },
                  body: text,
                  via: 'write',
                }),
              },
            ],
            { itemSizeBytes: 64 * 1024 },
          );
          for (const [path, bytes] of [
            ['/bin', binary],
            ['/small', bytes256],
            ['/txt', text],
          ] as const) {
            await a.request('GET', path);
            const hit = await a.request('GET', path);
            expect(hit.headers['x-cache'], path).toBe('HIT');
            expect(hit.body.equals(bytes), path).toBe(true);
            expect(hit.headers['content-length'], path).toBe(String(bytes.length));
          }
        });

        it('passes a body over maxBodyBytes through without storing it, logging why', async () => {
          const big = Buffer.alloc(5000, 7);
          const reasons: unknown[] = [];
          const logger = {
            warn: () => {},
            debug: (o: Record<string, unknown>) => reasons.push(o.reason),
          };
          const a = await app([{ path: '/big', handler: () => ({ body: big }) }], {
            maxBodyBytes: 4096,
            logger,
          });
          await a.request('GET', '/big');
          const again = await a.request('GET', '/big');
          expect(again.body.equals(big)).toBe(true);
          expect(again.headers['x-cache']).toBe('MISS');
          expect(reasons).toEqual(['too-large', 'too-large']);
        });

        it('sees a tag invalidation made by another app instance', async () => {
          const { state, handler } = counting((i) => (req) => ({
            body: `user ${req.params.id} v${i}`,
          }));
          const route: RouteSpec = {
            path: '/api/users/:id',
            cache: { tags: (req) => [`user:${req.params?.id}`] },
            handler,
          };
          const a = await app([route], { keyPrefix: `shared-tags${run}:` });
          const b = await app([route], { keyPrefix: `shared-tags${run}:` });
          await a.request('GET', '/api/users/42');
          await a.request('GET', '/api/users/7');
          expect((await b.request('GET', '/api/users/42')).headers['x-cache']).toBe('HIT');
          await a.cache.invalidateTags(['user:42']);
          const after = await b.request('GET', '/api/users/42');
          expect(after.headers['x-cache']).toBe('MISS');
          expect(after.text).toBe('user 42 v3');
          expect((await b.request('GET', '/api/users/7')).headers['x-cache']).toBe('HIT');
          expect((await a.request('GET', '/api/users/42')).text).toBe('user 42 v3');
          expect(state.calls).toBe(3);
        });

        it('invalidates by key and by configured prefix', async () => {
          const { handler } = counting((i) => () => ({ body: `v${i}` }));
          const a = await app(
            [
              { path: '/api/users/:id', handler },
              { path: '/api/orders/:id', handler },
            ],
            { prefixes: ['/api/users'] },
          );
          await a.request('GET', '/api/users/1');
          await a.request('GET', '/api/orders/1');
          expect(await a.cache.invalidate('/api/users/1')).toBe(true);
          expect((await a.request('GET', '/api/users/1')).headers['x-cache']).toBe('MISS');
          expect((await a.request('GET', '/api/users/1')).headers['x-cache']).toBe('HIT');
          await a.cache.invalidatePrefix('/api/users');
          expect((await a.request('GET', '/api/users/1')).headers['x-cache']).toBe('MISS');
          expect((await a.request('GET', '/api/orders/1')).headers['x-cache']).toBe('HIT');
          await expect(a.cache.invalidatePrefix('/api/orders')).rejects.toThrow(RangeError);
        });

        it('keeps query order in the key unless sortQuery', async () => {
          const a = await app([{ path: '/q', handler: (req) => ({ body: req.url }) }]);
          await a.request('GET', '/q?b=1&a=2');
          expect((await a.request('GET', '/q?a=2&b=1')).headers['x-cache']).toBe('MISS');
          const s = await app([{ path: '/q', handler: (req) => ({ body: req.url }) }], {
            sortQuery: true,
          });
          await s.request('GET', '/q?b=1&a=2');
          expect((await s.request('GET', '/q?a=2&b=1')).headers['x-cache']).toBe('HIT');
        });

        it('uses a custom key function', async () => {
          const a = await app([
            {
              path: '/k/:id',
              cache: { key: (req) => `thing:${req.params?.id}` },
              handler: (req) => ({ body: req.url }),
            },
          ]);
          await a.request('GET', '/k/1?utm=a');
          const hit = await a.request('GET', '/k/1?utm=b');
          expect(hit.headers['x-cache']).toBe('HIT');
          expect(await a.cache.invalidate('thing:1')).toBe(true);
          expect((await a.request('GET', '/k/1')).headers['x-cache']).toBe('MISS');
        });

        it('does not cache a route with cache: false', async () => {
          const { state, handler } = counting((i) => () => ({ body: `n${i}` }));
          const a = await app([{ path: '/nc', cache: false, handler }]);
          await a.request('GET', '/nc');
          expect((await a.request('GET', '/nc')).text).toBe('n2');
          expect(state.calls).toBe(2);
        });
      },
    );
  }
}
