import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import {
  MemcachedClient,
  MemcachedError,
  MemcachedInvalidOptionError,
  type MemcachedServer,
  MemcachedTimeoutError,
  startServer,
} from '@memkit/core';
import Keyv from 'keyv';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKENDS, type TestMemcached } from '../../../test/support/memcached-backends.js';
import { KeyvMemkit } from '../src/index.js';
import { startCommandCounter } from './support/command-counter.js';

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`clear() on ${backend.name}`, () => {
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

    it('retires only its namespace: other namespaces and other apps keep their keys, nothing is flushed', async () => {
      const users = new Keyv({ store: new KeyvMemkit(client), namespace: 'users' });
      const orders = new Keyv({ store: new KeyvMemkit(client), namespace: 'orders' });
      // Another app on the same fleet: its own client, a keyPrefix, even the same namespace name.
      const otherClient = new MemcachedClient(server.address);
      const otherApp = new Keyv({
        store: new KeyvMemkit({ client: otherClient, keyPrefix: 'billing:' }),
        namespace: 'users',
      });
      await users.set('ada', { id: 1 });
      await users.set('bob', { id: 2 });
      await orders.set('o-1', 'shipped');
      await otherApp.set('ada', 'invoice');
      await client.set('legacy:greeting', 'hello');
      const flushesBefore = Object.values(await client.stats())[0]?.cmd_flush;

      await users.clear();

      expect(await users.get('ada')).toBeUndefined();
      expect(await users.get('bob')).toBeUndefined();
      expect(await orders.get('o-1')).toBe('shipped');
      expect(await otherApp.get('ada')).toBe('invoice');
      expect(await client.get('legacy:greeting')).toBe('hello');
      expect(Object.values(await client.stats())[0]?.cmd_flush).toBe(flushesBefore);
      await otherClient.close();
    });

    it('is seen at once by every process sharing the namespace', async () => {
      // Two clients stand for two processes; each store has already learned the version.
      const processB = new MemcachedClient(server.address);
      const a = new Keyv({ store: new KeyvMemkit(client), namespace: 'shared' });
      const b = new Keyv({ store: new KeyvMemkit(processB), namespace: 'shared' });
      await a.set('k', 'before');
      expect(await b.get('k')).toBe('before');

      await a.clear();

      expect(await b.get('k')).toBeUndefined();
      expect(await b.has('k')).toBe(false);
      expect(await b.get(['k'])).toEqual([undefined]);
      // Writes after the clear land under the new version, whichever process makes them.
      await b.set('k', 'after');
      expect(await a.get('k')).toBe('after');
      await processB.close();
    });

    it('is seen by the first getMany, set and delete after it, not only by get', async () => {
      const processB = new MemcachedClient(server.address);
      const a = new Keyv({ store: new KeyvMemkit(client), namespace: 'stale' });
      const b = new Keyv({ store: new KeyvMemkit(processB), namespace: 'stale' });
      // Each step: b learns the current version, another process clears, b's next call acts.
      await a.set('k', 'before');
      expect(await b.get('k')).toBe('before');
      await a.clear();
      expect(await b.get(['k', 'other'])).toEqual([undefined, undefined]);

      await a.set('k', 'before');
      expect(await b.get('k')).toBe('before');
      await a.clear();
      await b.set('k', 'after');
      expect(await a.get('k')).toBe('after');

      expect(await b.get('k')).toBe('after');
      await a.clear();
      expect(await b.delete('k')).toBe(false);
      await processB.close();
    });
  });
}

describe('KeyvMemkit on the in-process server', () => {
  let server: MemcachedServer;
  let client: MemcachedClient;
  beforeEach(async () => {
    server = await startServer({ port: 0, host: '127.0.0.1' });
    client = new MemcachedClient(server.address);
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('getMany sends one multi-get per server, not one get per key', async () => {
    const second = await startServer({ port: 0, host: '127.0.0.1' });
    const proxies = [
      await startCommandCounter(server.address),
      await startCommandCounter(second.address),
    ];
    const fleet = new MemcachedClient(proxies.map((p) => p.address));
    const store = new KeyvMemkit(fleet);
    const keys = Array.from({ length: 100 }, (_, i) => `item-${i}`);
    await store.setMany(keys.map((key) => ({ key, value: `value of ${key}` })));
    await store.get('warm-up');
    for (const proxy of proxies) proxy.lines.length = 0;

    const values = await store.getMany([...keys, 'missing']);

    expect(values).toEqual([...keys.map((key) => `value of ${key}`), undefined]);
    let keysAsked = 0;
    for (const proxy of proxies) {
      const gets = proxy.lines.filter((line) => line.startsWith('get '));
      // The namespace version rides along in the same tick: at most one more line.
      expect(gets.length).toBeGreaterThanOrEqual(1);
      expect(gets.length).toBeLessThanOrEqual(2);
      keysAsked += gets.reduce((n, line) => n + line.split(' ').length - 1, 0);
    }
    expect(keysAsked).toBeGreaterThanOrEqual(101);
    await fleet.close();
    for (const proxy of proxies) await proxy.close();
    await second.close();
  });

  it('operations started together read the namespace version once, in their own round trip', async () => {
    const proxy = await startCommandCounter(server.address);
    const viaProxy = new MemcachedClient(proxy.address);
    const store = new KeyvMemkit(viaProxy);
    await store.setMany(Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i })));
    proxy.lines.length = 0;
    const values = await Promise.all(Array.from({ length: 100 }, (_, i) => store.get(`k${i}`)));
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const asked = proxy.lines.flatMap((line) => line.split(' ').slice(1));
    expect(asked.filter((key) => key.endsWith(':ns-version'))).toHaveLength(1);
    await viaProxy.close();
    await proxy.close();
  });

  it('rounds a TTL in milliseconds up to whole seconds', async () => {
    const store = new KeyvMemkit(client);
    await store.set('half-second', 'v', 500);
    await store.set('one-and-a-half', 'v', 1500);
    await store.set('forever', 'v');
    expect(await store.get('half-second')).toBe('v');
    server.advanceClock(1);
    // 500 ms became 1 s (rounding down would have made it 0: never expire).
    expect(await store.get('half-second')).toBeUndefined();
    expect(await store.get('one-and-a-half')).toBe('v');
    server.advanceClock(1);
    expect(await store.get('one-and-a-half')).toBeUndefined();
    expect(await store.get('forever')).toBe('v');
  });

  it('sends a TTL over 30 days as an absolute time, so it neither expires at once nor early', async () => {
    const store = new KeyvMemkit(client);
    const days31 = 31 * 86_400;
    await store.set('long', 'v', days31 * 1000);
    expect(await store.get('long')).toBe('v');
    server.advanceClock(days31 - 60);
    expect(await store.get('long')).toBe('v');
    server.advanceClock(120);
    expect(await store.get('long')).toBeUndefined();
  });

  it('stores a negative TTL as already expired, as memcached does, and refuses a non-finite one', async () => {
    const store = new KeyvMemkit(client);
    await store.set('k', 'old');
    expect(await store.set('k', 'v', -1)).toBe(true);
    expect(await store.get('k')).toBeUndefined();
    await expect(store.set('n', 'v', Number.NaN)).rejects.toThrow(RangeError);
    await expect(store.setMany([{ key: 'n', value: 'v', ttl: Infinity }])).rejects.toThrow(
      RangeError,
    );
    expect(await store.get('n')).toBeUndefined();
  });

  it('keeps Keyv keys memcached would refuse apart and readable', async () => {
    const keyv = new Keyv({ store: new KeyvMemkit(client) });
    const keys = ['a b', 'a%20b', 'a%b', 'tab\there', 'line\nbreak', 'ünïcödé', 'x'.repeat(300)];
    for (const key of keys) await keyv.set(key, `value of ${key}`);
    for (const key of keys) expect(await keyv.get(key)).toBe(`value of ${key}`);
    expect(await keyv.get(keys)).toEqual(keys.map((key) => `value of ${key}`));
  });

  it("keeps values' types with Keyv's serialization off, through memkit's codec", async () => {
    const keyv = new Keyv({
      store: new KeyvMemkit(client),
      serialize: undefined,
      deserialize: undefined,
    });
    const values = [0, 42.5, 'text', true, false, null, { nested: { list: [1, 'two'] } }, [1, 2]];
    for (const [i, value] of values.entries()) await keyv.set(`v${i}`, value, 60_000);
    for (const [i, value] of values.entries()) expect(await keyv.get(`v${i}`)).toEqual(value);
    // Keyv's envelope survives too, so its own millisecond expiry check still works.
    const raw = await keyv.getRaw('v0');
    expect(typeof raw?.expires).toBe('number');
  });

  it("keeps Dates, Maps, bigints and Buffers with Keyv's serialization off and a v8 codec", async () => {
    const store = new KeyvMemkit({
      servers: server.address,
      clientOptions: {
        // Flags 0 stay plain text: the namespace's version counter is written by incr.
        serializer: {
          serialize: (value) => ({ data: v8Serialize(value), flags: 1 }),
          deserialize: (data, flags) => (flags === 1 ? v8Deserialize(data) : data.toString()),
        },
      },
    });
    const keyv = new Keyv({ store, serialize: undefined, deserialize: undefined });
    const value = {
      at: new Date('2026-01-02T03:04:05Z'),
      tags: new Map([['a', 1]]),
      big: 2n ** 70n,
      bytes: Buffer.from([0, 255]),
    };
    await keyv.set('typed', value);
    expect(await keyv.get('typed')).toEqual(value);
    await keyv.disconnect();
  });

  it('rejects with a typed error and emits it through Keyv when the server hangs', async () => {
    const impatient = new MemcachedClient(server.address, { timeoutMs: 100 });
    const store = new KeyvMemkit(impatient);
    await store.set('k', 'v');
    server.hang();
    // No listener: the store rejects and nothing crashes.
    await expect(store.get('k')).rejects.toBeInstanceOf(MemcachedTimeoutError);

    const keyv = new Keyv({ store });
    const errors: unknown[] = [];
    keyv.on('error', (error) => errors.push(error));
    // Keyv 5 turns a failed read into undefined, but its listeners hear why (by now the client
    // has ejected the hung server, so the error says no server is available).
    expect(await keyv.get('k')).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MemcachedError);

    const strict = new Keyv({ store, throwOnErrors: true });
    strict.on('error', () => {});
    await expect(strict.get('k')).rejects.toBeInstanceOf(MemcachedError);
    server.resume();
    await impatient.close();
  });

  it('has no iterator: memcached cannot list its keys', () => {
    const store = new KeyvMemkit(client);
    expect('iterator' in store).toBe(false);
    expect(new Keyv({ store }).iterator).toBeUndefined();
  });

  it('takes the namespace Keyv gives it, and keeps its own when Keyv has none', () => {
    const store = new KeyvMemkit({ client, namespace: 'mine' });
    expect(store.namespace).toBe('mine');
    new Keyv({ store, namespace: 'theirs' });
    expect(store.namespace).toBe('theirs');
    new Keyv({ store, namespace: undefined });
    expect(store.namespace).toBe('mine');
    expect(() => new Keyv({ store, namespace: 'has space' })).toThrow(MemcachedInvalidOptionError);
  });

  it('closes the client it created on disconnect, never the one it was given', async () => {
    const owned = new KeyvMemkit(server.address);
    await owned.set('k', 'v');
    await owned.disconnect();
    await expect(owned.get('k')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });

    const borrowed = new KeyvMemkit(client);
    await borrowed.disconnect();
    expect(await client.get('anything')).toBeNull();
  });

  it('refuses bad options with MemcachedInvalidOptionError naming the option', () => {
    const cases: Array<[unknown, string]> = [
      [{ client, servers: server.address }, 'servers'],
      [{ servers: 42 }, 'servers'],
      [{ servers: 'host:notaport' }, 'servers'],
      [{ namespace: '' }, 'namespace'],
      [{ namespace: 'a b' }, 'namespace'],
      [{ keyPrefix: 'tab\t' }, 'keyPrefix'],
      [{ keyPrefix: 'x'.repeat(200) }, 'keyPrefix'],
      [{ keyPrefix: 'x'.repeat(100), namespace: 'y'.repeat(100) }, 'namespace'],
      [{ client, clientOptions: { timeoutMs: 5 } }, 'clientOptions'],
      [{ client: {} }, 'client'],
      [{ nameSpace: 'typo' }, 'nameSpace'],
    ];
    for (const [options, option] of cases) {
      expect(() => new KeyvMemkit(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_MEMCACHED_INVALID_OPTION', option }),
      );
    }
    expect(() => new KeyvMemkit({ nameSpace: 'typo' } as never)).toThrow(
      MemcachedInvalidOptionError,
    );
  });
});
