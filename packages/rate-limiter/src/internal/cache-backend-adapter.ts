import { type CacheBackend, MemcachedProtocolError } from '@memkit/core';
import type { Backend, CasEntry, CasToken, CounterState } from './backend.js';

/**
 * The limiter's {@link Backend} over any core `CacheBackend` (Redis, or a custom one). The
 * operations map one to one, so the algorithms count the same way and stay exact: increment is
 * the backend's atomic create-with-TTL-or-add, GCRA's read-decide-write is its compare-and-set.
 */
export class CacheBackendAdapter implements Backend {
  readonly #backend: CacheBackend;

  constructor(backend: CacheBackend) {
    this.#backend = backend;
  }

  async increment(key: string, delta: number, ttlSeconds: number): Promise<CounterState> {
    const counter = await this.#backend.increment(key, delta, { initial: delta, ttl: ttlSeconds });
    if (counter === null) {
      throw new MemcachedProtocolError(
        `A counter with an initial value was not created: "${key}".`,
      );
    }
    return { value: counter.value, ttlSeconds: counter.ttl };
  }

  async decrement(key: string, delta: number): Promise<void> {
    await this.#backend.decrement(key, delta);
  }

  async readCounter(key: string): Promise<CounterState | null> {
    const item = await this.#backend.get(key);
    if (item === null) return null;
    return { value: Number(item.value.toString('latin1')), ttlSeconds: item.ttl };
  }

  async gets(key: string): Promise<CasEntry | null> {
    const item = await this.#backend.get(key);
    if (item === null) return null;
    return { value: item.value.toString('latin1'), cas: item.cas };
  }

  async add(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const r = await this.#backend.set(key, Buffer.from(value, 'latin1'), ttlSeconds, {
      mode: 'add',
    });
    return r.status === 'stored';
  }

  async cas(key: string, value: string, cas: CasToken, ttlSeconds: number): Promise<boolean> {
    const r = await this.#backend.set(key, Buffer.from(value, 'latin1'), ttlSeconds, {
      cas: String(cas),
    });
    return r.status === 'stored';
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.#backend.delete(key)));
  }
}
