import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Namespace } from '../../src/client/namespace.js';
import { MemcachedClient, MemcachedSerializationError } from '../../src/index.js';
import { type Backend, backends } from './backends.js';

let seq = 0;
const ns = (name: string) => `ns${process.pid}x${++seq}${name}`;

for (const backend of backends) {
  describe.skipIf(!backend.enabled)(`Namespace against the ${backend.name}`, () => {
    let server: Backend;
    let client: MemcachedClient;
    let other: MemcachedClient;

    beforeAll(async () => {
      server = await backend.start();
      client = new MemcachedClient(server.address);
      // A second client stands for another process sharing the servers.
      other = new MemcachedClient(server.address);
    });
    afterAll(async () => {
      await client?.close();
      await other?.close();
      await server?.stop();
    });

    it('keeps its keys apart from the same keys at the root and in other namespaces', async () => {
      const users = new Namespace(client, ns('users'));
      const posts = new Namespace(client, ns('posts'));
      await client.set('42', 'root');
      await users.set('42', { name: 'Ada' });
      await posts.set('42', { title: 'Hello' });
      expect(await users.get('42')).toEqual({ name: 'Ada' });
      expect(await posts.get('42')).toEqual({ title: 'Hello' });
      expect(await client.get('42')).toBe('root');
      expect(await users.keyFor('42')).toMatch(new RegExp(`^${users.name}:v\\d+:42$`));
    });

    it('invalidate() retires every key at once, for every client', async () => {
      const name = ns('cache');
      const mine = new Namespace(client, name);
      const theirs = new Namespace(other, name);
      for (let i = 0; i < 20; i++) await mine.set(`k${i}`, i);
      expect(await theirs.get('k7')).toBe(7);
      const before = await mine.version();
      await theirs.invalidate();
      expect(await mine.version()).toBe(before + 1);
      const after = await mine.getMulti(Array.from({ length: 20 }, (_, i) => `k${i}`));
      expect(after.size).toBe(0);
      expect(await mine.get('k7')).toBeNull();
      await mine.set('k7', 'new');
      expect(await theirs.get('k7')).toBe('new');
    });

    it('leaves other namespaces alone when one is invalidated', async () => {
      const a = new Namespace(client, ns('a'));
      const b = new Namespace(client, ns('b'));
      await a.set('x', 1);
      await b.set('x', 2);
      await a.invalidate();
      expect(await a.get('x')).toBeNull();
      expect(await b.get('x')).toBe(2);
    });

    it('never brings retired keys back when the version key is evicted', async () => {
      const space = new Namespace(client, ns('evict'));
      await space.set('k', 'old');
      const first = await space.version();
      await space.invalidate();
      await space.set('k', 'current');
      // Eviction of the version key, as the LRU could do.
      await client.delete(`${space.name}:ns-version`);
      const recreated = await space.version();
      expect(recreated).toBeGreaterThan(first + 1);
      expect(await space.get('k')).toBeNull();
    });

    it('a version key evicted and re-created within one clock tick still retires the old keys', async () => {
      // The clock stands still: what broke was re-creation within the same millisecond.
      const now = vi.spyOn(performance, 'now').mockReturnValue(performance.now());
      const date = vi.spyOn(Date, 'now').mockReturnValue(Date.now());
      try {
        const space = new Namespace(client, ns('same-tick'));
        await space.set('k', 'old');
        const first = await space.version();
        await space.invalidate();
        await space.set('k', 'current');
        await client.delete(`${space.name}:ns-version`);
        expect(await space.version()).toBeGreaterThan(first + 1);
        expect(await space.get('k')).toBeNull();
      } finally {
        now.mockRestore();
        date.mockRestore();
      }
    });

    it('creates the version atomically when many clients start at once', async () => {
      const name = ns('race');
      const versions = await Promise.all(
        Array.from({ length: 10 }, (_, i) => new Namespace(i % 2 ? client : other, name).version()),
      );
      expect(new Set(versions).size).toBe(1);
    });

    it('returns un-prefixed keys from getMulti', async () => {
      const space = new Namespace(client, ns('multi'));
      await space.set('a', 1);
      await space.set('c', 3);
      expect([...(await space.getMulti(['a', 'b', 'c']))]).toEqual([
        ['a', 1],
        ['c', 3],
      ]);
    });

    it('supports add, replace, delete, incr, decr and touch within the namespace', async () => {
      const space = new Namespace(client, ns('ops'));
      expect(await space.add('n', 5)).toBe(true);
      expect(await space.add('n', 6)).toBe(false);
      expect(await space.replace('n', 10)).toBe(true);
      expect(await space.incr('n', 5)).toBe(15);
      expect(await space.decr('n', 3)).toBe(12);
      expect(await space.get('n')).toBe(12);
      expect(await space.touch('n', 100)).toBe(true);
      expect(await space.delete('n')).toBe(true);
      expect(await space.get('n')).toBeNull();
      expect(await space.incr('counter', 1, { initial: 1 })).toBe(1);
      await space.invalidate();
      expect(await space.incr('counter', 1)).toBeNull();
    });

    it('runs getOrSet and getMany inside the namespace, and invalidate makes them reload', async () => {
      const space = new Namespace(client, ns('aside'));
      let loads = 0;
      const loader = () => {
        loads++;
        return `v${loads}`;
      };
      expect(await space.getOrSet('x', loader)).toBe('v1');
      expect(await space.getOrSet('x', loader)).toBe('v1');
      const asked: string[][] = [];
      const many = await space.getMany(['x', 'y'], (missing) => {
        asked.push(missing);
        return Object.fromEntries(missing.map((key) => [key, `loaded ${key}`]));
      });
      expect([...many]).toEqual([
        ['x', 'v1'],
        ['y', 'loaded y'],
      ]);
      expect(asked).toEqual([['y']]);
      expect(await space.get('y')).toBe('loaded y');
      await space.invalidate();
      expect(await space.getOrSet('x', loader)).toBe('v2');
    });

    it('refuses a version key that does not hold a counter', async () => {
      const space = new Namespace(client, ns('corrupt'));
      await client.set(`${space.name}:ns-version`, 'not a number');
      await expect(space.get('k')).rejects.toBeInstanceOf(MemcachedSerializationError);
    });
  });
}

describe('Namespace', () => {
  it('needs a non-empty name', () => {
    const client = new MemcachedClient('127.0.0.1:1');
    expect(() => new Namespace(client, '')).toThrow(TypeError);
    return client.close();
  });
});
