// Keyv's own conformance suite, run against the in-process server and a real memcached, with
// Keyv 5 and with Keyv 6 (which wraps a v5-style store in its KeyvBridgeAdapter). The suite's
// iterator tests are not run: memcached cannot list keys, so the store has no iterator (the
// "iterator absent" behaviour is asserted in keyv-memkit.test.ts). Keyv 5 runs it twice: as
// `new Keyv({ store })` wires it, and as createKeyv does (the store reading Keyv's format).

import { keyvApiTests, keyvNamespaceTest, keyvValueTests } from '@keyv/test-suite';
import { MemcachedClient } from '@memkit/core';
import Keyv from 'keyv';
import { Keyv as Keyv6 } from 'keyv6';
import * as vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestMemcached } from '../../../test/support/memcached-backends.js';
import { KeyvMemkit } from '../src/index.js';

// Keyv 6 changed one answer of its own API, not of the store: `keyv.delete([keys])` resolves to
// one boolean per key. That one suite test is replaced, under Keyv 6, by the same test written
// against Keyv 6's contract (below); every other test runs as published.
const KEYV6_CHANGED = new Set(['.deleteMany([keys]) with nonexistent keys resolves to false']);
const keyv6Suite: typeof vitest = {
  ...vitest,
  it: ((name: string, fn: Parameters<typeof it>[1]) => {
    if (!KEYV6_CHANGED.has(name)) it(name, fn);
  }) as typeof it,
};

// createKeyv's wiring on Keyv 5: Keyv's `deserialize` off and the store reading Keyv's format
// itself. The suite builds its own Keyv instances, so a subclass applies the wiring to each that
// is given a KeyvMemkit (some suite tests build a Keyv on Keyv's own Map, left as it is).
// (On Keyv 6, whose format differs, createKeyv leaves serialization to Keyv: the plain wiring.)
class Keyv5StoreReads extends Keyv {
  constructor(store?: unknown, options?: Record<string, unknown>) {
    const given = (store as { store?: unknown } | undefined)?.store ?? store;
    super(
      store as ConstructorParameters<typeof Keyv>[0],
      given instanceof KeyvMemkit ? { ...options, deserialize: undefined } : options,
    );
  }
}

// One suite test sets a custom serializer and deserializer (JSONbig), which createKeyv refuses
// (create-keyv.test.ts asserts the refusal): it does not apply to that wiring.
const CREATE_KEYV_REFUSES = new Set(['value can be BigInt using other serializer/deserializer']);
const createKeyvSuite: typeof vitest = {
  ...vitest,
  it: ((name: string, fn: Parameters<typeof it>[1]) => {
    if (!CREATE_KEYV_REFUSES.has(name)) it(name, fn);
  }) as typeof it,
};

const KEYVS = [
  { name: 'Keyv 5', Keyv, suite: vitest, format: 'codec' },
  // The suite is typed against Keyv 5's class; Keyv 6 takes the same constructor arguments.
  { name: 'Keyv 6', Keyv: Keyv6 as unknown as typeof Keyv, suite: keyv6Suite, format: 'codec' },
  {
    name: 'Keyv 5, createKeyv wiring',
    Keyv: Keyv5StoreReads,
    suite: createKeyvSuite,
    format: 'keyv-json',
  },
] as const;

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`@keyv/test-suite on ${backend.name}`, () => {
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
    const store = () => new KeyvMemkit(client);

    for (const { name, Keyv: KeyvClass, suite, format } of KEYVS) {
      describe(name, () => {
        const storeOf = () => new KeyvMemkit({ client, format });
        keyvApiTests(suite, KeyvClass, storeOf);
        keyvValueTests(suite, KeyvClass, storeOf);
        keyvNamespaceTest(suite, KeyvClass, storeOf);
      });
    }

    it('Keyv 6: iterator() yields nothing, since the store has none', async () => {
      const keyv = new Keyv6({ store: store(), namespace: 'keyv6-iterator' });
      await keyv.set('foo', 'bar');
      const seen: unknown[] = [];
      for await (const entry of keyv.iterator()) seen.push(entry);
      expect(seen).toEqual([]);
    });

    // Keyv 6's bridge spreads the store's one answer (every key deleted or not) over the keys.
    it('Keyv 6: .delete([keys]) resolves to one boolean per key', async () => {
      const keyv = new Keyv6({ store: store(), namespace: 'keyv6-delete-many' });
      await keyv.clear();
      expect(await keyv.delete(['foo', 'foo1', 'foo2'])).toEqual([false, false, false]);
      await keyv.set('foo', 'bar');
      await keyv.set('foo1', 'bar1');
      expect(await keyv.delete(['foo', 'foo1'])).toEqual([true, true]);
      expect(await keyv.get('foo')).toBeUndefined();
    });
  });
}
