// createKeyv against the plain wiring `new Keyv({ store: new KeyvMemkit(client) })`, whose
// values go through Keyv's own serializer: that wiring is the oracle for every value read, every
// byte stored and every raw API. Each describe runs on the in-process server and on a real
// memcached.
import { Buffer } from 'node:buffer';
import { defaultSerialize } from '@keyv/serialize';
import {
  MemcachedClient,
  MemcachedInvalidOptionError,
  MemcachedSerializationError,
} from '@memkit/core';
import Keyv from 'keyv';
import { Keyv as Keyv6 } from 'keyv6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestMemcached } from '../../../test/support/memcached-backends.js';
import { createKeyv, KeyvMemkit } from '../src/index.js';
import { createKeyvWith, type KeyvClass } from '../src/internal/create-keyv-with.js';

function nested(depth: number): unknown {
  let value: unknown = ':leaf';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

// Values whose type or text Keyv's format transforms (escapes, base64, toJSON, dropped keys).
const TRICKY: ReadonlyArray<readonly [string, unknown]> = [
  ['nested object', { a: { b: { c: [1, { d: 'e' }] } }, empty: {}, list: [] }],
  ['array', [1, 'two', null, [3, [4]], { five: 5 }, []]],
  ['colon string', ':x'],
  ['lone colon', ':'],
  ['double colon string', '::x'],
  ['base64-looking string', ':base64:aGVsbG8='],
  ['escaped base64-looking string', '::base64:aGVsbG8='],
  ['base64-looking string that is not base64', ':base64:not base64!'],
  ['colon strings nested', { a: ':x', b: ['::y', ':base64:aGk=', '::base64:aGk='], ':k': '::' }],
  ['buffer', Buffer.from([0, 1, 2, 0x3a, 255])],
  ['empty buffer', Buffer.alloc(0)],
  ['nested buffer', { bytes: Buffer.from('hello'), list: [Buffer.from([0xff]), 'after'] }],
  ['date', new Date('2026-01-02T03:04:05.678Z')],
  ['nested date', { at: new Date(0), list: [new Date('2000-01-01T00:00:00Z')] }],
  ['null', null],
  ['zero', 0],
  ['negative float', -12.5],
  ['max safe integer', Number.MAX_SAFE_INTEGER],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['true', true],
  ['false', false],
  ['empty string', ''],
  ['unicode', 'é ü 😀 中文 \u0000\n\t"\\ \u2028'],
  ['lone surrogate', '\ud800x'],
  ['json-looking string', '{"value":1,"expires":2}'],
  ['envelope-looking object', { value: ':v', expires: 1 }],
  ['undefined members', { gone: undefined, kept: 1, list: [undefined, 2] }],
  ['undefined', undefined],
  ['own __proto__ key', JSON.parse('{"__proto__":":x","safe":1}')],
  ['nested own __proto__ object', JSON.parse('{"inner":{"__proto__":{"polluted":":yes"}}}')],
  ['constructor key', { constructor: ':c', prototype: '::p' }],
  ['deep nesting', nested(1000)],
];

const keyOf = (i: number) => `v${i}`;

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`createKeyv on ${backend.name}`, () => {
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

    /** The plain wiring: Keyv's own default serializer. */
    const plain = (namespace: string) => new Keyv({ store: new KeyvMemkit(client), namespace });
    /** The text memcached holds for a Keyv 5 key: a bare codec store reads it as it is. */
    const rawText = (namespace: string, key: string) =>
      new KeyvMemkit({ client, namespace }).get(`${namespace}:${key}`);
    /** Writes `stored` as it is (a codec store keeps strings) where Keyv 5 looks for `key`. */
    const writeRaw = (namespace: string, key: string, stored: unknown) =>
      new KeyvMemkit({ client, namespace }).set(`${namespace}:${key}`, stored);

    it("reads every value back as Keyv's own serializer does, with get, get([keys]) and getMany", async () => {
      const ck = createKeyv(client, { namespace: 'types-ck' });
      const oracle = plain('types-oracle');
      for (const [i, [, value]] of TRICKY.entries()) {
        expect(await ck.set(keyOf(i), value)).toBe(true);
        await oracle.set(keyOf(i), value);
      }
      for (const [i, [name]] of TRICKY.entries()) {
        const expected = await oracle.get(keyOf(i));
        expect({ name, value: await ck.get(keyOf(i)) }).toStrictEqual({ name, value: expected });
      }
      const keys = TRICKY.map((_, i) => keyOf(i));
      const expectedMany = await oracle.get(keys);
      expect(expectedMany).toHaveLength(TRICKY.length);
      expect(await ck.get(keys)).toStrictEqual(expectedMany);
      expect(await ck.getMany(keys)).toStrictEqual(expectedMany);
    });

    it('keeps the types Keyv keeps, and changes them as Keyv changes them', async () => {
      const ck = createKeyv(client, { namespace: 'types-explicit' });
      await ck.set('buffer', Buffer.from([0, 255]));
      await ck.set('nested', { bytes: Buffer.from('hi'), at: new Date(0), s: ':x', t: '::y' });
      await ck.set('date', new Date('2026-01-02T03:04:05.678Z'));
      await ck.set('base64', ':base64:aGVsbG8=');
      const buffer = await ck.get('buffer');
      expect(Buffer.isBuffer(buffer)).toBe(true);
      expect(buffer).toStrictEqual(Buffer.from([0, 255]));
      expect(await ck.get('nested')).toStrictEqual({
        bytes: Buffer.from('hi'),
        at: '1970-01-01T00:00:00.000Z',
        s: ':x',
        t: '::y',
      });
      expect(await ck.get('date')).toBe('2026-01-02T03:04:05.678Z');
      expect(await ck.get('base64')).toBe(':base64:aGVsbG8=');
    });

    it('reads an own __proto__ key as data and never changes a prototype', async () => {
      const ck = createKeyv(client, { namespace: 'proto' });
      await ck.set('own', JSON.parse('{"__proto__":":x","safe":1}'));
      await ck.set('nested', JSON.parse('{"inner":{"__proto__":{"polluted":":yes"}}}'));
      await ck.set('list', [JSON.parse('{"__proto__":"::z"}')]);
      const many = await ck.get(['own', 'nested', 'list']);
      for (const own of [await ck.get('own'), many[0]] as Array<Record<string, unknown>>) {
        expect(Object.getPrototypeOf(own)).toBe(Object.prototype);
        expect(Object.getOwnPropertyDescriptor(own, '__proto__')?.value).toBe(':x');
        expect(own.safe).toBe(1);
      }
      for (const outer of [await ck.get('nested'), many[1]] as Array<{
        inner: Record<string, unknown>;
      }>) {
        expect(Object.getPrototypeOf(outer.inner)).toBe(Object.prototype);
        expect(Object.getOwnPropertyDescriptor(outer.inner, '__proto__')?.value).toStrictEqual({
          polluted: ':yes',
        });
        expect('polluted' in outer.inner).toBe(false);
      }
      const [item] = (await ck.get('list')) as Array<Record<string, unknown>>;
      expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(item, '__proto__')?.value).toBe('::z');
      expect('polluted' in {}).toBe(false);
    });

    it('keeps the types through setMany as through set', async () => {
      const ck = createKeyv(client, { namespace: 'set-many-ck' });
      const oracle = plain('set-many-oracle');
      const entries = TRICKY.map(([, value], i) => ({ key: keyOf(i), value }));
      expect(await ck.setMany(entries)).toEqual(entries.map(() => true));
      await oracle.setMany(entries);
      const keys = entries.map((entry) => entry.key);
      expect(await ck.get(keys)).toStrictEqual(await oracle.get(keys));
      const bufferIndex = TRICKY.findIndex(([name]) => name === 'buffer');
      expect(Buffer.isBuffer(await ck.get(keyOf(bufferIndex)))).toBe(true);
    });

    it('reads what the plain wiring wrote and the plain wiring reads what it wrote', async () => {
      const ck = createKeyv(client, { namespace: 'interop' });
      const other = plain('interop');
      const oracle = plain('interop-oracle');
      for (const [i, [, value]] of TRICKY.entries()) {
        await ck.set(`ck-${i}`, value);
        await other.set(`plain-${i}`, value);
        await oracle.set(`${i}`, value);
      }
      for (const [i, [name]] of TRICKY.entries()) {
        const expected = await oracle.get(`${i}`);
        expect({ name, value: await other.get(`ck-${i}`) }).toStrictEqual({
          name,
          value: expected,
        });
        expect({ name, value: await ck.get(`plain-${i}`) }).toStrictEqual({
          name,
          value: expected,
        });
      }
      const ckKeys = TRICKY.map((_, i) => `ck-${i}`);
      const plainKeys = TRICKY.map((_, i) => `plain-${i}`);
      expect(await other.get(ckKeys)).toStrictEqual(await ck.get(ckKeys));
      expect(await ck.get(plainKeys)).toStrictEqual(await other.get(plainKeys));
    });

    it('stores the same bytes as the plain wiring: Keyv 5’s own serialized envelope', async () => {
      const ck = createKeyv(client, { namespace: 'bytes' });
      const other = plain('bytes');
      for (const [i, [name, value]] of TRICKY.entries()) {
        // No ttl: `expires` is undefined, so both texts are exact.
        await ck.set(`ck-${i}`, value);
        await other.set(`plain-${i}`, value);
        const viaCreateKeyv = await rawText('bytes', `ck-${i}`);
        const viaPlain = await rawText('bytes', `plain-${i}`);
        expect(typeof viaCreateKeyv).toBe('string');
        expect({ name, text: viaCreateKeyv }).toStrictEqual({ name, text: viaPlain });
        expect({ name, text: viaCreateKeyv }).toStrictEqual({
          name,
          text: defaultSerialize({ value, expires: undefined }),
        });
      }
      // setMany writes the same bytes as set.
      await ck.setMany([{ key: 'many', value: { s: ':x', b: Buffer.from('hi') } }]);
      expect(await rawText('bytes', 'many')).toBe(
        defaultSerialize({ value: { s: ':x', b: Buffer.from('hi') } }),
      );
    });

    it('stores the envelope with Keyv’s millisecond expires when there is a ttl', async () => {
      const ck = createKeyv(client, { namespace: 'bytes-ttl' });
      const value = { s: '::x', b: Buffer.from([1]) };
      const before = Date.now();
      await ck.set('k', value, 60_000);
      const after = Date.now();
      const text = (await rawText('bytes-ttl', 'k')) as string;
      const { expires } = JSON.parse(text) as { expires: number };
      expect(expires).toBeGreaterThanOrEqual(before + 60_000);
      expect(expires).toBeLessThanOrEqual(after + 60_000);
      expect(text).toBe(defaultSerialize({ value, expires }));
      expect(await plain('bytes-ttl').getRaw('k')).toStrictEqual({
        value: { s: '::x', b: Buffer.from([1]) },
        expires,
      });
    });

    it('getRaw and getManyRaw return Keyv’s envelope as the plain wiring does', async () => {
      const ck = createKeyv(client, { namespace: 'raw-ck' });
      const oracle = plain('raw-oracle');
      for (const keyv of [ck, oracle]) {
        await keyv.set('a', { s: ':x', b: Buffer.from('a') });
        await keyv.set('b', '::base64:aGk=');
        await keyv.set('c', null);
      }
      for (const key of ['a', 'b', 'c', 'missing']) {
        expect(await ck.getRaw(key)).toStrictEqual(await oracle.getRaw(key));
      }
      expect(await ck.getRaw('a')).toStrictEqual({ value: { s: ':x', b: Buffer.from('a') } });
      expect(await ck.getRaw('missing')).toBeUndefined();
      const keys = ['a', 'missing', 'b', 'c'];
      const many = await ck.getManyRaw(keys);
      expect(many).toStrictEqual(await oracle.getManyRaw(keys));
      expect(many).toStrictEqual([
        { value: { s: ':x', b: Buffer.from('a') } },
        undefined,
        { value: '::base64:aGk=' },
        { value: null },
      ]);
      // get(key, { raw: true }), which cache-manager uses, is the same envelope.
      expect(await ck.get('b', { raw: true })).toStrictEqual({ value: '::base64:aGk=' });
      expect(await ck.get(['a', 'missing'], { raw: true })).toStrictEqual([
        { value: { s: ':x', b: Buffer.from('a') } },
        undefined,
      ]);
    });

    it('getRaw and getManyRaw carry the expires of a ttl', async () => {
      const ck = createKeyv(client, { namespace: 'raw-ttl' });
      const before = Date.now();
      await ck.set('k', 'v', 60_000);
      const raw = await ck.getRaw('k');
      expect(raw?.value).toBe('v');
      expect(raw?.expires).toBeGreaterThanOrEqual(before + 60_000);
      expect(raw?.expires).toBeLessThanOrEqual(Date.now() + 60_000);
      expect(await ck.getManyRaw(['k'])).toStrictEqual([raw]);
    });

    it('has, delete and deleteMany', async () => {
      const ck = createKeyv(client, { namespace: 'has-delete' });
      await ck.set('a', false);
      await ck.set('b', null);
      await ck.set('c', 0);
      expect(await ck.has('a')).toBe(true);
      expect(await ck.has('b')).toBe(true);
      expect(await ck.has('missing')).toBe(false);
      expect(await ck.has(['a', 'missing', 'c'])).toEqual([true, false, true]);
      expect(await ck.delete('a')).toBe(true);
      expect(await ck.delete('a')).toBe(false);
      expect(await ck.has('a')).toBe(false);
      expect(await ck.get('a')).toBeUndefined();
      expect(await ck.delete(['b', 'c'])).toBe(true);
      expect(await ck.get(['b', 'c'])).toEqual([undefined, undefined]);
      expect(await rawText('has-delete', 'c')).toBeUndefined();
    });

    it('clear retires only its own namespace', async () => {
      const mine = createKeyv(client, { namespace: 'clear-mine' });
      const theirs = createKeyv(client, { namespace: 'clear-theirs' });
      const plainTheirs = plain('clear-plain');
      await mine.set('k', 'mine');
      await theirs.set('k', 'theirs');
      await plainTheirs.set('k', 'plain');
      await mine.clear();
      expect(await mine.get('k')).toBeUndefined();
      expect(await mine.has('k')).toBe(false);
      expect(await theirs.get('k')).toBe('theirs');
      expect(await plainTheirs.get('k')).toBe('plain');
      // The namespace works again after its clear.
      await mine.set('k', 'again');
      expect(await mine.get('k')).toBe('again');
    });

    it('treats an envelope whose expires has passed as a miss, as the plain wiring does', async () => {
      const ck = createKeyv(client, { namespace: 'expired-ck' });
      const oracle = plain('expired-oracle');
      const past = Date.now() - 60_000;
      // The store itself writes the envelope (memcached keeps it: no memcached ttl).
      const ckStore = ck.store as KeyvMemkit;
      await ckStore.set('expired-ck:old', { value: 'stale', expires: past });
      await writeRaw('expired-oracle', 'old', defaultSerialize({ value: 'stale', expires: past }));
      for (const keyv of [ck, oracle]) await keyv.set('fresh', 'new');

      for (const keyv of [ck, oracle]) {
        expect(await keyv.getRaw('old')).toBeUndefined();
        expect(await keyv.getManyRaw(['old', 'fresh'])).toStrictEqual([
          undefined,
          { value: 'new' },
        ]);
        expect(await keyv.get(['old', 'fresh'])).toEqual([undefined, 'new']);
        expect(await keyv.get('old', { raw: true })).toBeUndefined();
      }
      // Rewrite (the reads above delete an expired entry), then a plain get.
      await ckStore.set('expired-ck:old', { value: 'stale', expires: past });
      await writeRaw('expired-oracle', 'old', defaultSerialize({ value: 'stale', expires: past }));
      expect(await ck.get('old')).toBeUndefined();
      expect(await oracle.get('old')).toBeUndefined();
      // Keyv deletes the expired entry it found, on both wirings.
      expect(await rawText('expired-ck', 'old')).toBeUndefined();
      expect(await rawText('expired-oracle', 'old')).toBeUndefined();
    });

    it('reads a corrupt stored text as undefined and reports a MemcachedSerializationError', async () => {
      const ck = createKeyv(client, { namespace: 'corrupt' });
      const errors: unknown[] = [];
      ck.on('error', (error: unknown) => errors.push(error));
      await writeRaw('corrupt', 'bad', '{"value": not json');
      await ck.set('good', 'fine');

      expect(await ck.get('bad')).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(MemcachedSerializationError);
      expect(errors[0]).toMatchObject({ code: 'ERR_MEMCACHED_SERIALIZATION' });
      expect((errors[0] as Error).cause).toBeInstanceOf(SyntaxError);
      // The good key next to it still reads; the bad one is left in place.
      expect(await ck.get('good')).toBe('fine');
      expect(await rawText('corrupt', 'bad')).toBe('{"value": not json');
      // has() answers whether something is stored, as the plain wiring does, without reading it.
      expect(await ck.has('bad')).toBe(true);
      expect(await ck.store.hasMany(['corrupt:bad', 'corrupt:good', 'corrupt:none'])).toEqual([
        true,
        true,
        false,
      ]);
      expect(errors).toHaveLength(1);
      // Keyv 5's getMany does not catch a store failure (the plain wiring rejects there too,
      // with JSON.parse's SyntaxError).
      await expect(ck.get(['good', 'bad'])).rejects.toBeInstanceOf(MemcachedSerializationError);
    });

    it('rejects get on a corrupt stored text with throwOnErrors', async () => {
      const strict = createKeyv(client, { namespace: 'corrupt-strict', throwOnErrors: true });
      const errors: unknown[] = [];
      strict.on('error', (error: unknown) => errors.push(error));
      await writeRaw('corrupt-strict', 'bad', 'not json at all');
      await expect(strict.get('bad')).rejects.toBeInstanceOf(MemcachedSerializationError);
      await expect(strict.get('bad')).rejects.toMatchObject({
        code: 'ERR_MEMCACHED_SERIALIZATION',
      });
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBeInstanceOf(MemcachedSerializationError);
    });

    it('refuses the serialization options and a store format, naming the option', () => {
      const refused: Array<[string, unknown]> = [
        ['serialize', JSON.stringify],
        ['deserialize', JSON.parse],
        ['compression', { compress: async (v: unknown) => v, decompress: async (v: unknown) => v }],
        ['serialization', { stringify: JSON.stringify, parse: JSON.parse }],
        ['encryption', { encrypt: async (v: string) => v, decrypt: async (v: string) => v }],
      ];
      for (const [option, value] of refused) {
        const create = () => createKeyv(client, { namespace: 'x', [option]: value } as never);
        expect(create).toThrow(MemcachedInvalidOptionError);
        expect(create).toThrow(
          expect.objectContaining({ code: 'ERR_MEMCACHED_INVALID_OPTION', option }),
        );
      }
      for (const format of ['codec', 'keyv-json', 'v8'] as const) {
        const create = () => createKeyv({ client, format } as never);
        expect(create).toThrow(MemcachedInvalidOptionError);
        expect(create).toThrow(
          expect.objectContaining({ code: 'ERR_MEMCACHED_INVALID_OPTION', option: 'format' }),
        );
      }
      // A bad store option is the store's own refusal.
      expect(() => createKeyv({ client, nameSpace: 'typo' } as never)).toThrow(
        expect.objectContaining({ code: 'ERR_MEMCACHED_INVALID_OPTION', option: 'nameSpace' }),
      );
    });

    it('stores a value as it was when set was called, even if the caller changes it before the set ends', async () => {
      // Keyv writes as ever: its serializer runs inside set(), so a fire-and-forget set of an
      // object the caller then mutates stores the object as it was, as on the plain wiring.
      for (const keyv of [createKeyv(client, { namespace: 'snapshot' }), plain('snapshot-plain')]) {
        const single = { a: 1 };
        const pending = keyv.set('one', single);
        single.a = 2;
        await pending;
        const many = { b: 1 };
        const pendingMany = keyv.setMany([{ key: 'many', value: many }]);
        many.b = 2;
        await pendingMany;
        expect(await keyv.get('one')).toEqual({ a: 1 });
        expect(await keyv.get('many')).toEqual({ b: 1 });
      }
    });

    it('writes as the plain wiring does: its hooks see the serialized value, a BigInt is refused by Keyv', async () => {
      const seen: Record<string, unknown[]> = { create: [], plain: [] };
      const ck = createKeyv(client, { namespace: 'parity' });
      const oracle = plain('parity');
      ck.hooks.addHandler('postSet', (data: { value: unknown }) => seen.create?.push(data.value));
      oracle.hooks.addHandler('postSet', (data: { value: unknown }) =>
        seen.plain?.push(data.value),
      );
      await ck.set('k', { n: 1 });
      await oracle.set('k', { n: 1 });
      expect(seen.create).toEqual(seen.plain);
      expect(typeof seen.create?.[0]).toBe('string');
      const refusal = async (keyv: typeof ck) => {
        try {
          await keyv.set('big', 10n);
          return 'stored';
        } catch (error) {
          return (error as Error).constructor.name;
        }
      };
      expect(await refusal(ck)).toBe(await refusal(oracle));
      expect(typeof ck.serialize).toBe('function');
      expect(ck.deserialize).toBeUndefined();
    });

    it('wires a Keyv 5 store in keyv-json format on the client given, which it never closes', async () => {
      const ck = createKeyv(client, { namespace: 'wiring' });
      const store = ck.store as KeyvMemkit;
      expect(store).toBeInstanceOf(KeyvMemkit);
      expect(store.client).toBe(client);
      expect(store.opts.format).toBe('keyv-json');
      expect(store.namespace).toBe('wiring');
      await ck.set('k', 'v');
      await ck.disconnect();
      expect(await plain('wiring').get('k')).toBe('v');
    });

    it('takes "host:port" and a server list, and closes the client it created', async () => {
      for (const target of [server.address, [server.address]]) {
        const ck = createKeyv(target, { namespace: 'by-address' });
        const store = ck.store as KeyvMemkit;
        expect(store.client).not.toBe(client);
        await ck.set('k', { s: ':x', n: 1 });
        // The same server: the plain wiring on another client reads it.
        expect(await plain('by-address').get('k')).toStrictEqual({ s: ':x', n: 1 });
        await ck.disconnect();
        await expect(store.get('by-address:k')).rejects.toMatchObject({
          code: 'ERR_MEMCACHED_CLOSED',
        });
      }
    });

    it('takes store options: keyPrefix keeps two apps apart, clear included', async () => {
      const appA = createKeyv({ client, keyPrefix: 'app-a:' }, { namespace: 'shared' });
      const appB = createKeyv({ client, keyPrefix: 'app-b:' }, { namespace: 'shared' });
      await appA.set('k', 'a');
      await appB.set('k', 'b');
      expect(await appA.get('k')).toBe('a');
      expect(await appB.get('k')).toBe('b');
      await appA.clear();
      expect(await appA.get('k')).toBeUndefined();
      expect(await appB.get('k')).toBe('b');
      // The same keyPrefix on the plain wiring reads app B's value.
      const plainB = new Keyv({
        store: new KeyvMemkit({ client, keyPrefix: 'app-b:' }),
        namespace: 'shared',
      });
      expect(await plainB.get('k')).toBe('b');
    });

    it("takes the store's namespace when Keyv is given none, and Keyv's otherwise", async () => {
      const storeNamed = createKeyv({ client, namespace: 'store-ns' });
      expect((storeNamed.store as KeyvMemkit).namespace).toBe('store-ns');
      expect(storeNamed.namespace).toBe('store-ns');
      expect(createKeyv({ client }).namespace).toBe('keyv');
      const keyvNamed = createKeyv({ client, namespace: 'store-ns' }, { namespace: 'keyv-ns' });
      expect((keyvNamed.store as KeyvMemkit).namespace).toBe('keyv-ns');
      await storeNamed.set('k', 'store');
      await keyvNamed.set('k', 'keyv');
      await storeNamed.clear();
      expect(await storeNamed.get('k')).toBeUndefined();
      expect(await keyvNamed.get('k')).toBe('keyv');
    });

    it("applies Keyv's namespace and default ttl", async () => {
      const ck = createKeyv(client, { namespace: 'opts-ns', ttl: 60_000 });
      expect(ck.namespace).toBe('opts-ns');
      const before = Date.now();
      await ck.set('k', 'v');
      const raw = await ck.getRaw('k');
      expect(raw?.expires).toBeGreaterThanOrEqual(before + 60_000);
      expect(raw?.expires).toBeLessThanOrEqual(Date.now() + 60_000);
      // Under Keyv's namespace in memcached, and memcached's own TTL is set from it.
      expect(await rawText('opts-ns', 'k')).toBe(
        defaultSerialize({ value: 'v', expires: raw?.expires }),
      );
      if (server.advanceClock) {
        server.advanceClock(59);
        expect(await rawText('opts-ns', 'k')).toBeDefined();
        server.advanceClock(2);
        expect(await rawText('opts-ns', 'k')).toBeUndefined();
      }
    });

    describe('on Keyv 6', () => {
      const Keyv6Class = Keyv6 as unknown as KeyvClass;
      const plain6 = (namespace: string) => new Keyv6({ store: new KeyvMemkit(client), namespace });
      /** Keyv 6 wraps a Keyv 5-style store in its KeyvBridgeAdapter. */
      const memkitStoreOf = (keyv: { store: unknown }): KeyvMemkit => {
        const outer = keyv.store as { store?: unknown };
        const store = outer instanceof KeyvMemkit ? outer : outer.store;
        expect(store).toBeInstanceOf(KeyvMemkit);
        return store as KeyvMemkit;
      };
      const values6: ReadonlyArray<readonly [string, unknown]> = [
        ['bigint', 2n ** 70n],
        ['nested bigint', { big: -(2n ** 64n), list: [1n, 'one'] }],
        ...TRICKY.filter(([name]) => name !== 'undefined' && name !== 'deep nesting'),
      ];

      it('is the plain wiring: the store in codec format, Keyv 6 serializing', async () => {
        const keyv = createKeyvWith(Keyv6Class, client, { namespace: 'k6-wiring' });
        expect(keyv).toBeInstanceOf(Keyv6);
        const store = memkitStoreOf(keyv);
        expect(store.opts.format).toBe('codec');
        expect(store.client).toBe(client);
        await keyv.set('k', { s: ':x' });
        // The store holds Keyv 6's own string.
        const stored = await new KeyvMemkit({ client, namespace: 'k6-wiring' }).get('k');
        expect(typeof stored).toBe('string');
        expect(await plain6('k6-wiring').get('k')).toStrictEqual({ s: ':x' });
      });

      it('round-trips values as Keyv 6 does, BigInt included', async () => {
        const keyv = createKeyvWith(Keyv6Class, client, { namespace: 'k6-values' });
        const oracle = plain6('k6-oracle');
        for (const [i, [, value]] of values6.entries()) {
          await keyv.set(keyOf(i), value);
          await oracle.set(keyOf(i), value);
        }
        for (const [i, [name]] of values6.entries()) {
          expect({ name, value: await keyv.get(keyOf(i)) }).toStrictEqual({
            name,
            value: await oracle.get(keyOf(i)),
          });
        }
        expect(await keyv.get(keyOf(0))).toBe(2n ** 70n);
        expect(await keyv.get(keyOf(1))).toStrictEqual({ big: -(2n ** 64n), list: [1n, 'one'] });
        const keys = values6.map((_, i) => keyOf(i));
        expect(await keyv.get(keys)).toStrictEqual(await oracle.get(keys));
        // The plain Keyv 6 wiring on the same namespace reads what createKeyv wrote.
        expect(await plain6('k6-values').get(keys)).toStrictEqual(await oracle.get(keys));
      });

      it('has, delete, ttl and a clear scoped to its namespace', async () => {
        const keyv = createKeyvWith(Keyv6Class, client, { namespace: 'k6-ops' });
        const other = createKeyvWith(Keyv6Class, client, { namespace: 'k6-other' });
        await keyv.set('a', 1n);
        await keyv.set('b', 'b', 60_000);
        await other.set('a', 'other');
        expect(await keyv.has('a')).toBe(true);
        expect(await keyv.has('missing')).toBe(false);
        const raw = await keyv.getRaw('b');
        expect(raw?.value).toBe('b');
        expect(raw?.expires).toBeGreaterThan(Date.now());
        expect(await keyv.delete('a')).toBe(true);
        expect(await keyv.get('a')).toBeUndefined();
        await keyv.clear();
        expect(await keyv.get('b')).toBeUndefined();
        expect(await other.get('a')).toBe('other');
      });

      it('refuses Keyv 6 serialization options and a store format', () => {
        for (const [option, value] of [
          ['serialization', { stringify: JSON.stringify, parse: JSON.parse }],
          [
            'compression',
            { compress: async (v: unknown) => v, decompress: async (v: unknown) => v },
          ],
          ['encryption', { encrypt: async (v: string) => v, decrypt: async (v: string) => v }],
        ] as const) {
          expect(() => createKeyvWith(Keyv6Class, client, { [option]: value })).toThrow(
            expect.objectContaining({ code: 'ERR_MEMCACHED_INVALID_OPTION', option }),
          );
        }
        expect(() => createKeyvWith(Keyv6Class, { client, format: 'keyv-json' }, {})).toThrow(
          expect.objectContaining({ code: 'ERR_MEMCACHED_INVALID_OPTION', option: 'format' }),
        );
      });
    });
  });
}
