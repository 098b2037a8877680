import type { Algorithm, Backend, Verdict } from './algorithm.js';

interface Pending {
  cost: number;
  resolve(verdict: Verdict): void;
  reject(error: unknown): void;
}

/** Gives up a CAS loop that keeps losing, rather than spinning forever under contention. */
const MAX_CAS_ATTEMPTS = 64;

/**
 * GCRA (the generic cell rate algorithm, as in redis-cell): one stored number, the theoretical
 * arrival time (TAT) of the next unit. Units are spaced `windowSeconds / limit` apart and up to
 * `burst` may arrive at once. Read-decide-write goes through CAS, retried on a lost race, so it
 * is exact across processes. Within a process, concurrent requests for one key are decided
 * together in one read and one CAS: n callers would otherwise make O(n²) attempts.
 */
export class Gcra implements Algorithm {
  readonly #limit: number;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #now: () => number;
  // Requests waiting for a key's next read-decide-CAS round, per backend (memcached, fallback).
  readonly #queues = new WeakMap<Backend, Map<string, Pending[]>>();

  constructor(limit: number, windowSeconds: number, burst: number, now: () => number) {
    this.#limit = limit;
    this.#intervalMs = (windowSeconds * 1000) / limit;
    this.#toleranceMs = this.#intervalMs * burst;
    this.#now = now;
  }

  consume(backend: Backend, key: string, cost: number): Promise<Verdict> {
    return new Promise<Verdict>((resolve, reject) => {
      let queues = this.#queues.get(backend);
      if (queues === undefined) {
        queues = new Map();
        this.#queues.set(backend, queues);
      }
      const waiting = queues.get(key);
      if (waiting !== undefined) {
        waiting.push({ cost, resolve, reject });
        return;
      }
      queues.set(key, [{ cost, resolve, reject }]);
      void this.#drain(queues, backend, key);
    });
  }

  async peek(backend: Backend, key: string): Promise<Verdict> {
    const entry = await backend.get(key);
    const now = this.#now();
    const tat = Math.max(entry === null ? 0 : Number(entry.value.toString('latin1')), now);
    const next = tat + this.#intervalMs;
    const allowed = next - now <= this.#toleranceMs;
    return this.#verdict(allowed, tat, now, next);
  }

  async refund(backend: Backend, key: string, cost: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await backend.get(key);
      if (entry === null) return;
      const now = this.#now();
      const tat = Math.max(now, Number(entry.value.toString('latin1')) - cost * this.#intervalMs);
      const ttl = this.#ttlSeconds(tat, now);
      const r = await backend.set(key, String(tat), ttl, { cas: entry.cas });
      if (r.status === 'stored') return;
    }
  }

  storageKeys(key: string): string[] {
    return [key];
  }

  async #drain(queues: Map<string, Pending[]>, backend: Backend, key: string): Promise<void> {
    for (;;) {
      const batch = queues.get(key);
      if (batch === undefined || batch.length === 0) {
        queues.delete(key);
        return;
      }
      // Later arrivals queue behind this round and are decided in the next one.
      queues.set(key, []);
      try {
        await this.#decide(backend, key, batch);
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }

  async #decide(backend: Backend, key: string, batch: Pending[]): Promise<void> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await backend.get(key);
      const now = this.#now();
      const stored = entry === null ? 0 : Number(entry.value.toString('latin1'));
      let tat = Math.max(Number.isFinite(stored) ? stored : 0, now);
      const verdicts: Verdict[] = [];
      let changed = false;
      for (const p of batch) {
        const next = tat + p.cost * this.#intervalMs;
        const allowed = next - now <= this.#toleranceMs;
        if (allowed) {
          tat = next;
          changed = true;
        }
        verdicts.push(this.#verdict(allowed, tat, now, next));
      }
      let written = !changed;
      if (changed) {
        const ttl = this.#ttlSeconds(tat, now);
        const r = await backend.set(
          key,
          String(tat),
          ttl,
          entry === null ? { mode: 'add' } : { cas: entry.cas },
        );
        written = r.status === 'stored';
      }
      if (written) {
        for (const [i, p] of batch.entries()) p.resolve(verdicts[i]!);
        return;
      }
    }
    throw new Error(`GCRA: gave up after ${MAX_CAS_ATTEMPTS} lost CAS races on one key`);
  }

  #verdict(allowed: boolean, tat: number, now: number, next: number): Verdict {
    const remaining = Math.floor((this.#toleranceMs - (tat - now)) / this.#intervalMs);
    return {
      allowed,
      limit: this.#limit,
      remaining: Math.max(0, Math.min(this.#limit, remaining)),
      resetSeconds: Math.max(1, Math.ceil((tat - now) / 1000)),
      retryAfterSeconds: allowed
        ? 0
        : Math.max(1, Math.ceil((next - this.#toleranceMs - now) / 1000)),
      degraded: false,
    };
  }

  /** The TAT is worthless once it is in the past, so the key expires then (plus a second). */
  #ttlSeconds(tat: number, now: number): number {
    return Math.max(1, Math.ceil((tat - now) / 1000) + 1);
  }
}
