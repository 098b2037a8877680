import { RedisBackend } from '@memkit/core/redis';
import type { FastifyInstance } from 'fastify';
import RedisMock from 'ioredis-mock';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CACHE_BACKENDS, type TestCacheBackend } from '../../../test/support/cache-backends.js';
import {
  MemcachedStore,
  type MemcachedStoreOptions,
  resolveMemcachedStoreOptions,
  resolveSessionManagerOptions,
  SessionManager,
} from '../src/index.js';
import { barrier } from './support/backends.js';
import { expressApp } from './support/express-app.js';
import { fastifyApp, sessionCookie } from './support/fastify-app.js';

interface Data {
  role: string;
  theme?: string;
  lang?: string;
}

// The session rules users rely on, on every backend: memcached (given as `backend`) and Redis.
for (const factory of CACHE_BACKENDS) {
  describe.skipIf(!factory.available)(`session store with backend: ${factory.name}`, () => {
    let started: TestCacheBackend;
    const stores: MemcachedStore[] = [];
    const apps: FastifyInstance[] = [];

    beforeAll(async () => {
      started = await factory.start({ timeoutMs: 3000 });
    });
    afterAll(async () => {
      await started.stop();
    });
    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      for (const a of apps.splice(0)) await a.close();
    });

    let n = 0;
    function store(options: MemcachedStoreOptions = {}): MemcachedStore {
      n += 1;
      const s = new MemcachedStore({
        backend: started.backend,
        keyPrefix: `b${n}-${Date.now()}:`,
        ...options,
      });
      stores.push(s);
      return s;
    }

    it('Express: login, later requests see the session, logout destroys it', async () => {
      const s = store();
      const agent = request.agent(expressApp(s));
      const login = await agent.post('/login/ada').expect(200);
      expect((await agent.get('/me').expect(200)).body).toMatchObject({ user: 'ada', cart: [] });
      await agent.post('/cart/apple').expect(200);
      expect((await agent.get('/me')).body.cart).toEqual(['apple']);
      await agent.post('/logout').expect(200);
      expect(await s.get(login.body.id)).toBeNull();
      expect((await agent.get('/me')).body.user).toBeNull();
    });

    it('regenerate moves the data to a new id and deletes the old one', async () => {
      const s = store();
      const agent = request.agent(expressApp(s));
      const before = await agent.post('/login/ada').expect(200);
      const after = await agent.post('/regenerate').expect(200);
      expect(after.body.id).not.toBe(before.body.id);
      expect(await s.get(before.body.id)).toBeNull();
      expect((await agent.get('/me')).body).toMatchObject({ user: 'ada', id: after.body.id });
    });

    it("stores the session for its cookie's maxAge and does not rewrite it when unmodified", async () => {
      const s = store();
      const agent = request.agent(expressApp(s));
      const { body } = await agent.post('/login/ada').expect(200);
      const key = `${s.options.keyPrefix}${body.id}`;
      const stored = await started.backend.get(key);
      expect(stored?.ttl).toBeGreaterThanOrEqual(3599);
      expect(stored?.ttl).toBeLessThanOrEqual(3600);
      for (let i = 0; i < 10; i++) await agent.get('/me').expect(200);
      // Same CAS token: ten unmodified requests wrote nothing (a touch does not rewrite).
      expect((await started.backend.get(key))?.cas).toBe(stored?.cas);
    });

    it('with cas: true a concurrent change is refused with SessionConflictError, not lost', async () => {
      const wait = barrier(2);
      const agent = request.agent(expressApp(store({ cas: true }), { cartBarrier: wait }));
      await agent.post('/login/ada').expect(200);
      const [a, b] = await Promise.all([agent.post('/cart/apple'), agent.post('/cart/pear')]);
      expect([a.status, b.status].sort()).toEqual([200, 500]);
      const failed = a.status === 500 ? a : b;
      const won = a.status === 200 ? a : b;
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
      const [a, b] = await Promise.all([agent.post('/cart/apple'), agent.post('/cart/pear')]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect((await agent.get('/me')).body.cart.sort()).toEqual(['apple', 'pear']);
    });

    it('clear() retires this prefix only', async () => {
      const mine = store();
      const other = store();
      const a = request.agent(expressApp(mine));
      const o = request.agent(expressApp(other));
      await a.post('/login/ada').expect(200);
      await o.post('/login/bob').expect(200);
      await started.backend.set(`unrelated-${n}`, 'kept', 60);
      await mine.clear();
      expect((await a.get('/me')).body.user).toBeNull();
      expect((await o.get('/me')).body.user).toBe('bob');
      expect((await started.backend.get(`unrelated-${n}`))?.value.toString()).toBe('kept');
      await a.post('/login/ada2').expect(200);
      expect((await a.get('/me')).body.user).toBe('ada2');
    });

    it('Fastify: @fastify/session with the plugin on the backend', async () => {
      n += 1;
      const app = await fastifyApp({
        backend: started.backend,
        keyPrefix: `fb${n}-${Date.now()}:`,
      });
      apps.push(app);
      const login = await app.inject({ method: 'POST', url: '/login/ada' });
      expect(login.statusCode).toBe(200);
      const cookie = sessionCookie(login.headers['set-cookie']);
      await app.inject({ method: 'POST', url: '/cart/pear', headers: { cookie } });
      const me = await app.inject({ url: '/me', headers: { cookie } });
      expect(me.json()).toEqual({ user: 'ada', cart: ['pear'] });
      await app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
      expect((await app.inject({ url: '/me', headers: { cookie } })).json().user).toBeNull();
    });

    describe('SessionManager', () => {
      let sessions: SessionManager<Data>;
      beforeAll(() => {
        sessions = new SessionManager<Data>({
          backend: started.backend,
          keyPrefix: `sm-${Date.now()}:`,
          ttl: 600,
        });
      });

      it('creates, reads, updates (concurrently, none lost), extends and destroys', async () => {
        const id = await sessions.create('user-42', { role: 'admin' });
        expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(await sessions.get(id)).toMatchObject({ id, userId: 'user-42' });
        await Promise.all([
          sessions.update(id, { theme: 'dark' }),
          sessions.update(id, { lang: 'fr' }),
        ]);
        expect((await sessions.get(id))?.data).toEqual({
          role: 'admin',
          theme: 'dark',
          lang: 'fr',
        });
        expect(await sessions.update('B'.repeat(43), { theme: 'x' })).toBe(false);
        expect(await sessions.get('A'.repeat(43))).toBeNull();
        expect(await sessions.extend(id, 5000)).toBe(true);
        expect(await sessions.extend('C'.repeat(43))).toBe(false);
        expect(await sessions.destroy(id)).toBe(true);
        expect(await sessions.get(id)).toBeNull();
        expect(await sessions.destroy(id)).toBe(false);
      });

      it('get slides the idle expiry without rewriting', async () => {
        const id = await sessions.create('u1', { role: 'user' });
        const key = `${sessions.options.keyPrefix}${id}`;
        await sessions.extend(id, 50);
        const before = await started.backend.get(key);
        expect(before?.ttl).toBeLessThanOrEqual(50);
        await sessions.get(id);
        const after = await started.backend.get(key);
        expect(after?.ttl).toBeGreaterThanOrEqual(599);
        expect(after?.cas).toBe(before?.cas);
      });
    });

    // ioredis-mock has no server to hang.
    if (factory.name !== 'ioredis-mock') {
      it('a hung backend: the request fails with a timeout error, not an empty session', async () => {
        const own = await factory.start({ timeoutMs: 300 });
        try {
          const s = new MemcachedStore({ backend: own.backend, keyPrefix: `hang-${Date.now()}:` });
          const agent = request.agent(expressApp(s));
          await agent.post('/login/ada').expect(200);
          own.hang?.();
          const t0 = performance.now();
          const me = await agent.get('/me');
          expect(me.status).toBe(500);
          expect(me.body.code).toBe('ERR_MEMCACHED_TIMEOUT');
          expect(performance.now() - t0).toBeLessThan(5000);
        } finally {
          own.resume?.();
          await own.stop();
        }
      });
    }
  });
}

describe('the backend option', () => {
  it('is exclusive with client and servers, and the store never closes it', async () => {
    const redis = new RedisMock();
    const backend = new RedisBackend(redis);
    expect(() => resolveMemcachedStoreOptions({ backend, servers: '127.0.0.1:1' })).toThrow(
      /Invalid option "backend": give one of "client" .* not "servers" as well/,
    );
    expect(() => resolveSessionManagerOptions({ backend, servers: '127.0.0.1:1' })).toThrow(
      /not "servers" as well/,
    );
    const s = new MemcachedStore({ backend });
    expect(s.backend).toBe(backend);
    expect(() => s.client).toThrow(/runs on a redis backend/);
    await s.close();
    expect(redis.status).not.toBe('end');
  });
});
