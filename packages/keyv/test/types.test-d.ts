import type { MemcachedClient, ServerList } from '@memkit/core';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import { Keyv as Keyv6 } from 'keyv6';
import { describe, expectTypeOf, it } from 'vitest';
import { createKeyv, KeyvMemkit, type KeyvMemkitOptions } from '../src/index.js';

describe('KeyvMemkit types', () => {
  it("satisfies Keyv 5's storage adapter contract and both Keyvs take it", () => {
    // Keyv 5 types setMany as resolving to void, yet hands the store's result to its caller as
    // Keyv.setMany's boolean[]; Keyv 6 types it boolean[]. The store returns the array.
    const adapter: Omit<KeyvStoreAdapter, 'setMany'> = new KeyvMemkit();
    expectTypeOf(adapter.get).toBeFunction();
    expectTypeOf(new KeyvMemkit().setMany).returns.resolves.toEqualTypeOf<boolean[]>();
    expectTypeOf(new Keyv(new KeyvMemkit(), { namespace: 'users' })).toEqualTypeOf<Keyv>();
    expectTypeOf(new Keyv({ store: new KeyvMemkit() })).toEqualTypeOf<Keyv>();
    expectTypeOf(new Keyv6({ store: new KeyvMemkit() })).toEqualTypeOf<Keyv6>();
  });

  it('is built from a client, servers or options, nothing else', () => {
    expectTypeOf<ConstructorParameters<typeof KeyvMemkit>[0]>().toEqualTypeOf<
      MemcachedClient | ServerList | KeyvMemkitOptions | undefined
    >();
    // @ts-expect-error a number is neither servers nor options
    new KeyvMemkit(11211);
    // @ts-expect-error unknown options are compile errors too
    new KeyvMemkit({ nameSpace: 'typo' });
  });

  it('has no iterator', () => {
    expectTypeOf<KeyvMemkit>().not.toHaveProperty('iterator');
  });
});

describe('createKeyv types', () => {
  it('returns a Keyv and takes what KeyvMemkit takes, plus Keyv options without serialization', () => {
    expectTypeOf(createKeyv()).toEqualTypeOf<Keyv<unknown>>();
    expectTypeOf(createKeyv<{ name: string }>('127.0.0.1:11211')).toEqualTypeOf<
      Keyv<{ name: string }>
    >();
    expectTypeOf<Parameters<typeof createKeyv>[0]>().toEqualTypeOf<
      MemcachedClient | ServerList | KeyvMemkitOptions | undefined
    >();
    createKeyv({ keyPrefix: 'app:' }, { namespace: 'users', ttl: 60_000 });
    // @ts-expect-error createKeyv chooses the serialization
    createKeyv(undefined, { serialize: JSON.stringify });
    // @ts-expect-error and refuses compression, which needs Keyv's serialization
    createKeyv(undefined, { compression: {} });
  });
});
