import { describe, expect, it } from 'vitest';
import type { CacheBackend } from '../../src/index.js';
import { MemcachedBackend, MemcachedClient, resolveBackend } from '../../src/index.js';

describe('resolveBackend', () => {
  it('wraps a given client, which stays the caller’s', async () => {
    const client = new MemcachedClient('127.0.0.1:1');
    const r = resolveBackend({ client });
    expect(r.backend).toBeInstanceOf(MemcachedBackend);
    expect(r.client).toBe(client);
    expect(r.ownsClient).toBe(false);
    await client.close();
  });

  it('creates (and owns) a client on the given servers', async () => {
    const r = resolveBackend({ servers: '127.0.0.1:1' });
    expect(r.ownsClient).toBe(true);
    expect(r.client?.serverFor('k')).toBe('127.0.0.1:1');
    await r.client?.close();
  });

  it('uses a given backend as is, exposing the client behind a MemcachedBackend', async () => {
    const client = new MemcachedClient('127.0.0.1:1');
    const memcached = new MemcachedBackend(client);
    expect(resolveBackend({ backend: memcached })).toEqual({
      backend: memcached,
      client,
      ownsClient: false,
    });
    const other = { kind: 'other' } as unknown as CacheBackend;
    expect(resolveBackend({ backend: other, client })).toEqual({
      backend: other,
      client: undefined,
      ownsClient: false,
    });
    await client.close();
  });
});
