import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import session from 'express-session';
import { expect, it, vi } from 'vitest';
import { describeMatrix } from '../../../test/support/http-matrix.js';
import { cacheApps, gate, type RouteSpec } from './support/matrix-apps.js';

// One conformance suite for the HTTP rules, run for each adapter (Express 4, Express 5,
// Fastify) on each store (in-process memcached, real memcached, real Redis).
describeMatrix('HTTP caching rules', (cell) => {
  const app = cacheApps(cell);
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
    expect(first.headers['cache-status']).toMatch(/^memkit; fwd=miss; fwd-status=200; stored$/);
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

  it("keeps a response fresh for a max-age over 30 days (memcached's exptime rule, applied in core)", async () => {
    const year = 365 * 86_400;
    const a = await app([
      {
        path: '/immutable',
        handler: () => ({
          headers: { 'cache-control': `public, max-age=${year}, immutable` },
          body: 'asset',
        }),
      },
    ]);
    await a.request('GET', '/immutable');
    const hit = await a.request('GET', '/immutable');
    expect(hit.headers['x-cache']).toBe('HIT');
    const ttl = Number(/ttl=(\d+)/.exec(String(hit.headers['cache-status']))?.[1]);
    expect(ttl).toBeGreaterThan(year - 60);
    // An absolute exptime can read back a second over: memcached's clock ticks in whole
    // seconds behind the client's.
    expect(ttl).toBeLessThanOrEqual(year + 2);
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
    expect((await a.request('GET', '/greet', { 'accept-language': 'en' })).text).toBe('hello');
    expect((await a.request('GET', '/greet', { 'accept-language': 'fr' })).text).toBe('bonjour');
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
    const keyPrefix = cell.prefix('shared-tags');
    const a = await app([route], { keyPrefix });
    const b = await app([route], { keyPrefix });
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

  it('with sortQuery, repeated parameters keep their order: ?t=b&t=a never answers ?t=a&t=b', async () => {
    const s = await app(
      [
        {
          path: '/q',
          handler: (req) => ({
            body: new URL(req.url, 'http://x').searchParams.getAll('t').join(','),
          }),
        },
      ],
      { sortQuery: true },
    );
    const pairs: [string, string][] = [
      ['/q?t=b&t=a', '/q?t=a&t=b'],
      ['/q?%74=d&t=c', '/q?t=c&%74=d'],
    ];
    for (const [poison, victim] of pairs) {
      const stored = await s.request('GET', poison);
      expect((await s.request('GET', poison)).headers['x-cache'], poison).toBe('HIT');
      const r = await s.request('GET', victim);
      expect(r.text, victim).toBe(stored.text.split(',').reverse().join(','));
    }
    // Different names still share one key in either order.
    await s.request('GET', '/q?x=1&t=e');
    expect((await s.request('GET', '/q?t=e&x=1')).headers['x-cache']).toBe('HIT');
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

  // --- Security: no poisoning, no leaks, no self-inflicted queue (issue #13) ---

  it('keys on the raw target the router saw: /page/%2e%2e, /page\\victim and /page/x/../other poison nothing', async () => {
    const a = await app([
      { path: '/', handler: () => ({ body: 'home' }) },
      { path: '/page/:name', handler: (req) => ({ body: `page ${req.params.name}` }) },
      {
        path: '/page/:a/:b/:c',
        handler: (req) => ({ body: `deep ${req.params.a}|${req.params.b}|${req.params.c}` }),
      },
      { path: '/:p', handler: (req) => ({ body: `root ${req.params.p}` }) },
    ]);
    expect((await a.request('GET', '/page/%2e%2e')).text).toBe('page ..');
    expect((await a.request('GET', '/page\\victim')).text).toBe('root page\\victim');
    expect((await a.request('GET', '/page/x/../other')).text).toBe('deep x|..|other');
    // Each page is what its own route answers, not a copy filed under a normalised URL.
    const home = await a.request('GET', '/');
    expect([home.text, home.headers['x-cache']]).toEqual(['home', 'MISS']);
    const victim = await a.request('GET', '/page/victim');
    expect([victim.text, victim.headers['x-cache']]).toEqual(['page victim', 'MISS']);
    const other = await a.request('GET', '/page/other');
    expect([other.text, other.headers['x-cache']]).toEqual(['page other', 'MISS']);
    // The raw targets are cached under their own keys.
    const again = await a.request('GET', '/page/%2e%2e');
    expect([again.text, again.headers['x-cache']]).toEqual(['page ..', 'HIT']);
  });

  it('keys on the host (port included): a page built for one Host is never served to another', async () => {
    const { state, handler } = counting((i) => (req) => ({
      body: `links to ${req.hostname} #${i}`,
    }));
    const a = await app([{ path: '/h', handler }]);
    expect((await a.request('GET', '/h', { host: 'evil.example' })).text).toBe(
      'links to evil.example #1',
    );
    const good = await a.request('GET', '/h', { host: 'good.example' });
    expect([good.text, good.headers['x-cache']]).toEqual(['links to good.example #2', 'MISS']);
    const hit = await a.request('GET', '/h', { host: 'good.example' });
    expect([hit.text, hit.headers['x-cache']]).toEqual(['links to good.example #2', 'HIT']);
    const port = await a.request('GET', '/h', { host: 'good.example:8080' });
    expect(port.headers['x-cache']).toBe('MISS');
    expect(state.calls).toBe(3);
  });

  it("a Host carrying a path never lands on another URL's entry: /x with Host app.test/page is not /page/x", async () => {
    const a = await app([
      { path: '/x', handler: () => ({ body: 'attacker page' }) },
      { path: '/page/x', handler: () => ({ body: 'victim page' }) },
    ]);
    await a.request('GET', '/x', { host: 'app.test/page' });
    const attack = await a.request('GET', '/x', { host: 'app.test/page' });
    expect(attack.headers['cache-status']).toBe('memkit; fwd=bypass; detail=host');
    const victim = await a.request('GET', '/page/x');
    expect([victim.status, victim.text]).toEqual([200, 'victim page']);
  });

  it('with trust proxy, keys on X-Forwarded-Proto and -Host as the framework resolves them: a 301 built for http never reaches https', async () => {
    const { state, handler } = counting(
      () => (req) =>
        req.protocol === 'http'
          ? {
              status: 301,
              headers: { location: `https://${req.hostname}/secure` },
              body: 'moved',
            }
          : { body: `secure on ${req.hostname}` },
    );
    const a = await app([{ path: '/secure', handler }], {}, { trustProxy: true });
    const plain = { 'x-forwarded-proto': 'http' };
    expect((await a.request('GET', '/secure', plain)).status).toBe(301);
    expect((await a.request('GET', '/secure', plain)).headers['x-cache']).toBe('HIT');
    const tls = await a.request('GET', '/secure', { 'x-forwarded-proto': 'https' });
    expect([tls.status, tls.text]).toEqual([200, 'secure on app.test']);
    const other = await a.request('GET', '/secure', {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'other.example',
    });
    expect([other.status, other.text, other.headers['x-cache']]).toEqual([
      200,
      'secure on other.example',
      'MISS',
    ]);
    expect(state.calls).toBe(3);
  });

  it('adds the keyHeaders to the key', async () => {
    const { handler } = counting(() => (req) => ({
      body: `tenant ${String(req.headers['x-tenant'])}`,
    }));
    const a = await app([{ path: '/t', handler }], { keyHeaders: ['X-Tenant'] });
    expect((await a.request('GET', '/t', { 'x-tenant': 'a' })).text).toBe('tenant a');
    const b = await a.request('GET', '/t', { 'x-tenant': 'b' });
    expect([b.text, b.headers['x-cache']]).toEqual(['tenant b', 'MISS']);
    const hit = await a.request('GET', '/t', { 'x-tenant': 'a' });
    expect([hit.text, hit.headers['x-cache']]).toEqual(['tenant a', 'HIT']);
  });

  it('neither answers a Cookie or Authorization request from the shared cache nor stores its response, by default', async () => {
    const { state, handler } = counting((i) => (req) => ({
      body: `hello ${String(req.headers.cookie ?? req.headers.authorization ?? 'anonymous')} #${i}`,
    }));
    const a = await app([{ path: '/home', handler }]);
    await a.request('GET', '/home');
    const alice = await a.request('GET', '/home', { cookie: 'sid=alice' });
    expect([alice.text, alice.headers['x-cache']]).toEqual(['hello sid=alice #2', 'MISS']);
    expect(alice.headers['cache-status']).toContain('fwd=bypass');
    const bob = await a.request('GET', '/home', { authorization: 'Bearer bob' });
    expect(bob.text).toBe('hello Bearer bob #3');
    const anonymous = await a.request('GET', '/home');
    expect([anonymous.text, anonymous.headers['x-cache']]).toEqual(['hello anonymous #1', 'HIT']);
    // A personalised response is not stored either: the next anonymous request misses.
    const b = await app([{ path: '/first', handler }]);
    expect((await b.request('GET', '/first', { cookie: 'sid=carol' })).text).toBe(
      'hello sid=carol #4',
    );
    const next = await b.request('GET', '/first');
    expect([next.text, next.headers['x-cache']]).toEqual(['hello anonymous #5', 'MISS']);
    expect(state.calls).toBe(5);
  });

  it('shares Cookie requests when the response says public or s-maxage, or the route opts in', async () => {
    const pub = counting((i) => () => ({
      headers: { 'cache-control': 'public, max-age=60' },
      body: `public #${i}`,
    }));
    const opt = counting((i) => () => ({ body: `opted in #${i}` }));
    const keyed = counting((i) => () => ({ body: `keyed #${i}` }));
    const a = await app([
      { path: '/pub', handler: pub.handler },
      { path: '/opt', cache: { shareCookieRequests: true }, handler: opt.handler },
      { path: '/keyed', cache: { key: () => 'keyed' }, handler: keyed.handler },
    ]);
    for (const path of ['/pub', '/opt', '/keyed']) {
      await a.request('GET', path, { cookie: 'sid=alice' });
      const other = await a.request('GET', path, { cookie: 'sid=bob' });
      expect(other.headers['x-cache'], path).toBe('HIT');
      expect((await a.request('GET', path)).headers['x-cache'], path).toBe('HIT');
    }
    expect([pub.state.calls, opt.state.calls, keyed.state.calls]).toEqual([1, 1, 1]);
  });

  it('does not store a response whose Set-Cookie is added as the headers go out (express-session, @fastify/session)', async () => {
    const { state, handler } = counting((i) => () => ({ body: `page #${i}` }));
    const secret = 'a session secret of at least thirty-two characters';
    const a = await app(
      [{ path: '/s', handler }],
      {},
      {
        express: (e) => {
          e.use(session({ secret, resave: false, saveUninitialized: true }));
        },
        fastify: async (f) => {
          await f.register(fastifyCookie);
          await f.register(fastifySession, {
            secret,
            cookie: { secure: false },
            saveUninitialized: true,
          });
        },
      },
    );
    const first = await a.request('GET', '/s');
    expect(first.headers['set-cookie']).toBeDefined();
    expect(first.headers['cache-status']).toContain('detail=set-cookie');
    const second = await a.request('GET', '/s');
    expect([second.text, second.headers['x-cache']]).toEqual(['page #2', 'MISS']);
    expect(second.headers['set-cookie']).toBeDefined();
    expect(state.calls).toBe(2);
  });

  it('does not store a response when a cookie was set before the cache ran (res.cookie, reply.setCookie)', async () => {
    const { state, handler } = counting((i) => () => ({ body: `page #${i}` }));
    let visitor = 0;
    const a = await app(
      [{ path: '/c', handler }],
      {},
      {
        express: (e) => {
          e.use((_req, res, next) => {
            res.cookie('visitor', `v${++visitor}`);
            next();
          });
        },
        fastify: async (f) => {
          await f.register(fastifyCookie);
          f.addHook('onRequest', async (_req, reply) => {
            reply.setCookie('visitor', `v${++visitor}`);
          });
        },
      },
    );
    const first = await a.request('GET', '/c');
    expect(String(first.headers['set-cookie'])).toContain('visitor=v1');
    const second = await a.request('GET', '/c');
    expect([second.text, second.headers['x-cache']]).toEqual(['page #2', 'MISS']);
    expect(String(second.headers['set-cookie'])).toContain('visitor=v2');
    expect(state.calls).toBe(2);
  });

  it('sends concurrent requests for a not-storable route to the origin in parallel (hit-for-pass)', async () => {
    const TOTAL = 10;
    let inFlight = 0;
    let peak = 0;
    let current = gate();
    current.open();
    const a = await app(
      [
        {
          path: '/private',
          handler: async () => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await current.wait;
            inFlight--;
            return { headers: { 'cache-control': 'private, max-age=60' }, body: 'mine' };
          },
        },
      ],
      { lockWaitMs: 20_000 },
    );
    // The first request finds out the route's responses cannot be stored.
    expect((await a.request('GET', '/private')).text).toBe('mine');
    current = gate();
    peak = 0;
    const pending = Array.from({ length: TOTAL }, () => a.request('GET', '/private'));
    try {
      // Every one of them is in the handler at once: none waits behind another's lock.
      await vi.waitFor(() => expect(inFlight).toBe(TOTAL), { timeout: 5000, interval: 10 });
    } finally {
      current.open();
    }
    const responses = await Promise.all(pending);
    expect(responses.every((r) => r.status === 200 && r.text === 'mine')).toBe(true);
    expect(peak).toBe(TOTAL);
  });

  it('a cold burst on a not-storable route waits for one origin call at most, then goes to the origin in parallel', async () => {
    let calls = 0;
    let inFlight = 0;
    const first = gate();
    const rest = gate();
    const a = await app(
      [
        {
          path: '/cold-private',
          handler: async () => {
            const call = ++calls;
            inFlight++;
            await (call === 1 ? first.wait : rest.wait);
            inFlight--;
            return { headers: { 'cache-control': 'private' }, body: 'mine' };
          },
        },
      ],
      { lockWaitMs: 20_000 },
    );
    const pending = Array.from({ length: 10 }, () => a.request('GET', '/cold-private'));
    await vi.waitFor(() => expect(calls).toBe(1), { timeout: 5000, interval: 10 });
    first.open();
    try {
      // Once the first response turned out private, the nine others run side by side.
      await vi.waitFor(() => expect(inFlight).toBe(9), { timeout: 5000, interval: 10 });
    } finally {
      rest.open();
    }
    const responses = await Promise.all(pending);
    expect(responses.every((r) => r.status === 200 && r.text === 'mine')).toBe(true);
    expect(calls).toBe(10);
  });

  it('ignores request no-cache, max-age=0, Pragma and no-store by default: 40 concurrent ones for a fresh URL cause no origin call', async () => {
    const { state, handler } = counting((i) => () => ({ body: `v${i}` }));
    const a = await app([{ path: '/fresh', handler }]);
    await a.request('GET', '/fresh');
    const directives: Record<string, string>[] = [
      { 'cache-control': 'no-cache' },
      { 'cache-control': 'max-age=0' },
      { pragma: 'no-cache' },
      { 'cache-control': 'no-store' },
    ];
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        a.request('GET', '/fresh', directives[i % directives.length]),
      ),
    );
    expect(responses.every((r) => r.text === 'v1' && r.headers['x-cache'] === 'HIT')).toBe(true);
    expect(state.calls).toBe(1);
    expect((await a.request('GET', '/fresh')).text).toBe('v1');
  });

  it('answers If-Modified-Since from a stored Last-Modified with 304', async () => {
    const lastModified = 'Wed, 01 Jan 2025 00:00:00 GMT';
    const a = await app([
      {
        path: '/dated',
        handler: () => ({ headers: { 'last-modified': lastModified }, body: 'dated' }),
      },
    ]);
    await a.request('GET', '/dated');
    const later = await a.request('GET', '/dated', {
      'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT',
    });
    expect([later.status, later.body.length, later.headers['x-cache']]).toEqual([304, 0, 'HIT']);
    expect(later.headers['last-modified']).toBe(lastModified);
    const earlier = await a.request('GET', '/dated', {
      'if-modified-since': 'Tue, 31 Dec 2024 00:00:00 GMT',
    });
    expect([earlier.status, earlier.text]).toEqual([200, 'dated']);
  });

  it('answers 304 after a revalidation with the origin when If-None-Match still matches', async () => {
    const { state, handler } = counting(() => () => ({ body: 'same body' }));
    const a = await app([{ path: '/rv', handler }]);
    const etag = String((await a.request('GET', '/rv')).headers.etag);
    expect(await a.cache.invalidate('/rv')).toBe(true);
    const revalidated = await a.request('GET', '/rv', { 'if-none-match': etag });
    expect([revalidated.status, revalidated.body.length]).toEqual([304, 0]);
    expect(revalidated.headers.etag).toBe(etag);
    expect(revalidated.headers['x-cache']).toBe('MISS');
    expect(state.calls).toBe(2);
    const other = await a.request('GET', '/rv', { 'if-none-match': '"other"' });
    expect([other.status, other.text]).toEqual([200, 'same body']);
  });

  it('replays a stale-while-revalidate refresh as the client whose request found the page stale', async () => {
    const seen: (string | undefined)[] = [];
    const a = await app(
      [
        {
          path: '/swr',
          cache: { staleWhileRevalidate: 60 },
          handler: (req) => {
            seen.push(req.ip);
            return { headers: { 'cache-control': 'max-age=1' }, body: `v${seen.length}` };
          },
        },
      ],
      {},
      // Only the loopback proxy is trusted: a replay without the socket's address would
      // have no trusted hop, and so no client address at all.
      { trustProxy: 'loopback' },
    );
    await a.request('GET', '/swr', { 'x-forwarded-for': '203.0.113.7' });
    // Real time on the real servers: poll (bounded) until the one-second entry is stale.
    await vi.waitFor(
      async () => {
        const r = await a.request('GET', '/swr', { 'x-forwarded-for': '198.51.100.9' });
        expect(r.headers['x-cache']).toBe('STALE');
      },
      { timeout: 10_000, interval: 100 },
    );
    await vi.waitFor(() => expect(seen).toHaveLength(2), { timeout: 10_000, interval: 20 });
    expect(seen).toEqual(['203.0.113.7', '198.51.100.9']);
  });

  it('invalidating a path still reaches its real host after a client stored it under 64 other Host values', async () => {
    const { handler } = counting((i) => () => ({ body: `news v${i}` }));
    const a = await app([{ path: '/news', handler }]);
    expect((await a.request('GET', '/news')).text).toBe('news v1');
    // Any Host reaches the app, so anyone can add entries (and origins) for the same path.
    for (let i = 0; i < 64; i++) await a.request('GET', '/news', { host: `h${i}.example` });
    await a.cache.invalidate('/news');
    const after = await a.request('GET', '/news');
    expect([after.text, after.headers['x-cache']]).toEqual(['news v66', 'MISS']);
  });

  it('invalidates a path on every host it was stored under; an absolute URL on its own host only', async () => {
    const a = await app([{ path: '/inv', handler: (req) => ({ body: `for ${req.hostname}` }) }]);
    await a.request('GET', '/inv', { host: 'a.example' });
    await a.request('GET', '/inv', { host: 'b.example' });
    expect(await a.cache.invalidate('http://a.example/inv')).toBe(true);
    expect((await a.request('GET', '/inv', { host: 'a.example' })).headers['x-cache']).toBe('MISS');
    expect((await a.request('GET', '/inv', { host: 'b.example' })).headers['x-cache']).toBe('HIT');
    expect(await a.cache.invalidate('/inv')).toBe(true);
    for (const host of ['a.example', 'b.example']) {
      const r = await a.request('GET', '/inv', { host });
      expect([r.text, r.headers['x-cache']], host).toEqual([`for ${host}`, 'MISS']);
    }
  });

  it('does not cache a route with cache: false', async () => {
    const { state, handler } = counting((i) => () => ({ body: `n${i}` }));
    const a = await app([{ path: '/nc', cache: false, handler }]);
    await a.request('GET', '/nc');
    expect((await a.request('GET', '/nc')).text).toBe('n2');
    expect(state.calls).toBe(2);
  });
});
