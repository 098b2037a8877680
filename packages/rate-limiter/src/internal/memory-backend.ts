import type { Backend, CasEntry, CasToken, CounterState } from './backend.js';

interface Entry {
  value: string;
  cas: bigint;
  expiresAtMs: number;
}

/**
 * A {@link Backend} in process memory with memcached's semantics (whole-second TTLs, CAS
 * tokens, create-on-increment). Used as the fallback while memcached fails and in unit tests.
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

  async increment(key: string, delta: number, ttlSeconds: number): Promise<CounterState> {
    const entry = this.#live(key);
    if (entry === undefined) {
      this.#write(key, String(delta), ttlSeconds);
      return { value: delta, ttlSeconds };
    }
    const value = Number(entry.value) + delta;
    entry.value = String(value);
    entry.cas = this.#nextCas++;
    return { value, ttlSeconds: this.#ttl(entry) };
  }

  async decrement(key: string, delta: number): Promise<void> {
    const entry = this.#live(key);
    if (entry === undefined) return;
    entry.value = String(Math.max(0, Number(entry.value) - delta));
    entry.cas = this.#nextCas++;
  }

  async readCounter(key: string): Promise<CounterState | null> {
    const entry = this.#live(key);
    return entry === undefined
      ? null
      : { value: Number(entry.value), ttlSeconds: this.#ttl(entry) };
  }

  async gets(key: string): Promise<CasEntry | null> {
    const entry = this.#live(key);
    return entry === undefined ? null : { value: entry.value, cas: entry.cas };
  }

  async add(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return false;
    this.#write(key, value, ttlSeconds);
    return true;
  }

  async cas(key: string, value: string, cas: CasToken, ttlSeconds: number): Promise<boolean> {
    const entry = this.#live(key);
    if (entry === undefined || entry.cas !== cas) return false;
    this.#write(key, value, ttlSeconds);
    return true;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #write(key: string, value: string, ttlSeconds: number): void {
    // Re-inserting moves the key to the end, so Map order is least recently written first.
    this.#entries.delete(key);
    this.#entries.set(key, {
      value,
      cas: this.#nextCas++,
      expiresAtMs: this.#now() + ttlSeconds * 1000,
    });
    if (this.#entries.size > this.#maxKeys) this.#evict();
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
    return Math.max(0, Math.ceil((entry.expiresAtMs - this.#now()) / 1000));
  }
}
