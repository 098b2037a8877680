import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/support/memcached.js';
import { cached, getMany, getOrSet } from '../../src/client/cache-aside.js';
import { MemcachedClient, MemcachedError } from '../../src/index.js';
import { type Backend, backends, type CallLog, deferred, recordingClient } from './backends.js';

let seq = 0;
const k = (name: string) => `ca:${process.pid}:${++seq}:${name}`;

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`cache-aside against the ${backend.name}`, () => {
    let server: Backend;
    let client: MemcachedClient;

    beforeAll(async () => {
      server = await backend.start();
      client = new MemcachedClient(server.address);
    });
    afterAll(async () => {
      await client?.close();
      await server?.stop();
    });

    describe('getOrSet', () => {
      it('loads and stores on a miss, then serves the cached value without the loader', async () => {
        const key = k('user');
        let calls = 0;
        const loader = async () => {
          calls++;
          return { id: 1, name: 'Ada' };
        };
        expect(await getOrSet(client, key, loader, { ttl: 60 })).toEqual({ id: 1, name: 'Ada' });
        expect(await client.get(key)).toEqual({ id: 1, name: 'Ada' });
        expect(await getOrSet(client, key, loader, { ttl: 60 })).toEqual({ id: 1, name: 'Ada' });
        expect(calls).toBe(1);
      });

      it('shares one loader call among concurrent callers of one key (single-flight)', async () => {
        const key = k('hot');
        const gate = deferred<string>();
        let calls = 0;
        const loader = () => {
          calls++;
          return gate.promise;
        };
        const waiting = Array.from({ length: 50 }, () => getOrSet(client, key, loader));
        // Let every caller get past the cache read before the source answers.
        while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
        gate.resolve('fresh');
        expect(await Promise.all(waiting)).toEqual(Array(50).fill('fresh'));
        expect(calls).toBe(1);
        expect(await client.get(key)).toBe('fresh');
      });

      it('calls the loader once per key when different keys miss together', async () => {
        const keys = [k('a'), k('b'), k('c')];
        const seen: string[] = [];
        const values = await Promise.all(
          keys.map((key) =>
            getOrSet(client, key, async () => {
              seen.push(key);
              return key.length;
            }),
          ),
        );
        expect(seen.sort()).toEqual([...keys].sort());
        expect(values).toEqual(keys.map((key) => key.length));
      });

      it('rejects every waiter when the loader throws, caches nothing, and retries next time', async () => {
        const key = k('flaky');
        const boom = new Error('database down');
        const gate = deferred<number>();
        let calls = 0;
        const loader = () => {
          calls++;
          return gate.promise;
        };
        const first = [getOrSet(client, key, loader), getOrSet(client, key, () => 0)];
        while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
        gate.reject(boom);
        for (const result of await Promise.allSettled(first)) {
          expect(result).toEqual({ status: 'rejected', reason: boom });
        }
        expect(await client.get(key)).toBeNull();
        expect(await getOrSet(client, key, () => 7)).toBe(7);
        expect(await client.get(key)).toBe(7);
      });

      it('returns null and undefined from the loader without caching them', async () => {
        const key = k('none');
        expect(await getOrSet(client, key, () => null)).toBeNull();
        expect(await getOrSet(client, key, () => undefined)).toBeUndefined();
        let calls = 0;
        await getOrSet(client, key, () => {
          calls++;
          return null;
        });
        expect(calls).toBe(1);
      });

      it('stores with the given ttl', async () => {
        const key = k('ttl');
        await getOrSet(client, key, () => 'v', { ttl: 100 });
        const meta = await client.metaGet(key, ['t']);
        const ttl = Number(meta.flags.t);
        expect(ttl).toBeGreaterThan(90);
        expect(ttl).toBeLessThanOrEqual(100);
        if (server.advanceClock) {
          server.advanceClock(101);
          expect(await client.get(key)).toBeNull();
          expect(await getOrSet(client, key, () => 'reloaded', { ttl: 100 })).toBe('reloaded');
        }
      });
    });

    describe('cached', () => {
      it('caches a function by its arguments', async () => {
        let calls = 0;
        const prefix = k('square');
        const square = cached(
          client,
          async (n: number) => {
            calls++;
            return n * n;
          },
          { ttl: 60, key: prefix },
        );
        expect(await square(3)).toBe(9);
        expect(await square(3)).toBe(9);
        expect(await square(4)).toBe(16);
        expect(calls).toBe(2);
        expect(await client.get(`${prefix}:[3]`)).toBe(9);
      });

      it('derives valid keys from any arguments (spaces, unicode, long strings)', async () => {
        const prefix = k('echo');
        const echo = cached(client, (s: string, o: object) => ({ s, o }), { key: prefix });
        for (const arg of ['with space', 'clé\n', 'x'.repeat(1000)]) {
          expect(await echo(arg, { a: 1 })).toEqual({ s: arg, o: { a: 1 } });
        }
      });

      it('takes a key function', async () => {
        const base = k('kf');
        const fn = cached(client, (id: number) => `user ${id}`, { key: (id) => `${base}:${id}` });
        expect(await fn(5)).toBe('user 5');
        expect(await client.get(`${base}:5`)).toBe('user 5');
      });

      it('names the cache key after a named function, and needs a key for anonymous ones', async () => {
        async function loadThing(id: number): Promise<string> {
          return `thing ${id}`;
        }
        expect(await cached(client, loadThing)(k('x').length)).toMatch(/^thing/);
        expect(() => cached(client, (() => 1) as () => number)).toThrow(TypeError);
      });

      it('shares one call among concurrent identical calls', async () => {
        const gate = deferred<number>();
        let calls = 0;
        const slow = cached(
          client,
          (_id: number) => {
            calls++;
            return gate.promise;
          },
          { key: k('slow') },
        );
        const all = [slow(1), slow(1), slow(1)];
        while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
        gate.resolve(42);
        expect(await Promise.all(all)).toEqual([42, 42, 42]);
        expect(calls).toBe(1);
      });
    });

    describe('getMany', () => {
      it('makes one multi-get, one loader call with only the misses, one multi-set', async () => {
        const log: CallLog = { getMulti: [], setMulti: [] };
        const recorded = recordingClient(client, log);
        const [a, b, c, d] = [k('a'), k('b'), k('c'), k('d')];
        await client.set(a, 'A');
        await client.set(c, 'C');
        const asked: string[][] = [];
        const result = await getMany(
          recorded,
          [a, b, c, d, b],
          async (missing) => {
            asked.push(missing);
            return new Map(missing.map((key) => [key, key.toUpperCase()]));
          },
          { ttl: 60 },
        );
        expect([...result]).toEqual([
          [a, 'A'],
          [b, b.toUpperCase()],
          [c, 'C'],
          [d, d.toUpperCase()],
        ]);
        expect(asked).toEqual([[b, d]]);
        expect(log.getMulti).toEqual([[a, b, c, d]]);
        expect(log.setMulti).toEqual([
          [
            [b, b.toUpperCase()],
            [d, d.toUpperCase()],
          ],
        ]);
        expect(await client.get(d)).toBe(d.toUpperCase());
      });

      it('skips the loader and the multi-set when every key hits', async () => {
        const log: CallLog = { getMulti: [], setMulti: [] };
        const [a, b] = [k('a'), k('b')];
        await client.set(a, 1);
        await client.set(b, 2);
        let calls = 0;
        const result = await getMany(recordingClient(client, log), [b, a], () => {
          calls++;
          return {};
        });
        expect([...result]).toEqual([
          [b, 2],
          [a, 1],
        ]);
        expect(calls).toBe(0);
        expect(log.setMulti).toEqual([]);
      });

      it('leaves out keys the loader did not find, and caches only what was asked', async () => {
        const [a, b] = [k('a'), k('b')];
        const stray = k('stray');
        const result = await getMany(client, [a, b], () => ({ [a]: 'found', [stray]: 'x' }));
        expect([...result]).toEqual([[a, 'found']]);
        expect(await client.get(stray)).toBeNull();
        expect(await client.get(b)).toBeNull();
      });

      it('returns an empty map for no keys without touching the cache', async () => {
        const log: CallLog = { getMulti: [], setMulti: [] };
        expect((await getMany(recordingClient(client, log), [], () => ({}))).size).toBe(0);
        expect(log.getMulti).toEqual([]);
      });
    });
  });
}

describe('cache-aside when the cache is down', () => {
  it('rejects with a MemcachedError and never calls the loader (no silent stampede)', async () => {
    const port = await freePort();
    const down = new MemcachedClient(`127.0.0.1:${port}`, { retryDelayMs: 60_000 });
    try {
      let calls = 0;
      const err = await getOrSet(down, 'key', () => {
        calls++;
        return 1;
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MemcachedError);
      expect(calls).toBe(0);
    } finally {
      await down.close();
    }
  });
});
