import type {
  BackendCounter,
  BackendIncrementOptions,
  BackendItem,
  BackendSetOptions,
  BackendWriteResult,
} from '@memkit/core';
import type { Backend } from './algorithm.js';

interface Entry {
  value: Buffer;
  cas: bigint;
  /** `Infinity` for a TTL of 0 (never expires). */
  expiresAtMs: number;
}

/**
 * The counting operations of core's `CacheBackend` in process memory, with memcached's
 * semantics (whole-second TTLs, 0 = never, negative = expired, CAS tokens, create-on-increment).
 * The fallback while the shared backend fails, so the app stays protected in the meantime.
 * Bounded: past `maxKeys` the oldest keys are evicted, as memcached's LRU would.
 */
export class MemoryBackend implements Backend {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #maxKeys: number;
  #nextCas = 1n;
  #lastSweepMs = Number.NEGATIVE_INFINITY;

  constructor(now: () => number, maxKeys = 10_000) {
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /** Number of live keys, for tests and bounds checks. */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<BackendItem | null> {
    const entry = this.#live(key);
    return entry === undefined
      ? null
      : { value: entry.value, cas: String(entry.cas), ttl: this.#ttl(entry) };
  }

  async set(
    key: string,
    value: string | Buffer,
    ttl: number,
    options: BackendSetOptions = {},
  ): Promise<BackendWriteResult> {
    const entry = this.#live(key);
    if (options.mode === 'add' && entry !== undefined)
      return { status: 'not_stored', cas: undefined };
    if (options.cas !== undefined) {
      if (entry === undefined) return { status: 'not_found', cas: undefined };
      if (String(entry.cas) !== options.cas) return { status: 'exists', cas: undefined };
    }
    const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
    return { status: 'stored', cas: String(this.#write(key, bytes, ttl).cas) };
  }

  async increment(
    key: string,
    delta: number,
    options: BackendIncrementOptions = {},
  ): Promise<BackendCounter | null> {
    const entry = this.#live(key);
    if (entry === undefined) {
      if (options.initial === undefined) return null;
      const created = this.#write(key, Buffer.from(String(options.initial)), options.ttl ?? 0);
      return { value: options.initial, ttl: this.#ttl(created) };
    }
    const value = Number(entry.value.toString('latin1')) + delta;
    entry.value = Buffer.from(String(value));
    entry.cas = this.#nextCas++;
    return { value, ttl: this.#ttl(entry) };
  }

  async decrement(key: string, delta: number): Promise<number | null> {
    const entry = this.#live(key);
    if (entry === undefined) return null;
    const value = Math.max(0, Number(entry.value.toString('latin1')) - delta);
    entry.value = Buffer.from(String(value));
    entry.cas = this.#nextCas++;
    return value;
  }

  async delete(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #write(key: string, value: Buffer, ttlSeconds: number): Entry {
    // Re-inserting moves the key to the end, so Map order is least recently written first.
    this.#entries.delete(key);
    const entry: Entry = {
      value,
      cas: this.#nextCas++,
      expiresAtMs:
        ttlSeconds === 0
          ? Number.POSITIVE_INFINITY
          : ttlSeconds < 0
            ? Number.NEGATIVE_INFINITY
            : this.#now() + ttlSeconds * 1000,
    };
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxKeys) this.#evict();
    return entry;
  }

  #evict(): void {
    const now = this.#now();
    // A full sweep at most once a second keeps a full map from costing O(n) per write.
    if (now - this.#lastSweepMs >= 1000) {
      this.#lastSweepMs = now;
      for (const [key, entry] of this.#entries) {
        if (entry.expiresAtMs <= now) this.#entries.delete(key);
      }
    }
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxKeys) break;
      this.#entries.delete(key);
    }
  }

  #ttl(entry: Entry): number {
    if (entry.expiresAtMs === Number.POSITIVE_INFINITY) return -1;
    return Math.max(0, Math.ceil((entry.expiresAtMs - this.#now()) / 1000));
  }
}
