import { describe, expect, it } from 'vitest';
import type { CacheBackend } from '../../src/index.js';
import {
  MemcachedBackend,
  MemcachedClient,
  MemcachedInvalidOptionError,
  resolveBackend,
} from '../../src/index.js';

describe('resolveBackend', () => {
  it('wraps a given client, which stays the caller’s: close() leaves it open', async () => {
    const client = new MemcachedClient('127.0.0.1:1');
    const r = resolveBackend({ client });
    expect(r.backend).toBeInstanceOf(MemcachedBackend);
    expect(r.client).toBe(client);
    expect(r.ownsClient).toBe(false);
    await r.close();
    // Still open: a request is attempted (and fails to connect), not refused as closed.
    await expect(client.get('k')).rejects.not.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });
    await client.close();
  });

  it('creates (and owns) a client on the given servers: close() closes it, once', async () => {
    const r = resolveBackend({ servers: '127.0.0.1:1' });
    expect(r.ownsClient).toBe(true);
    expect(r.client?.serverFor('k')).toBe('127.0.0.1:1');
    await Promise.all([r.close(), r.close()]);
    await expect(r.client?.get('k')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });
  });

  it('uses a given backend as is, exposing the client behind a MemcachedBackend', async () => {
    const client = new MemcachedClient('127.0.0.1:1');
    const memcached = new MemcachedBackend(client);
    expect(resolveBackend({ backend: memcached })).toMatchObject({
      backend: memcached,
      client,
      ownsClient: false,
    });
    const other = { kind: 'other', get() {}, increment() {} } as unknown as CacheBackend;
    expect(resolveBackend({ backend: other })).toMatchObject({
      backend: other,
      client: undefined,
      ownsClient: false,
    });
    await client.close();
  });

  it('falls back on a default client (Fastify’s app.memcached) without owning it', async () => {
    const app = new MemcachedClient('127.0.0.1:1');
    const r = resolveBackend({}, { defaultClient: app });
    expect(r.client).toBe(app);
    expect(r.ownsClient).toBe(false);
    // servers given: the middleware's own client, not the app's.
    const own = resolveBackend({ servers: '127.0.0.1:2' }, { defaultClient: app });
    expect(own.client).not.toBe(app);
    expect(own.ownsClient).toBe(true);
    await own.close();
    await app.close();
  });

  it.each([
    [{ client: new MemcachedClient('127.0.0.1:1'), servers: '127.0.0.1:1' }, 'servers'],
    [{ servers: '127.0.0.1:1', backend: {} as CacheBackend }, 'backend'],
    [{ client: {} as MemcachedClient }, 'client'],
    [{ backend: { get: 1 } as unknown as CacheBackend }, 'backend'],
    [{ servers: 'host:notaport' }, 'servers'],
    [{ servers: 42 as unknown as string }, 'servers'],
  ])(
    'refuses a bad or conflicting choice with ERR_MEMCACHED_INVALID_OPTION (%#)',
    (choice, option) => {
      let error: unknown;
      try {
        resolveBackend(choice);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MemcachedInvalidOptionError);
      expect(error).toMatchObject({ code: 'ERR_MEMCACHED_INVALID_OPTION', option });
      expect((error as Error).message).toMatch(new RegExp(`^Invalid option "${option}"`));
    },
  );
});
