// cache-manager 7 with a Keyv on KeyvMemkit as its store, the way the README wires it.
import { Buffer } from 'node:buffer';
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestMemcached } from '../../../test/support/memcached-backends.js';
import { createKeyv, KeyvMemkit } from '../src/index.js';
import { startCommandCounter } from './support/command-counter.js';

describe('cache-manager 7 on KeyvMemkit', () => {
  let server: MemcachedServer;
  let client: MemcachedClient;
  beforeAll(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
    client = new MemcachedClient(server.address);
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  const cacheFor = (namespace: string, target: MemcachedClient = client) =>
    createCache({ stores: [new Keyv({ store: new KeyvMemkit(target), namespace })] });

  it('get/set with a TTL in milliseconds, mget, mdel', async () => {
    const cache = cacheFor('cm-basics');
    await cache.set('a', { n: 1 }, 60_000);
    await cache.mset<unknown>([
      { key: 'b', value: 'two' },
      { key: 'c', value: 3 },
    ]);
    expect(await cache.get('a')).toEqual({ n: 1 });
    expect(await cache.mget(['a', 'b', 'c', 'missing'])).toEqual([{ n: 1 }, 'two', 3, undefined]);
    await cache.mdel(['a', 'b']);
    expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
  });

  it('mget asks each server once', async () => {
    const proxy = await startCommandCounter(server.address);
    const viaProxy = new MemcachedClient(proxy.address);
    const cache = cacheFor('cm-mget', viaProxy);
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await cache.mset(keys.map((key) => ({ key, value: key.toUpperCase() })));
    await cache.get('warm-up');
    proxy.lines.length = 0;
    expect(await cache.mget(keys)).toEqual(keys.map((key) => key.toUpperCase()));
    expect(proxy.lines.filter((line) => line.startsWith('get ')).length).toBeLessThanOrEqual(2);
    await viaProxy.close();
    await proxy.close();
  });

  it('wrap loads once for concurrent callers and then serves the cached value', async () => {
    const cache = cacheFor('cm-wrap');
    let loads = 0;
    const load = async () => {
      loads++;
      return { user: 'ada', loads };
    };
    const first = await Promise.all(
      Array.from({ length: 10 }, () => cache.wrap('user:1', load, 60_000)),
    );
    expect(loads).toBe(1);
    expect(first.every((value) => value.user === 'ada')).toBe(true);
    expect(await cache.wrap('user:1', load, 60_000)).toEqual({ user: 'ada', loads: 1 });
    expect(loads).toBe(1);
    // Another process (another cache on its own client) reads what wrap stored.
    const elsewhere = new MemcachedClient(server.address);
    expect(await cacheFor('cm-wrap', elsewhere).get('user:1')).toEqual({ user: 'ada', loads: 1 });
    await elsewhere.close();
  });

  it('clear empties this cache only', async () => {
    const mine = cacheFor('cm-mine');
    const theirs = cacheFor('cm-theirs');
    await mine.set('k', 'mine');
    await theirs.set('k', 'theirs');
    await mine.clear();
    expect(await mine.get('k')).toBeUndefined();
    expect(await theirs.get('k')).toBe('theirs');
  });
});

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`cache-manager 7 on createKeyv, ${backend.name}`, () => {
    let server: TestMemcached;
    let client: MemcachedClient;
    beforeAll(async () => {
      server = await backend.start();
      client = new MemcachedClient(server.address);
    });
    afterAll(async () => {
      await client.close();
      await server.stop();
    });

    const cacheFor = (namespace: string, target: MemcachedClient = client) =>
      createCache({ stores: [createKeyv(target, { namespace })] });
    /** The plain wiring, Keyv's own serializer: the oracle for what createKeyv stores. */
    const plainCacheFor = (namespace: string, target: MemcachedClient = client) =>
      createCache({ stores: [new Keyv({ store: new KeyvMemkit(target), namespace })] });

    it('wrap loads once for concurrent callers of one cache, then serves the stored value', async () => {
      const cache = cacheFor('ck-wrap');
      let loads = 0;
      const load = async () => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { user: ':ada', avatar: Buffer.from([0, 255]), loads };
      };
      const expected = { user: ':ada', avatar: Buffer.from([0, 255]), loads: 1 };
      const first = await Promise.all(
        Array.from({ length: 10 }, () => cache.wrap('user:1', load, 60_000)),
      );
      expect(loads).toBe(1);
      for (const value of first) expect(value).toStrictEqual(expected);
      // Served from memcached now: the types Keyv's format keeps come back.
      const cached = await cache.wrap('user:1', load, 60_000);
      expect(loads).toBe(1);
      expect(cached).toStrictEqual(expected);
      expect(Buffer.isBuffer(cached.avatar)).toBe(true);
      // Another process, on the plain wiring, reads what wrap stored.
      const elsewhere = new MemcachedClient(server.address);
      expect(await plainCacheFor('ck-wrap', elsewhere).get('user:1')).toStrictEqual(expected);
      // ... and one on createKeyv too.
      expect(await cacheFor('ck-wrap', elsewhere).get('user:1')).toStrictEqual(expected);
      await elsewhere.close();
    });

    it('wrap serves a value the plain wiring stored, without loading', async () => {
      await plainCacheFor('ck-wrap-plain').set('k', { s: '::x', b: Buffer.from('hi') }, 60_000);
      let loads = 0;
      const value = await cacheFor('ck-wrap-plain').wrap(
        'k',
        async () => {
          loads++;
          return { s: 'loaded', b: Buffer.alloc(0) };
        },
        60_000,
      );
      expect(loads).toBe(0);
      expect(value).toStrictEqual({ s: '::x', b: Buffer.from('hi') });
    });

    it('get, mset and mget keep types as the plain wiring does', async () => {
      const cache = cacheFor('ck-mget');
      const oracle = plainCacheFor('ck-mget-oracle');
      const list = [
        { key: 'a', value: { n: 1, s: ':x' } as unknown },
        { key: 'b', value: '::base64:aGk=' },
        { key: 'c', value: Buffer.from([1, 2, 3]) },
        { key: 'd', value: new Date('2026-01-02T03:04:05.678Z') },
        { key: 'e', value: false },
        { key: 'f', value: null },
      ];
      await cache.mset(list);
      await oracle.mset(list);
      const keys = [...list.map((entry) => entry.key), 'missing'];
      const values = await cache.mget(keys);
      expect(values).toStrictEqual(await oracle.mget(keys));
      expect(values).toStrictEqual([
        { n: 1, s: ':x' },
        '::base64:aGk=',
        Buffer.from([1, 2, 3]),
        '2026-01-02T03:04:05.678Z',
        false,
        // Keyv's envelope holds null; Keyv hands it to cache-manager as it is.
        null,
        undefined,
      ]);
      expect(await cache.get('c')).toStrictEqual(Buffer.from([1, 2, 3]));
    });

    it('mdel deletes only the keys given', async () => {
      const cache = cacheFor('ck-mdel');
      await cache.mset([
        { key: 'a', value: 1 },
        { key: 'b', value: 2 },
        { key: 'c', value: 3 },
      ]);
      await cache.mdel(['a', 'b', 'missing']);
      expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
    });

    it('clear empties this cache only', async () => {
      const mine = cacheFor('ck-clear-mine');
      const theirs = cacheFor('ck-clear-theirs');
      const plainTheirs = plainCacheFor('ck-clear-plain');
      await mine.set('k', 'mine');
      await theirs.set('k', 'theirs');
      await plainTheirs.set('k', 'plain');
      await mine.clear();
      expect(await mine.get('k')).toBeUndefined();
      expect(await theirs.get('k')).toBe('theirs');
      expect(await plainTheirs.get('k')).toBe('plain');
    });

    it("ttl() is the entry's expiry time in ms, from the call's ttl or the cache's", async () => {
      const cache = cacheFor('ck-ttl');
      const before = Date.now();
      await cache.set('timed', 'v', 60_000);
      await cache.set('forever', 'v');
      const after = Date.now();
      const expires = await cache.ttl('timed');
      expect(expires).toBeGreaterThanOrEqual(before + 60_000);
      expect(expires).toBeLessThanOrEqual(after + 60_000);
      expect(await cache.ttl('forever')).toBeUndefined();
      expect(await cache.ttl('missing')).toBeUndefined();
      // The plain wiring reads the same expiry from the same bytes.
      expect(await plainCacheFor('ck-ttl').ttl('timed')).toBe(expires);

      const withDefault = createCache({
        stores: [createKeyv(client, { namespace: 'ck-ttl-default' })],
        ttl: 30_000,
      });
      const start = Date.now();
      await withDefault.set('k', 'v');
      const defaulted = await withDefault.ttl('k');
      expect(defaulted).toBeGreaterThanOrEqual(start + 30_000);
      expect(defaulted).toBeLessThanOrEqual(Date.now() + 30_000);
    });
  });
}
