// cache-manager 7 with a Keyv on KeyvMemkit as its store, the way the README wires it.
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { createCache } from 'cache-manager';
import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyvMemkit } from '../src/index.js';
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
