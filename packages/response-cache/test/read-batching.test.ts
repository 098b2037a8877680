import { MemcachedBackend, MemcachedClient } from '@memkit/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKENDS, type TestMemcached } from '../../../test/support/memcached-backends.js';
import { ResponseCache } from '../src/index.js';
import { CallBatch } from '../src/internal/call-batch.js';
import { EntryStore } from '../src/internal/entry-store.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('CallBatch', () => {
  it('starts queued calls only after the current loop turn, all together', async () => {
    const batch = new CallBatch();
    const started: number[] = [];
    const a = batch.run(async () => started.push(1));
    const b = batch.run(async () => started.push(2));
    await Promise.resolve();
    expect(started).toEqual([]);
    await Promise.all([a, b]);
    expect(started).toEqual([1, 2]);
  });

  it('shares one call between identical ids of one batch, followers through `follow`', async () => {
    const batch = new CallBatch();
    const call = vi.fn(async () => 'won');
    const results = await Promise.all([
      batch.shared('k', call, (r) => `${r}-follower`),
      batch.shared('k', call, (r) => `${r}-follower`),
      batch.shared('other', call, (r) => `${r}-follower`),
    ]);
    expect(results).toEqual(['won', 'won-follower', 'won']);
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('never shares a call that was already sent when the next read arrived', async () => {
    const batch = new CallBatch();
    let release!: () => void;
    const first = batch.shared(
      'k',
      () => new Promise<string>((resolve) => (release = () => resolve('old'))),
      (r) => r,
    );
    await turn(); // the batch is out, its reply not yet in
    const second = batch.shared(
      'k',
      async () => 'new',
      (r) => r,
    );
    release();
    expect(await first).toBe('old');
    expect(await second).toBe('new');
  });

  it('passes a call that throws synchronously on as a rejection', async () => {
    const batch = new CallBatch();
    await expect(
      batch.run(() => {
        throw new Error('closed');
      }),
    ).rejects.toThrow('closed');
  });
});

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`read batching on ${backend.name}`, () => {
    let mc: TestMemcached;
    let client: MemcachedClient;
    beforeAll(async () => {
      mc = await backend.start();
      client = new MemcachedClient(mc.address);
    });
    afterAll(async () => {
      await client?.close();
      await mc?.stop();
    });

    it('hands the regeneration lock of a shared read to one caller, as memcached would', async () => {
      const store = new EntryStore(new MemcachedBackend(client));
      const replies = await Promise.all(
        Array.from({ length: 5 }, () => store.fetch('batch:cold', 30, undefined)),
      );
      expect(replies.filter((r) => r?.won)).toHaveLength(1);
      expect(replies.filter((r) => r !== null && !r.won && r.alreadyWon)).toHaveLength(4);
    });

    it('reads what a completed write left, never an earlier batch', async () => {
      const store = new EntryStore(new MemcachedBackend(client));
      await store.store('batch:k', Buffer.from('v1'), 60);
      const before = store.fetch('batch:k', undefined, undefined);
      await turn();
      await store.store('batch:k', Buffer.from('v2'), 60);
      const after = await store.fetch('batch:k', undefined, undefined);
      expect((await before)?.value.toString()).toBe('v1');
      expect(after?.value.toString()).toBe('v2');
    });

    it('answers concurrent hits on one key with one memcached read', async () => {
      const cache = new ResponseCache({ client, keyPrefix: 'batch-hit:' });
      const req = { method: 'GET', url: '/hot', headers: {} };
      const miss = await cache.begin(req);
      if (miss.action !== 'forward') throw new Error('expected a miss');
      await miss.finish({ status: 200, headers: {}, body: Buffer.from('hot') });
      const spy = vi.spyOn(client, 'metaGet');
      const decisions = await Promise.all(Array.from({ length: 20 }, () => cache.begin(req)));
      const reads = spy.mock.calls.length;
      spy.mockRestore();
      expect(decisions.every((d) => d.action === 'serve')).toBe(true);
      expect(reads).toBe(1);
    });
  });
}
