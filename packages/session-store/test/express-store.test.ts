import { MemcachedClient } from '@memkit/core';
import type { SessionData } from 'express-session';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemcachedStore, type MemcachedStoreOptions } from '../src/index.js';
import { GENERATION_CACHE_MS } from '../src/session-engine.js';
import { type Backend, backends, barrier, countOps } from './support/backends.js';
import { expressApp } from './support/express-app.js';

for (const b of backends) {
  describe.skipIf(!b.enabled)(`MemcachedStore with express-session (${b.name})`, () => {
    let backend: Backend;
    let client: MemcachedClient;
    let admin: MemcachedClient;
    const stores: MemcachedStore[] = [];

    beforeAll(async () => {
      backend = await b.start();
      // Generous: the machine running the suite may be loaded. Fault tests use their own client.
      client = new MemcachedClient(backend.address, { timeoutMs: 3000 });
      admin = new MemcachedClient(backend.address);
    });
    afterAll(async () => {
      await client.close();
      await admin.close();
      await backend.stop();
    });
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
    });

    // Each test gets its own keyPrefix: no flush between tests, no shared state.
    let n = 0;
    function store(options: MemcachedStoreOptions = {}): MemcachedStore {
      n += 1;
      const s = new MemcachedStore({ client, keyPrefix: `t${n}-${Date.now()}:`, ...options });
      stores.push(s);
      return s;
    }

    it('logs in with a cookie and later requests see the session', async () => {
      const agent = request.agent(expressApp(store()));
      const login = await agent.post('/login/ada').expect(200);
      expect(login.headers['set-cookie']?.[0]).toMatch(/^connect\.sid=/);
      const me = await agent.get('/me').expect(200);
      expect(me.body).toMatchObject({ user: 'ada', cart: [], id: login.body.id });
    });

    it('saves nothing for a visitor who never logs in (saveUninitialized: false)', async () => {
      const s = store();
      const ops = await countOps(admin, ['cmd_set'], async () => {
        await request(expressApp(s)).get('/me').expect(200);
      });
      expect(ops.cmd_set).toBe(0);
    });

    it('logout destroys the session in memcached', async () => {
      const s = store();
      const agent = request.agent(expressApp(s));
      const { body } = await agent.post('/login/ada').expect(200);
      await agent.post('/logout').expect(200);
      expect(await s.get(body.id)).toBeNull();
      expect((await agent.get('/me')).body.user).toBeNull();
    });

    describe('logout is final even when the read was forgotten (ledger of 1 read)', () => {
      // A ledger of one read stands for 10,000 other sessions read while a request is in flight;
      // a copy of the session (not the object `get` returned) is what a framework without
      // per-request tracking hands back, so only the ledger could know its read.
      function forgetful(): MemcachedStore {
        n += 1;
        const s = new MemcachedStore({ client, keyPrefix: `tf${n}-${Date.now()}:` }, undefined, {
          ledgerEntries: 1,
        });
        stores.push(s);
        return s;
      }
      async function loggedIn(s: MemcachedStore, user: string): Promise<string> {
        const { body } = await request(expressApp(s)).post(`/login/${user}`).expect(200);
        return body.id as string;
      }

      it('a stale copy saved after destroy does not bring the session back', async () => {
        const s = forgetful();
        const ada = await loggedIn(s, 'ada');
        const bob = await loggedIn(s, 'bob');
        const read = (await s.get(ada)) as SessionData & { cart: string[] };
        const stale = { ...read, cart: ['apple'] };
        await s.destroy(ada);
        await s.get(bob); // pushes ada's read out of the ledger
        await s.set(ada, stale);
        expect(await s.get(ada)).toBeNull();
        const raw = await s.backend.get(s.options.keyPrefix + ada);
        expect(raw?.value.toString() ?? 'absent').toMatch(/^(m1:destroyed|absent)$/);
      });

      it('after a destroy, a brand-new session with another id is stored', async () => {
        const s = forgetful();
        const ada = await loggedIn(s, 'ada');
        await s.destroy(ada);
        const agent = request.agent(expressApp(s));
        const { body } = await agent.post('/login/ada').expect(200);
        expect(body.id).not.toBe(ada);
        expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: 'ada', cart: [] });
      });

      it('a save whose read was forgotten still overwrites a live session (last writer wins)', async () => {
        const s = forgetful();
        const ada = await loggedIn(s, 'ada');
        const bob = await loggedIn(s, 'bob');
        const read = (await s.get(ada)) as SessionData & { cart: string[] };
        await s.get(bob);
        const changed = { ...read, cart: ['pear'] };
        await s.set(ada, changed);
        expect(await s.get(ada)).toMatchObject({ user: 'ada', cart: ['pear'] });
      });
    });

    it('regenerate moves the data to a new id and deletes the old one', async () => {
      const s = store();
      const agent = request.agent(expressApp(s));
      const before = await agent.post('/login/ada').expect(200);
      const after = await agent.post('/regenerate').expect(200);
      expect(after.body.id).not.toBe(before.body.id);
      expect(await s.get(before.body.id)).toBeNull();
      const me = await agent.get('/me').expect(200);
      expect(me.body).toMatchObject({ user: 'ada', id: after.body.id });
    });

    it('100 unmodified requests inside touchAfter cost no set and at most one touch', async () => {
      const agent = request.agent(expressApp(store()));
      await agent.post('/login/ada').expect(200);
      const ops = await countOps(admin, ['cmd_set', 'cmd_touch'], async () => {
        for (let i = 0; i < 100; i++) await agent.get('/me').expect(200);
      });
      expect(ops.cmd_set).toBe(0);
      expect(ops.cmd_touch).toBeLessThanOrEqual(1);
    });

    it('resave: true still writes nothing for unmodified sessions (the set becomes a touch)', async () => {
      const agent = request.agent(expressApp(store(), { resave: true }));
      await agent.post('/login/ada').expect(200);
      const ops = await countOps(admin, ['cmd_set', 'cmd_touch'], async () => {
        for (let i = 0; i < 20; i++) await agent.get('/me').expect(200);
      });
      expect(ops.cmd_set).toBe(0);
      expect(ops.cmd_touch).toBeLessThanOrEqual(1);
    });

    it('a modified session is written once per request, with no extra touch', async () => {
      const agent = request.agent(expressApp(store()));
      await agent.post('/login/ada').expect(200);
      const ops = await countOps(admin, ['cmd_set', 'cmd_touch'], async () => {
        await agent.post('/cart/apple').expect(200);
      });
      expect(ops).toEqual({ cmd_set: 1, cmd_touch: 0 });
      expect((await agent.get('/me')).body.cart).toEqual(['apple']);
    });

    it('with cas: true a concurrent change is refused with SessionConflictError, not lost', async () => {
      const wait = barrier(2);
      const agent = request.agent(expressApp(store({ cas: true }), { cartBarrier: wait }));
      await agent.post('/login/ada').expect(200);
      const [a, b2] = await Promise.all([agent.post('/cart/apple'), agent.post('/cart/pear')]);
      const statuses = [a.status, b2.status].sort();
      expect(statuses).toEqual([200, 500]);
      const failed = a.status === 500 ? a : b2;
      const won = a.status === 200 ? a : b2;
      expect(failed.body.code).toBe('ERR_SESSION_CONFLICT');
      expect((await agent.get('/me')).body.cart).toEqual(won.body.cart);
    });

    it('with cas: { merge } both concurrent changes survive', async () => {
      const wait = barrier(2);
      const merge = (stored: Record<string, unknown>, mine: Record<string, unknown>) => ({
        ...mine,
        cart: [
          ...new Set([...((stored.cart as string[]) ?? []), ...((mine.cart as string[]) ?? [])]),
        ],
      });
      const agent = request.agent(expressApp(store({ cas: { merge } }), { cartBarrier: wait }));
      await agent.post('/login/ada').expect(200);
      const [a, b2] = await Promise.all([agent.post('/cart/apple'), agent.post('/cart/pear')]);
      expect([a.status, b2.status]).toEqual([200, 200]);
      expect((await agent.get('/me')).body.cart.sort()).toEqual(['apple', 'pear']);
    });

    it('a session saved twice in one request does not conflict with itself (cas: true)', async () => {
      const s = store({ cas: true });
      const agent = request.agent(expressApp(s));
      const { body } = await agent.post('/login/ada').expect(200);
      const loaded = (await s.get(body.id)) as (SessionData & { cart?: string[] }) | null;
      if (!loaded) throw new Error('session missing');
      loaded.cart = ['a'];
      await s.set(body.id, loaded);
      loaded.cart = ['a', 'b'];
      await s.set(body.id, loaded);
      const after = (await s.get(body.id)) as { cart?: string[] } | null;
      expect(after?.cart).toEqual(['a', 'b']);
    });

    it('memcached hung: the request fails with a timeout error within the bound, no hang', async () => {
      const s = store();
      const login = await request(expressApp(s)).post('/login/ada').expect(200);
      const cookie = login.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
      const fast = new MemcachedClient(backend.address, { timeoutMs: 500 });
      const app = expressApp(new MemcachedStore({ client: fast, keyPrefix: s.options.keyPrefix }));
      try {
        expect((await request(app).get('/me').set('Cookie', cookie).expect(200)).body.user).toBe(
          'ada',
        );
        await backend.hang();
        const started = performance.now();
        const res = await request(app).get('/me').set('Cookie', cookie);
        const elapsed = performance.now() - started;
        expect(res.status).toBe(500);
        expect(res.body.code).toBe('ERR_MEMCACHED_TIMEOUT');
        // timeoutMs is 500; the slack is for a loaded machine, far below "hangs".
        expect(elapsed).toBeLessThan(5000);
      } finally {
        backend.resume();
        await fast.close();
      }
    });

    it('memcached down: a logged-in user gets an error, not a silent empty session', async () => {
      const agent = request.agent(expressApp(store()));
      const login = await agent.post('/login/ada').expect(200);
      const cookie = login.headers['set-cookie']?.[0]?.split(';')[0] ?? '';
      const down = new MemcachedClient('127.0.0.1:1', { timeoutMs: 300, connectTimeoutMs: 300 });
      try {
        const app = expressApp(new MemcachedStore({ client: down }));
        const me = await request(app).get('/me').set('Cookie', cookie);
        expect(me.status).toBe(500);
        expect(me.body.code).toMatch(/^ERR_MEMCACHED_/);
        expect(me.headers['set-cookie']).toBeUndefined();
        const relogin = await request(app).post('/login/ada');
        expect(relogin.status).toBe(500);
        expect(relogin.body.code).toMatch(/^ERR_MEMCACHED_/);
      } finally {
        await down.close();
      }
    });

    it('data under the key that does not deserialize is no session (logged), not a crash', async () => {
      const warnings: Record<string, unknown>[] = [];
      const s = store({ logger: { warn: (obj) => warnings.push(obj) } });
      const agent = request.agent(expressApp(s));
      const { body } = await agent.post('/login/ada').expect(200);
      await client.metaSet(`${s.options.keyPrefix}${body.id}`, 'm1:0:{not json', ['T60']);
      const me = await agent.get('/me').expect(200);
      expect(me.body.user).toBeNull();
      expect(warnings).toHaveLength(1);
      // Identified by a digest: the session id is a credential and stays out of logs.
      expect(warnings[0]?.session).toMatch(/^[0-9a-f]{12}$/);
      expect(JSON.stringify(warnings)).not.toContain(body.id);
    });

    it('clear() retires this prefix only, without flush_all', async () => {
      const mine = store();
      const other = store();
      const a = request.agent(expressApp(mine));
      const o = request.agent(expressApp(other));
      await a.post('/login/ada').expect(200);
      await o.post('/login/bob').expect(200);
      await admin.set('unrelated-key', 'kept');
      const ops = await countOps(admin, ['cmd_flush'], () => mine.clear());
      expect(ops.cmd_flush).toBe(0);
      expect((await a.get('/me')).body.user).toBeNull();
      expect((await o.get('/me')).body.user).toBe('bob');
      expect(await admin.get('unrelated-key')).toBe('kept');
      // New logins after a clear work.
      await a.post('/login/ada2').expect(200);
      expect((await a.get('/me')).body.user).toBe('ada2');
    });

    it('clear() in one process reaches another on the same prefix within a second', async () => {
      const prefix = `shared-${Date.now()}:`;
      const admin1 = store({ keyPrefix: prefix });
      const agent = request.agent(expressApp(store({ keyPrefix: prefix })));
      await agent.post('/login/ada').expect(200);
      expect((await agent.get('/me')).body.user).toBe('ada');
      await admin1.clear();
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + GENERATION_CACHE_MS + 1);
        expect((await agent.get('/me')).body.user).toBeNull();
      } finally {
        vi.useRealTimers();
      }
    });

    it('a cookie without maxAge gets the ttl option (a number or a function of the session)', async () => {
      const s = store({ ttl: (session) => (session.user === 'admin' ? 120 : 900) });
      await s.set('no-max-age-admin', { cookie: { expires: null }, user: 'admin' } as never);
      await s.set('no-max-age-user', { cookie: { expires: null }, user: 'bob' } as never);
      const admin1 = await client.metaGet(`${s.options.keyPrefix}no-max-age-admin`, ['t']);
      const user1 = await client.metaGet(`${s.options.keyPrefix}no-max-age-user`, ['t']);
      expect(Number(admin1.flags.t)).toBeLessThanOrEqual(120);
      expect(Number(admin1.flags.t)).toBeGreaterThan(100);
      expect(Number(user1.flags.t)).toBeGreaterThan(880);
    });

    it('uses a custom serializer both ways', async () => {
      const serializer = {
        stringify: (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64'),
        parse: (t: string) => JSON.parse(Buffer.from(t, 'base64').toString('utf8')),
      };
      const s = store({ serializer });
      const agent = request.agent(expressApp(s));
      const { body } = await agent.post('/login/ada').expect(200);
      const raw = await client.metaGet(`${s.options.keyPrefix}${body.id}`, ['v']);
      expect(raw.value?.toString()).toMatch(/^m1:\d+:[A-Za-z0-9+/=]+$/);
      expect((await agent.get('/me')).body.user).toBe('ada');
    });

    it('a TTL over 30 days is stored as an absolute time, not expired at once', async () => {
      const s = store();
      const days40 = 40 * 86_400;
      await s.set('long-lived', {
        cookie: { originalMaxAge: days40 * 1000 },
        user: 'ada',
      } as never);
      const reply = await client.metaGet(`${s.options.keyPrefix}long-lived`, ['t']);
      expect(reply.status).toBe('HD');
      expect(Number(reply.flags.t)).toBeGreaterThan(days40 - 60);
    });

    if (b.hasClock) {
      it('expires a session after its cookie maxAge (server clock, no sleeping)', async () => {
        const agent = request.agent(expressApp(store()));
        await agent.post('/login/ada').expect(200);
        backend.advanceClock?.(3_599);
        expect((await agent.get('/me')).body.user).toBe('ada');
        backend.advanceClock?.(3_601);
        expect((await agent.get('/me')).body.user).toBeNull();
      });

      it('slides the expiry with one touch once touchAfter has passed', async () => {
        const agent = request.agent(expressApp(store({ touchAfter: 600 })));
        await agent.post('/login/ada').expect(200);
        backend.advanceClock?.(700);
        const ops = await countOps(admin, ['cmd_set', 'cmd_touch'], async () => {
          for (let i = 0; i < 10; i++) await agent.get('/me').expect(200);
        });
        expect(ops).toEqual({ cmd_set: 0, cmd_touch: 1 });
        // Without that touch the session would be gone 3600 s after login.
        backend.advanceClock?.(3_000);
        expect((await agent.get('/me')).body.user).toBe('ada');
      });

      it('disableTouch: an unmodified session expires ttl after its last write', async () => {
        const agent = request.agent(expressApp(store({ disableTouch: true, touchAfter: 0 })));
        await agent.post('/login/ada').expect(200);
        const ops = await countOps(admin, ['cmd_set', 'cmd_touch'], async () => {
          for (let i = 0; i < 5; i++) await agent.get('/me').expect(200);
        });
        expect(ops).toEqual({ cmd_set: 0, cmd_touch: 0 });
        backend.advanceClock?.(3_601);
        expect((await agent.get('/me')).body.user).toBeNull();
      });
    }
  });
}
