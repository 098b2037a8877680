import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireBinary, startRealMemcached } from '../../../../test/support/memcached.js';
import {
  MemcachedClient,
  MemcachedError,
  MemcachedInvalidKeyError,
  MemcachedSerializationError,
  MemcachedValueTooLargeError,
  startServer,
} from '../../src/index.js';

/** A server the suite runs against: the in-process one always, a real memcached when present. */
interface Backend {
  address: string;
  stop(): Promise<void>;
}

const backends: { name: string; skip: boolean; start: () => Promise<Backend> }[] = [
  {
    name: 'the in-process server',
    skip: false,
    start: async () => {
      const server = await startServer({ port: 0 });
      return { address: server.address, stop: () => server.close() };
    },
  },
  {
    name: 'a real memcached',
    skip: !requireBinary('memcached'),
    start: () => startRealMemcached(),
  },
];

let seq = 0;
const k = (name: string) => `api:${process.pid}:${++seq}:${name}`;

describe.each(backends)('MemcachedClient against $name', ({ skip, start }) => {
  if (skip) return;
  let server: Backend;
  let client: MemcachedClient;

  beforeAll(async () => {
    server = await start();
    client = new MemcachedClient(server.address);
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  test('get returns null on a miss and the stored value on a hit, keeping its JS type', async () => {
    expect(await client.get(k('missing'))).toBeNull();
    const values: unknown[] = ['text', '', 42, -1.5, true, false, { a: [1, 'x'] }, [1, 2]];
    for (const value of values) {
      const key = k('typed');
      expect(await client.set(key, value)).toBe(true);
      expect(await client.get(key)).toEqual(value);
    }
  });

  test('binary values come back byte for byte, including CR LF and every byte value', async () => {
    const bytes = Buffer.alloc(512);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
    const tricky = Buffer.concat([Buffer.from('\r\nEND\r\nVALUE x 0 1\r\n'), bytes]);
    const key = k('bin');
    await client.set(key, tricky);
    const back = await client.get<Buffer>(key);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back?.equals(tricky)).toBe(true);
  });

  test('a Buffer returned by get stays intact while later replies arrive', async () => {
    const a = k('keep-a');
    const b = k('keep-b');
    await client.set(a, Buffer.alloc(64, 0xaa));
    await client.set(b, Buffer.alloc(64, 0xbb));
    const first = await client.get<Buffer>(a);
    const meta = await client.metaGet(a, ['v']);
    for (let i = 0; i < 20; i++) await client.get(b);
    await client.getMulti([b, b, a]);
    expect(first?.equals(Buffer.alloc(64, 0xaa))).toBe(true);
    expect(meta.value?.equals(Buffer.alloc(64, 0xaa))).toBe(true);
  });

  test('unicode keys and values round-trip', async () => {
    const key = k('ключ-🔑');
    await client.set(key, 'värde ✓ 🎉');
    expect(await client.get(key)).toBe('värde ✓ 🎉');
    expect((await client.getMulti([key])).get(key)).toBe('värde ✓ 🎉');
  });

  test('add and replace return false instead of throwing when their condition fails', async () => {
    const key = k('cond');
    expect(await client.replace(key, 1)).toBe(false);
    expect(await client.add(key, 1)).toBe(true);
    expect(await client.add(key, 2)).toBe(false);
    expect(await client.replace(key, 3)).toBe(true);
    expect(await client.get(key)).toBe(3);
  });

  test('append and prepend add raw bytes and return false on a missing key', async () => {
    const key = k('ap');
    expect(await client.append(key, 'x')).toBe(false);
    expect(await client.prepend(key, 'x')).toBe(false);
    await client.set(key, 'mid');
    expect(await client.append(key, '-end')).toBe(true);
    expect(await client.prepend(key, Buffer.from('start-'))).toBe(true);
    expect(await client.get(key)).toBe('start-mid-end');
  });

  test('gets and cas: a stale token returns false (EXISTS), a fresh one stores', async () => {
    const key = k('cas');
    expect(await client.gets(key)).toBeNull();
    await client.set(key, { v: 1 });
    const first = await client.gets<{ v: number }>(key);
    expect(first?.value).toEqual({ v: 1 });
    expect(first?.cas).toMatch(/^\d+$/);
    expect(await client.cas(key, { v: 2 }, first?.cas ?? '')).toBe(true);
    expect(await client.cas(key, { v: 3 }, first?.cas ?? '')).toBe(false);
    expect(await client.get(key)).toEqual({ v: 2 });
    expect(await client.cas(k('cas-missing'), 1, '12345')).toBe(false);
  });

  test('get and gets in the same tick share one batch and gets still receives its CAS token', async () => {
    const key = k('mixed');
    await client.set(key, 'm');
    const [plain, withCas, many] = await Promise.all([
      client.get(key),
      client.gets(key),
      client.getMulti([key]),
    ]);
    expect(plain).toBe('m');
    expect(withCas?.cas).toMatch(/^\d+$/);
    expect(many.get(key)).toBe('m');
  });

  test('a value that cannot be decoded rejects that read only; the connection goes on', async () => {
    const strict = new MemcachedClient(server.address, {
      serializer: {
        serialize: (v) => ({ data: Buffer.from(String(v)), flags: 0 }),
        deserialize: (d) => {
          if (d.toString() === 'bad') throw new Error('cannot decode');
          return d.toString();
        },
      },
    });
    try {
      const bad = k('bad');
      const good = k('good');
      await strict.setMulti([
        [bad, 'bad'],
        [good, 'good'],
      ]);
      await expect(strict.getMulti([bad, good])).rejects.toBeInstanceOf(
        MemcachedSerializationError,
      );
      await expect(strict.get(bad)).rejects.toMatchObject({ code: 'ERR_MEMCACHED_SERIALIZATION' });
      expect(await strict.get(good)).toBe('good');
    } finally {
      await strict.close();
    }
  });

  test('getMulti returns only the hits, keyed by the caller keys, duplicates folded', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => k(`multi${i}`));
    await client.setMulti(keys.filter((_, i) => i % 3 !== 0).map((key, i) => [key, i] as const));
    const got = await client.getMulti([...keys, keys[1] as string]);
    expect(got.size).toBe(100);
    for (let i = 0; i < keys.length; i++) expect(got.has(keys[i] as string)).toBe(i % 3 !== 0);
    expect(await client.getMulti([])).toEqual(new Map());
  });

  test('setMulti accepts a record and deleteMulti reports which keys existed', async () => {
    const a = k('sm-a');
    const b = k('sm-b');
    expect(await client.setMulti({ [a]: 'A', [b]: 'B' }, { ttl: 60 })).toBe(true);
    expect(await client.getMulti([a, b])).toEqual(
      new Map([
        [a, 'A'],
        [b, 'B'],
      ]),
    );
    const deleted = await client.deleteMulti([a, b, k('sm-none')]);
    expect([...deleted.values()]).toEqual([true, true, false]);
  });

  test('delete returns false for a missing key', async () => {
    const key = k('del');
    expect(await client.delete(key)).toBe(false);
    await client.set(key, 1);
    expect(await client.delete(key)).toBe(true);
    expect(await client.get(key)).toBeNull();
  });

  test('incr/decr: null on a missing counter, create-if-missing with initial', async () => {
    const key = k('ctr');
    expect(await client.incr(key)).toBeNull();
    expect(await client.incr(key, 5, { initial: 10, ttl: 60 })).toBe(10);
    expect(await client.incr(key, 5, { initial: 10 })).toBe(15);
    expect(await client.incr(key)).toBe(16);
    expect(await client.decr(key, 6)).toBe(10);
    expect(await client.decr(key, 100)).toBe(0);
    const d = k('ctr-d');
    expect(await client.decr(d, 1, { initial: 7 })).toBe(7);
    expect(await client.decr(d, 2, { initial: 7 })).toBe(5);
    // A number stored through the json codec stays a counter and reads back as a number.
    const n = k('ctr-n');
    await client.set(n, 41);
    expect(await client.incr(n)).toBe(42);
    expect(await client.get(n)).toBe(42);
  });

  test('incr on a non-numeric value throws a typed CLIENT_ERROR', async () => {
    const key = k('ctr-bad');
    await client.set(key, 'abc');
    await expect(client.incr(key)).rejects.toMatchObject({
      code: 'ERR_MEMCACHED_CLIENT_ERROR',
      server: server.address,
    });
  });

  test('touch and gat', async () => {
    const key = k('touch');
    expect(await client.touch(key, 10)).toBe(false);
    expect(await client.gat(key, 10)).toBeNull();
    await client.set(key, 'v', { ttl: 5 });
    expect(await client.touch(key, 100)).toBe(true);
    expect(await client.gat(key, 200)).toBe('v');
    const meta = await client.metaGet(key, ['t']);
    expect(Number(meta.flags.t)).toBeGreaterThan(150);
  });

  test('TTLs over 30 days are sent as absolute times, so the item lives', async () => {
    const key = k('long-ttl');
    await client.set(key, 'kept', { ttl: 60 * 60 * 24 * 31 });
    expect(await client.get(key)).toBe('kept');
    const meta = await client.metaGet(key, ['t']);
    expect(Number(meta.flags.t)).toBeGreaterThan(60 * 60 * 24 * 30);
  });

  test('application flags are stored beside the codec bits', async () => {
    const key = k('flags');
    await client.set(key, 'x', { flags: 0x100 });
    const meta = await client.metaGet(key, ['f', 'v']);
    expect(Number(meta.flags.f) & 0xff00).toBe(0x100);
    expect(await client.get(key)).toBe('x');
    await expect(client.set(key, 'x', { flags: 1 })).rejects.toThrow(RangeError);
  });

  test('stats and version are keyed by server', async () => {
    const stats = await client.stats();
    expect(Object.keys(stats)).toEqual([server.address]);
    expect(typeof stats[server.address]?.pid).toBe('number');
    expect(stats[server.address]?.version).toMatch(/^\d+\.\d+\.\d+/);
    const settings = await client.stats('settings');
    expect(settings[server.address]?.maxconns).toBeTypeOf('number');
    const version = await client.version();
    expect(Object.keys(version)).toEqual([server.address]);
    expect(version[server.address]).toBe(stats[server.address]?.version);
    await expect(client.stats('items\r\nflush_all')).rejects.toThrow(RangeError);
  });

  test('meta get, set, delete and arithmetic return parsed replies', async () => {
    const key = k('meta');
    expect((await client.metaGet(key, ['v'])).status).toBe('EN');
    expect((await client.metaSet(key, Buffer.from('raw'), ['T60', 'F5'])).status).toBe('HD');
    const hit = await client.metaGet(key, ['v', 'f', 'c']);
    expect(hit.status).toBe('VA');
    expect(hit.value?.toString()).toBe('raw');
    expect(hit.flags.f).toBe('5');
    const stale = await client.metaSet(key, 'x', [`C${Number(hit.flags.c) + 1000}`]);
    expect(stale.status).toBe('EX');
    expect((await client.metaDelete(key, ['I', 'T30'])).status).toBe('HD');
    // Invalidated: the first reader wins the right to recache (W), the item is stale (X).
    const won = await client.metaGet(key, ['v', 'c']);
    expect(won.flags).toHaveProperty('W');
    expect(won.flags).toHaveProperty('X');
    const second = await client.metaGet(key, ['v']);
    expect(second.flags).toHaveProperty('Z');
    const ctr = k('meta-ctr');
    expect((await client.metaArithmetic(ctr, ['N0', 'J3', 'v'])).value?.toString()).toBe('3');
    expect((await client.metaArithmetic(k('meta-none'), ['v'])).status).toBe('NF');
    // Stampede protection: N vivifies a miss and hands out exactly one win.
    const fresh = k('meta-n');
    const [w1, w2] = await Promise.all([
      client.metaGet(fresh, ['v', 'N30']),
      client.metaGet(fresh, ['v', 'N30']),
    ]);
    expect([w1.flags.W, w2.flags.W].filter((w) => w !== undefined)).toHaveLength(1);
    await expect(client.metaGet(key, ['q'])).rejects.toThrow(RangeError);
    await expect(client.metaGet(key, ['v x'])).rejects.toThrow(RangeError);
  });

  test('invalid keys are rejected before anything is sent, so no command can be injected', async () => {
    const bad = ['', 'a b', 'a\r\nflush_all', 'tab\tkey', 'x'.repeat(251), 'del\x7f'];
    for (const key of bad) {
      await expect(client.get(key)).rejects.toBeInstanceOf(MemcachedInvalidKeyError);
      await expect(client.set(key, 1)).rejects.toMatchObject({ code: 'ERR_MEMCACHED_INVALID_KEY' });
      await expect(client.getMulti(['ok', key])).rejects.toBeInstanceOf(MemcachedInvalidKeyError);
    }
    const victim = k('victim');
    await client.set(victim, 'still here');
    await expect(client.delete(`x\r\ndelete ${victim}`)).rejects.toBeInstanceOf(
      MemcachedInvalidKeyError,
    );
    expect(await client.get(victim)).toBe('still here');
  });

  test('hashLongKeys stores long keys under a digest', async () => {
    const hashed = new MemcachedClient(server.address, { hashLongKeys: true });
    try {
      const long = `${k('long')}:${'x'.repeat(400)}`;
      const other = `${long}y`;
      await hashed.set(long, 'one');
      await hashed.set(other, 'two');
      expect(await hashed.get(long)).toBe('one');
      expect(await hashed.get(other)).toBe('two');
      expect(await hashed.getMulti([long, other])).toEqual(
        new Map([
          [long, 'one'],
          [other, 'two'],
        ]),
      );
    } finally {
      await hashed.close();
    }
  });

  test('values over maxValueSize are refused before sending', async () => {
    const small = new MemcachedClient(server.address, { maxValueSize: 1000 });
    try {
      const key = k('big');
      await expect(small.set(key, 'x'.repeat(2000))).rejects.toBeInstanceOf(
        MemcachedValueTooLargeError,
      );
      expect(await small.get(key)).toBeNull();
    } finally {
      await small.close();
    }
  });

  test('a value the server refuses is a typed SERVER_ERROR and the connection keeps working', async () => {
    const big = new MemcachedClient(server.address, { maxValueSize: 4 * 1024 * 1024 });
    try {
      const key = k('too-big-for-server');
      await expect(big.set(key, Buffer.alloc(2 * 1024 * 1024, 1))).rejects.toMatchObject({
        code: 'ERR_MEMCACHED_SERVER_ERROR',
      });
      await big.set(key, 'small');
      expect(await big.get(key)).toBe('small');
    } finally {
      await big.close();
    }
  });

  test('serializers: string and buffer, and a custom one', async () => {
    const str = new MemcachedClient(server.address, { serializer: 'string' });
    const buf = new MemcachedClient(server.address, { serializer: 'buffer' });
    const custom = new MemcachedClient(server.address, {
      serializer: {
        serialize: (v) => ({ data: Buffer.from(String(v).toUpperCase()), flags: 0 }),
        deserialize: (d) => `<${d.toString()}>`,
      },
    });
    try {
      const key = k('ser');
      await str.set(key, 'plain');
      expect(await buf.get(key)).toEqual(Buffer.from('plain'));
      expect(await str.get(key)).toBe('plain');
      await custom.set(key, 'abc');
      expect(await custom.get(key)).toBe('<ABC>');
    } finally {
      await Promise.all([str.close(), buf.close(), custom.close()]);
    }
  });

  test('compression shrinks large values on the server and decompresses on read', async () => {
    const zipped = new MemcachedClient(server.address, { compress: { threshold: 100 } });
    try {
      const key = k('zip');
      const value = { text: 'memcached '.repeat(5000) };
      await zipped.set(key, value);
      expect(await zipped.get(key)).toEqual(value);
      const raw = await zipped.metaGet(key, ['v']);
      expect(raw.value?.length).toBeLessThan(5000);
    } finally {
      await zipped.close();
    }
  });

  test('flushAll empties the server', async () => {
    const own = await start();
    const c = new MemcachedClient(own.address);
    try {
      await c.set('f1', 1);
      await c.flushAll();
      expect(await c.get('f1')).toBeNull();
      await c.set('f2', 1);
      await c.flushAll(0);
      expect(await c.get('f2')).toBeNull();
    } finally {
      await c.close();
      await own.stop();
    }
  });

  test('serverFor names the only server; after close every call rejects with CLOSED', async () => {
    const c = new MemcachedClient(server.address);
    expect(c.serverFor('anything')).toBe(server.address);
    await c.set(k('c'), 1);
    await c.close();
    await c.close();
    await expect(c.get('x')).rejects.toMatchObject({ code: 'ERR_MEMCACHED_CLOSED' });
    await expect(c.set('x', 1)).rejects.toBeInstanceOf(MemcachedError);
  });

  test('close waits for requests already in flight', async () => {
    const c = new MemcachedClient(server.address);
    const key = k('inflight');
    const pending = c.set(key, 'done');
    await c.close();
    expect(await pending).toBe(true);
    expect(await client.get(key)).toBe('done');
  });
});
