import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireBinary, startRealMemcached } from '../../../../test/support/memcached.js';
import { MemcachedClient, startServer } from '../../src/index.js';

const backends = [
  {
    name: 'the in-process server',
    skip: false,
    start: async () => {
      const server = await startServer({ port: 0, memoryLimitMb: 256 });
      return { address: server.address, stop: () => server.close() };
    },
  },
  {
    name: 'a real memcached',
    skip: !requireBinary('memcached'),
    start: () => startRealMemcached(['-m', '256']),
  },
];

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.MODEL_SEED ?? 20261122);
const CALLERS = 100;
const OPS = 10_000;
const KEYS_PER_CALLER = 8;

type Value = string | number | Buffer | Record<string, unknown> | boolean;

function randomValue(rand: () => number, tag: string): Value {
  const r = rand();
  if (r < 0.2) {
    const bytes = Buffer.alloc(Math.floor(rand() * 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    return Buffer.concat([Buffer.from(tag), Buffer.from('\r\nEND\r\n'), bytes]);
  }
  if (r < 0.35) return `${tag} ünïcødé ✓ 🎉 ${'ж'.repeat(Math.floor(rand() * 50))}`;
  if (r < 0.42) return '';
  if (r < 0.45) return Buffer.alloc(0);
  if (r < 0.6) return Math.floor(rand() * 1e6);
  if (r < 0.63) return rand() < 0.5;
  if (r < 0.995) return { tag, n: rand(), list: [1, 'two', null] };
  // Near memcached's 1 MiB item limit (leaving room for the item header and key).
  const big = Buffer.alloc(1_000_000 + Math.floor(rand() * 40_000), tag.charCodeAt(0));
  return Buffer.concat([Buffer.from(tag), big]);
}

function same(actual: unknown, expected: unknown): boolean {
  // Buffers are stored with flags 0 like strings: bytes that are valid UTF-8 read back as text.
  if (Buffer.isBuffer(expected)) {
    if (typeof actual === 'string') return Buffer.from(actual, 'utf8').equals(expected);
    return Buffer.isBuffer(actual) && actual.equals(expected);
  }
  return JSON.stringify(actual) === JSON.stringify(expected);
}

describe.each(backends)('model-checked concurrency against $name', ({ skip, start }) => {
  if (skip) return;
  let server: { address: string; stop(): Promise<void> };
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  test(`${OPS} mixed operations from ${CALLERS} concurrent callers match an in-memory model (seed ${SEED})`, async () => {
    const client = new MemcachedClient(server.address, { poolSize: 2, timeoutMs: 5000 });
    const shared = Array.from({ length: 20 }, (_, i) => `model:shared:${i}`);
    const sharedValues = new Map<string, Value>(
      shared.map((k, i) => [k, { shared: i, text: `värde ${i}` }]),
    );
    await client.setMulti([...sharedValues]);
    const mismatches: string[] = [];
    let done = 0;

    const caller = async (id: number) => {
      const rand = prng(SEED + id);
      const model = new Map<string, Value>();
      const keys = Array.from({ length: KEYS_PER_CALLER }, (_, i) =>
        i % 3 === 0 ? `model:${id}:ключ-${i}` : `model:${id}:${i}`,
      );
      const check = (op: string, actual: unknown, expected: unknown) => {
        if (!same(actual, expected)) {
          mismatches.push(`caller ${id} ${op}: got ${String(actual)?.slice(0, 60)}`);
        }
      };
      for (let n = 0; n < OPS / CALLERS; n++) {
        const key = keys[Math.floor(rand() * keys.length)] as string;
        const tag = `c${id}o${n}`;
        const op = rand();
        if (op < 0.25) {
          const value = randomValue(rand, tag);
          check('set', await client.set(key, value), true);
          model.set(key, value);
        } else if (op < 0.5) {
          check(`get ${key}`, await client.get(key), model.get(key) ?? null);
        } else if (op < 0.6) {
          const asked = [...keys.filter(() => rand() < 0.5), ...shared.slice(0, 3)];
          const got = await client.getMulti(asked);
          for (const k of asked) {
            check(`getMulti ${k}`, got.get(k), model.get(k) ?? sharedValues.get(k));
          }
          check(
            'getMulti size',
            got.size,
            asked.filter((k) => model.has(k) || sharedValues.has(k)).length,
          );
        } else if (op < 0.67) {
          const value = randomValue(rand, tag);
          check('add', await client.add(key, value), !model.has(key));
          if (!model.has(key)) model.set(key, value);
        } else if (op < 0.72) {
          const value = randomValue(rand, tag);
          check('replace', await client.replace(key, value), model.has(key));
          if (model.has(key)) model.set(key, value);
        } else if (op < 0.8) {
          check('delete', await client.delete(key), model.has(key));
          model.delete(key);
        } else if (op < 0.87) {
          const current = model.get(key);
          const numeric =
            current === undefined ||
            typeof current === 'number' ||
            (typeof current === 'string' && /^\d+$/.test(current));
          if (!numeric) {
            // A non-numeric value makes incr a typed CLIENT_ERROR, and the connection goes on.
            const error = await client.incr(key, 3, { initial: 5 }).then(
              () => undefined,
              (e) => e,
            );
            check(
              'incr non-numeric',
              (error as { code?: string })?.code,
              'ERR_MEMCACHED_CLIENT_ERROR',
            );
            done++;
            continue;
          }
          const result = await client.incr(key, 3, { initial: 5 });
          if (current === undefined) {
            check('incr-initial', result, 5);
            model.set(key, '5');
          } else if (
            typeof current === 'number' ||
            (typeof current === 'string' && /^\d+$/.test(current))
          ) {
            const next = Number(current) + 3;
            check('incr', result, next);
            model.set(key, typeof current === 'number' ? next : String(next));
          } else {
            mismatches.push(`caller ${id}: incr succeeded on a non-number`);
          }
        } else if (op < 0.95) {
          const got = await client.gets(key);
          check(`gets ${key}`, got?.value ?? null, model.get(key) ?? null);
          if (got !== null) {
            const value = randomValue(rand, tag);
            check('cas', await client.cas(key, value, got.cas), true);
            model.set(key, value);
          }
        } else {
          check(`gat ${key}`, await client.gat(key, 3600), model.get(key) ?? null);
        }
        done++;
      }
      // Final sweep: the server holds exactly the model.
      const final = await client.getMulti(keys);
      for (const k of keys) check(`final ${k}`, final.get(k), model.get(k));
    };

    await Promise.all(Array.from({ length: CALLERS }, (_, id) => caller(id)));
    await client.close();
    expect(mismatches).toEqual([]);
    expect(done).toBe(OPS);
  });
});
