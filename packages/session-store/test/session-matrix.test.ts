import type { MemcachedClient } from '@memkit/core';
import { expect, it } from 'vitest';
import { describeMatrix } from '../../../test/support/http-matrix.js';
import { MemcachedStore, memcachedSessionStore } from '../src/index.js';
import { gate, sessionApp } from './support/matrix-apps.js';

// The session rules of issue #13 on every framework × backend.
describeMatrix('session store', (cell) => {
  const me = async (agent: { request: (m: string, p: string) => Promise<{ text: string }> }) =>
    JSON.parse((await agent.request('GET', '/me')).text) as { user: string | null; cart: unknown };

  it('a 60-day session lives 60 days (over 30 days memcached needs an absolute time)', async () => {
    const keyPrefix = cell.prefix('60d');
    const day = 86_400;
    const { agent } = await sessionApp(cell, { keyPrefix }, { maxAgeMs: 60 * day * 1000 });
    const login = await agent.request('POST', '/login/ada');
    expect(login.status).toBe(200);
    const { id } = JSON.parse(login.text) as { id: string };
    const item = await cell.storage().backend.get(`${keyPrefix}${id}`);
    expect(item?.ttl).toBeGreaterThanOrEqual(60 * day - 5);
    expect(item?.ttl).toBeLessThanOrEqual(60 * day + 2);
    expect((await me(agent)).user).toBe('ada');
  });

  for (const cas of [false, true]) {
    it(`logout is final${cas ? ' with cas: true' : ' by default'}: a request that read the session before cannot resurrect it`, async () => {
      const g = gate();
      const keyPrefix = cell.prefix('logout');
      const { agent } = await sessionApp(cell, { keyPrefix, cas }, { gate: g.wait });
      const login = await agent.request('POST', '/login/ada');
      const { id } = JSON.parse(login.text) as { id: string };
      // A slow request reads the session, then the user logs out in another tab.
      const slow = agent.fork().request('POST', '/cart/apple');
      await g.arrived;
      expect((await agent.fork().request('POST', '/logout')).status).toBe(200);
      g.open();
      const late = await slow;
      // Its write found the session destroyed and was dropped: no error for the slow request.
      expect(late.status).toBe(200);
      const raw = await cell.storage().backend.get(`${keyPrefix}${id}`);
      // What is left is at most logout's tombstone, never the session.
      expect(raw?.value.toString() ?? 'absent').toMatch(/^(m1:destroyed|absent)$/);
      expect((await me(agent)).user).toBeNull();
    });
  }

  it('a concurrent change is last-writer-wins by default, never an error', async () => {
    const g = gate();
    const { agent } = await sessionApp(cell, { keyPrefix: cell.prefix('lww') }, { gate: g.wait });
    await agent.request('POST', '/login/ada');
    const slow = agent.fork().request('POST', '/cart/apple');
    await g.arrived;
    // Another request changes the session while the slow one holds its read.
    expect((await agent.fork().request('POST', '/cart/pear')).status).toBe(200);
    g.open();
    expect((await slow).status).toBe(200);
    expect((await me(agent)).cart).toEqual(['apple']);
  });

  if (cell.backendName !== 'real Redis') {
    it('a session over the item size is refused before sending: the error reaches the framework, the old session stays', async () => {
      const keyPrefix = cell.prefix('big');
      const { agent } = await sessionApp(cell, { keyPrefix });
      const login = await agent.request('POST', '/login/ada');
      const { id } = JSON.parse(login.text) as { id: string };
      const big = await agent.request('POST', '/big');
      expect(big.status).toBe(500);
      expect(JSON.parse(big.text)).toMatchObject({ code: 'ERR_MEMCACHED_VALUE_TOO_LARGE' });
      expect(await cell.storage().backend.get(`${keyPrefix}${id}`)).not.toBeNull();
      expect((await me(agent)).user).toBe('ada');
    });
  }

  it('stores under keyPrefix', async () => {
    const keyPrefix = cell.prefix('kp');
    const { agent } = await sessionApp(cell, { keyPrefix });
    const { id } = JSON.parse((await agent.request('POST', '/login/ada')).text) as { id: string };
    expect(await cell.storage().backend.get(`${keyPrefix}${id}`)).not.toBeNull();
  });

  if (cell.backendName !== 'real Redis') {
    it('a client created from `servers` is closed by close() (Fastify: onClose); a passed one never', async () => {
      const client = cell.storage().client as MemcachedClient;
      const servers = client.serverFor('k');
      const owned = new MemcachedStore({ servers, keyPrefix: cell.prefix('own') });
      await owned.set('sid', { cookie: {} } as never);
      await owned.close();
      await expect(owned.get('sid')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });
      const passed = new MemcachedStore({ client, keyPrefix: cell.prefix('passed') });
      await passed.close();
      await expect(client.get('k')).resolves.toBeNull();
    });
  }

  if (cell.framework.kind === 'fastify') {
    if (cell.backendName !== 'real Redis') {
      it('the plugin reuses app.memcached when given no client, servers or backend, and leaves it open', async () => {
        const client = cell.storage().client as MemcachedClient;
        const app = cell.fastify();
        app.decorate('memcached', client);
        await app.register(memcachedSessionStore, { keyPrefix: cell.prefix('shared') });
        await app.ready();
        expect(app.memcachedSessionStore.client).toBe(client);
        await app.close();
        await expect(client.get('k')).resolves.toBeNull();
      });
    }

    it('registering the plugin twice on one instance is refused', async () => {
      const app = cell.fastify();
      const options = { ...cell.storage().options, keyPrefix: cell.prefix('twice') };
      await app.register(memcachedSessionStore, options);
      app.register(memcachedSessionStore, options);
      await expect(app.ready()).rejects.toThrow(/already registered/);
    });
  }
});
