import { MemcachedClient } from '@memkit/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedStore, type MemcachedStoreOptions, memcachedSessionStore } from '../src/index.js';
import { type Backend, backends, barrier, countOps } from './support/backends.js';
import { fastifyApp, sessionCookie } from './support/fastify-app.js';

describe('memcachedSessionStore options', () => {
  it("refuses `prefix` (Fastify's route prefix) with a pointer to keyPrefix, never drops it", async () => {
    const app = Fastify();
    await expect(
      app
        .register(memcachedSessionStore, { servers: '127.0.0.1:1', prefix: 'sess:' } as never)
        .ready(),
    ).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_INVALID_OPTION',
      option: 'prefix',
      message:
        'Invalid option "prefix": Fastify reserves it for route prefixes; the storage prefix of @memkit/session-store is "keyPrefix".',
    });
    // Refused before a store (and its client) existed.
    expect(app.hasDecorator('memcachedSessionStore')).toBe(false);
    await app.close();
    // Fastify's own register() options stay accepted.
    const logged = Fastify();
    await logged.register(memcachedSessionStore, {
      servers: '127.0.0.1:1',
      keyPrefix: 'sess-log:',
      logLevel: 'warn',
    } as never);
    await logged.ready();
    expect(logged.memcachedSessionStore.options.keyPrefix).toBe('sess-log:');
    await logged.close();
  });
});

for (const b of backends) {
  describe.skipIf(!b.enabled)(`MemcachedStore with @fastify/session (${b.name})`, () => {
    let backend: Backend;
    let client: MemcachedClient;
    let admin: MemcachedClient;
    const apps: FastifyInstance[] = [];

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
      for (const a of apps.splice(0)) await a.close();
    });

    let n = 0;
    async function app(
      options: MemcachedStoreOptions = {},
      sessionOptions: { rolling?: boolean } = {},
      cartBarrier?: () => Promise<void>,
    ): Promise<FastifyInstance> {
      n += 1;
      const a = await fastifyApp(
        { client, keyPrefix: `f${n}-${Date.now()}:`, ...options },
        sessionOptions,
        cartBarrier,
      );
      apps.push(a);
      return a;
    }

    async function login(a: FastifyInstance, user: string): Promise<string> {
      const res = await a.inject({ method: 'POST', url: `/login/${user}` });
      expect(res.statusCode).toBe(200);
      const cookie = sessionCookie(res.headers['set-cookie']);
      expect(cookie).toMatch(/^sessionId=/);
      return cookie;
    }

    it('logs in with a cookie and later requests see the session', async () => {
      const a = await app();
      const cookie = await login(a, 'ada');
      const me = await a.inject({ url: '/me', headers: { cookie } });
      expect(me.json()).toEqual({ user: 'ada', cart: [] });
    });

    it('logout destroys the session', async () => {
      const a = await app();
      const cookie = await login(a, 'ada');
      await a.inject({ method: 'POST', url: '/logout', headers: { cookie } });
      const me = await a.inject({ url: '/me', headers: { cookie } });
      expect(me.json().user).toBeNull();
    });

    it('changes made in a request are stored', async () => {
      const a = await app();
      const cookie = await login(a, 'ada');
      await a.inject({ method: 'POST', url: '/cart/apple', headers: { cookie } });
      const me = await a.inject({ url: '/me', headers: { cookie } });
      expect(me.json().cart).toEqual(['apple']);
    });

    it('rolling sessions (the default): 100 unmodified requests cost no set and at most one touch', async () => {
      const a = await app();
      const cookie = await login(a, 'ada');
      const ops = await countOps(admin, ['cmd_set', 'cmd_touch'], async () => {
        for (let i = 0; i < 100; i++) {
          const res = await a.inject({ url: '/me', headers: { cookie } });
          expect(res.statusCode).toBe(200);
        }
      });
      expect(ops.cmd_set).toBe(0);
      expect(ops.cmd_touch).toBeLessThanOrEqual(1);
    });

    it('with cas: true a concurrent change is refused, not lost', async () => {
      const a = await app({ cas: true }, {}, barrier(2));
      const cookie = await login(a, 'ada');
      const [r1, r2] = await Promise.all([
        a.inject({ method: 'POST', url: '/cart/apple', headers: { cookie } }),
        a.inject({ method: 'POST', url: '/cart/pear', headers: { cookie } }),
      ]);
      expect([r1.statusCode, r2.statusCode].sort()).toEqual([200, 500]);
      const [won, lost] = r1.statusCode === 200 ? [r1, r2] : [r2, r1];
      expect(lost.json().code).toBe('ERR_SESSION_CONFLICT');
      const me = await a.inject({ url: '/me', headers: { cookie } });
      expect(me.json().cart).toEqual(won.json().cart);
    });

    it('with cas: { merge } both concurrent changes survive', async () => {
      const merge = (stored: Record<string, unknown>, mine: Record<string, unknown>) => ({
        ...mine,
        cart: [...new Set([...(stored.cart as string[]), ...(mine.cart as string[])])],
      });
      const a = await app({ cas: { merge } }, {}, barrier(2));
      const cookie = await login(a, 'ada');
      const replies = await Promise.all([
        a.inject({ method: 'POST', url: '/cart/apple', headers: { cookie } }),
        a.inject({ method: 'POST', url: '/cart/pear', headers: { cookie } }),
      ]);
      expect(replies.map((r) => r.statusCode)).toEqual([200, 200]);
      const me = await a.inject({ url: '/me', headers: { cookie } });
      expect(me.json().cart.sort()).toEqual(['apple', 'pear']);
    });

    describe('logout is final even when the read was forgotten (ledger of 1 read)', () => {
      // A ledger of one read stands for 10,000 other sessions read during a slow request.
      async function forgetfulApp() {
        n += 1;
        let arrived = (): void => {};
        let open = (): void => {};
        const inHandler = new Promise<void>((resolve) => {
          arrived = resolve;
        });
        const released = new Promise<void>((resolve) => {
          open = resolve;
        });
        const store = new MemcachedStore(
          { client, keyPrefix: `ff${n}-${Date.now()}:` },
          undefined,
          { ledgerEntries: 1 },
        );
        const a = await fastifyApp(store, {}, () => {
          arrived();
          return released;
        });
        apps.push(a);
        return { a, store, inHandler, open };
      }
      function sidOf(cookie: string): string {
        return decodeURIComponent(cookie.slice('sessionId='.length)).split('.')[0] ?? '';
      }

      it('a slow request that read the session before logout does not bring it back', async () => {
        const { a, store, inHandler, open } = await forgetfulApp();
        const ada = await login(a, 'ada');
        const bob = await login(a, 'bob');
        const slow = a.inject({ method: 'POST', url: '/cart/apple', headers: { cookie: ada } });
        await inHandler;
        await a.inject({ method: 'POST', url: '/logout', headers: { cookie: ada } });
        // Another session's read pushes ada's read out of the ledger.
        expect((await a.inject({ url: '/me', headers: { cookie: bob } })).json().user).toBe('bob');
        open();
        expect((await slow).statusCode).toBe(200);
        expect((await a.inject({ url: '/me', headers: { cookie: ada } })).json().user).toBeNull();
        const sid = sidOf(ada);
        expect(await store.get(sid)).toBeNull();
        const raw = await store.backend.get(store.options.keyPrefix + sid);
        expect(raw?.value.toString() ?? 'absent').toMatch(/^(m1:destroyed|absent)$/);
      });

      it('after a logout, logging in again (a new id) works', async () => {
        const { a, open } = await forgetfulApp();
        open();
        const ada = await login(a, 'ada');
        await a.inject({ method: 'POST', url: '/logout', headers: { cookie: ada } });
        const again = await login(a, 'ada');
        expect(sidOf(again)).not.toBe(sidOf(ada));
        const me = await a.inject({ url: '/me', headers: { cookie: again } });
        expect(me.json()).toEqual({ user: 'ada', cart: [] });
      });

      it('a change whose read was forgotten still overwrites a live session (last writer wins)', async () => {
        const { a, inHandler, open } = await forgetfulApp();
        const ada = await login(a, 'ada');
        const bob = await login(a, 'bob');
        const slow = a.inject({ method: 'POST', url: '/cart/pear', headers: { cookie: ada } });
        await inHandler;
        await a.inject({ url: '/me', headers: { cookie: bob } });
        open();
        expect((await slow).statusCode).toBe(200);
        const me = await a.inject({ url: '/me', headers: { cookie: ada } });
        expect(me.json()).toEqual({ user: 'ada', cart: ['pear'] });
      });
    });

    it('memcached hung: the request fails with a timeout error, no hang', async () => {
      const a = await app();
      const cookie = await login(a, 'ada');
      const fast = new MemcachedClient(backend.address, { timeoutMs: 500 });
      const prefix = a.memcachedSessionStore.options.keyPrefix;
      const hungApp = await fastifyApp({ client: fast, keyPrefix: prefix });
      try {
        expect((await hungApp.inject({ url: '/me', headers: { cookie } })).json().user).toBe('ada');
        await backend.hang();
        const res = await hungApp.inject({ url: '/me', headers: { cookie } });
        expect(res.statusCode).toBe(500);
        expect(res.json().code).toBe('ERR_MEMCACHED_TIMEOUT');
      } finally {
        backend.resume();
        await hungApp.close();
        await fast.close();
      }
    });

    it('closes a client it created from servers when the app closes', async () => {
      const a = await fastifyApp({ servers: backend.address, keyPrefix: 'owned:' });
      const store = a.memcachedSessionStore;
      await a.close();
      await expect(store.client.get('x')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });
    });

    it('leaves an injected client open when the app closes', async () => {
      const a = await fastifyApp({ client, keyPrefix: 'injected:' });
      await a.close();
      expect(await client.get('nothing-here')).toBeNull();
    });

    if (b.hasClock) {
      it('expires a session after its cookie maxAge (server clock, no sleeping)', async () => {
        const a = await app({}, { rolling: false });
        const cookie = await login(a, 'ada');
        backend.advanceClock?.(3_601);
        const me = await a.inject({ url: '/me', headers: { cookie } });
        expect(me.json().user).toBeNull();
      });

      it('rolling sessions slide: a touch after touchAfter keeps the session past its first expiry', async () => {
        const a = await app({ touchAfter: 600 });
        const cookie = await login(a, 'ada');
        backend.advanceClock?.(3_000);
        const ops = await countOps(admin, ['cmd_set', 'cmd_touch'], async () => {
          await a.inject({ url: '/me', headers: { cookie } });
        });
        expect(ops).toEqual({ cmd_set: 0, cmd_touch: 1 });
        backend.advanceClock?.(3_000);
        const me = await a.inject({ url: '/me', headers: { cookie } });
        expect(me.json().user).toBe('ada');
      });
    }
  });
}
