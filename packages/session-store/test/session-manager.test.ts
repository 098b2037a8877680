import { MemcachedClient } from '@memkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionManager } from '../src/index.js';
import { type Backend, backends } from './support/backends.js';

interface Data {
  role: string;
  theme?: string;
  lang?: string;
}

for (const b of backends) {
  describe.skipIf(!b.enabled)(`SessionManager (${b.name})`, () => {
    let backend: Backend;
    let client: MemcachedClient;
    let sessions: SessionManager<Data>;

    beforeAll(async () => {
      backend = await b.start();
      // Generous: the machine running the suite may be loaded. The fault test uses its own client.
      client = new MemcachedClient(backend.address, { timeoutMs: 3000 });
      sessions = new SessionManager<Data>({ client, keyPrefix: `sm-${Date.now()}:`, ttl: 600 });
    });
    afterAll(async () => {
      await sessions.close();
      await client.close();
      await backend.stop();
    });

    it('creates a session with a random 256-bit id and reads it back', async () => {
      const id = await sessions.create('user-42', { role: 'admin' });
      const other = await sessions.create('user-42', { role: 'admin' });
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(other).not.toBe(id);
      const s = await sessions.get(id);
      expect(s).toMatchObject({ id, userId: 'user-42', data: { role: 'admin' } });
      expect(typeof s?.createdAt).toBe('number');
    });

    it('get of an unknown or malformed id is null', async () => {
      expect(await sessions.get('A'.repeat(43))).toBeNull();
      expect(await sessions.get('not an id')).toBeNull();
    });

    it('update shallow-merges and reports a missing session as false', async () => {
      const id = await sessions.create('u1', { role: 'user' });
      expect(await sessions.update(id, { theme: 'dark' })).toBe(true);
      expect((await sessions.get(id))?.data).toEqual({ role: 'user', theme: 'dark' });
      expect(await sessions.update('B'.repeat(43), { theme: 'dark' })).toBe(false);
    });

    it('concurrent updates both land (CAS retry), none is lost', async () => {
      const id = await sessions.create('u1', { role: 'user' });
      await Promise.all([
        sessions.update(id, { theme: 'dark' }),
        sessions.update(id, { lang: 'fr' }),
      ]);
      expect((await sessions.get(id))?.data).toEqual({ role: 'user', theme: 'dark', lang: 'fr' });
    });

    it('destroy removes the session', async () => {
      const id = await sessions.create('u1', { role: 'user' });
      expect(await sessions.destroy(id)).toBe(true);
      expect(await sessions.get(id)).toBeNull();
      expect(await sessions.destroy(id)).toBe(false);
    });

    it('extend is false for a missing session and rejects a bad ttl', async () => {
      expect(await sessions.extend('C'.repeat(43))).toBe(false);
      await expect(sessions.extend('C'.repeat(43), 0)).rejects.toThrow(RangeError);
    });

    it('memcached hung: calls reject with a timeout error instead of hanging', async () => {
      const id = await sessions.create('u1', { role: 'user' });
      const fast = new MemcachedClient(backend.address, { timeoutMs: 500 });
      const viaFast = new SessionManager<Data>({
        client: fast,
        keyPrefix: sessions.options.keyPrefix,
      });
      try {
        expect((await viaFast.get(id))?.userId).toBe('u1');
        await backend.hang();
        await expect(viaFast.get(id)).rejects.toMatchObject({ code: 'ERR_MEMCACHED_TIMEOUT' });
      } finally {
        backend.resume();
        await fast.close();
      }
      expect((await sessions.get(id))?.userId).toBe('u1');
    });

    if (b.hasClock) {
      it('get slides the idle expiry (get-and-touch, no rewrite)', async () => {
        const id = await sessions.create('u1', { role: 'user' });
        backend.advanceClock?.(500);
        expect(await sessions.get(id)).not.toBeNull();
        backend.advanceClock?.(500);
        expect(await sessions.get(id)).not.toBeNull();
        backend.advanceClock?.(601);
        expect(await sessions.get(id)).toBeNull();
      });

      it('extend gives a session a longer life once', async () => {
        const id = await sessions.create('u1', { role: 'user' });
        expect(await sessions.extend(id, 5_000)).toBe(true);
        backend.advanceClock?.(4_000);
        expect(await sessions.get(id)).not.toBeNull();
      });
    }
  });
}
