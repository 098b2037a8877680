import type { CacheBackend, MemcachedClient, MetaResult } from '@memkit/core';
import { CallBatch } from './call-batch.js';

/** One item as the engine sees it: bytes, remaining TTL and the recache flags. */
export interface FetchedItem {
  value: Buffer;
  /** Remaining TTL in seconds (memcached's clock; -1 = never expires). */
  ttl: number;
  /** `W`: this caller won the right to regenerate. */
  won: boolean;
  /** `Z`: another caller already won it. */
  alreadyWon: boolean;
  /** `X`: marked stale by an invalidation (`md ... I`). */
  stale: boolean;
}

/** Longest relative TTL memcached accepts; beyond it a number is read as a Unix time. */
const MAX_RELATIVE_TTL = 60 * 60 * 24 * 30;

function ttlFlag(ttl: number): string {
  return `T${Math.min(Math.max(1, Math.floor(ttl)), MAX_RELATIVE_TTL)}`;
}

const VALUE_ONLY: readonly string[] = Object.freeze(['v']);

function toItem(r: MetaResult): FetchedItem | null {
  if (r.status !== 'VA' || r.value === undefined) return null;
  const t = Number(r.flags.t ?? '-1');
  return {
    value: r.value,
    ttl: Number.isFinite(t) ? t : -1,
    won: 'W' in r.flags,
    alreadyWon: 'Z' in r.flags,
    stale: 'X' in r.flags,
  };
}

/** {@link asFollower} for a parsed item. */
function followerItem(item: FetchedItem | null): FetchedItem | null {
  return item?.won ? { ...item, won: false, alreadyWon: true } : item;
}

/**
 * The reply a second identical `mg` would have had: memcached hands the win (`W`) to one caller
 * only and tells the next ones it is taken (`Z`).
 */
function asFollower(r: MetaResult): MetaResult {
  if (!('W' in r.flags)) return r;
  const { W: _won, ...flags } = r.flags;
  return { ...r, flags: { ...flags, Z: '' } };
}

/** The handful of storage operations the engine needs (see {@link MetaStore} for their meaning). */
export interface EntryStore {
  fetch(
    key: string,
    lockTtl: number | undefined,
    recacheBelow: number | undefined,
  ): Promise<FetchedItem | null>;
  values(keys: readonly string[]): Promise<Map<string, Buffer>>;
  store(key: string, value: Buffer, ttl: number, add?: boolean): Promise<boolean>;
  remove(key: string): Promise<boolean>;
  markStale(key: string): Promise<boolean>;
}

/**
 * The handful of memcached operations the engine needs, all on the client's raw-bytes meta API,
 * so stored bytes never pass through the client's serializer (whatever the caller configured).
 */
export class MetaStore implements EntryStore {
  readonly #client: MemcachedClient;
  // Reads are batched per loop turn (one socket write for all of them); writes are rare and go
  // out at once.
  readonly #batch = new CallBatch();
  // Flag lists per (lockTtl, recacheBelow): a handful of distinct ones, asked for on every hit.
  readonly #fetchFlags = new Map<string, readonly string[]>();

  constructor(client: MemcachedClient) {
    this.#client = client;
  }

  /** `mg`, batched; identical ones of one batch share a reply (see {@link CallBatch}). */
  #get(key: string, flags: readonly string[], flagsId: string): Promise<MetaResult> {
    return this.#batch.shared(
      `${flagsId} ${key}`,
      () => this.#client.metaGet(key, flags),
      asFollower,
    );
  }

  /**
   * `mg <key> v t [N<lockTtl>] [R<recacheBelow>]`: with `lockTtl`, a miss creates an empty stub
   * and hands `W` to exactly one caller across all instances; with `recacheBelow`, the first
   * caller to see less than that many seconds left wins a refresh while others keep reading.
   */
  fetch(
    key: string,
    lockTtl: number | undefined,
    recacheBelow: number | undefined,
  ): Promise<FetchedItem | null> {
    const id = `${lockTtl}:${recacheBelow}`;
    let flags = this.#fetchFlags.get(id);
    if (flags === undefined) {
      const list = ['v', 't'];
      if (lockTtl !== undefined) list.push(ttlFlag(lockTtl).replace('T', 'N'));
      if (recacheBelow !== undefined && recacheBelow > 0) list.push(`R${recacheBelow}`);
      flags = Object.freeze(list);
      this.#fetchFlags.set(id, flags);
    }
    // Shared as parsed items: the callers sharing a read (most hits under load) get the same
    // object, no reparse.
    return this.#batch.shared(
      `${id} ${key}`,
      () => this.#client.metaGet(key, flags).then(toItem),
      followerItem,
    );
  }

  /** Plain values of `keys` (pipelined), misses absent. */
  async values(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const replies = await Promise.all(keys.map((k) => this.#get(k, VALUE_ONLY, 'v')));
    replies.forEach((r, i) => {
      const key = keys[i];
      if (key !== undefined && r.status === 'VA' && r.value !== undefined) out.set(key, r.value);
    });
    return out;
  }

  /** Stores `value` for `ttl` seconds; `add` only when the key is absent. */
  async store(key: string, value: Buffer, ttl: number, add = false): Promise<boolean> {
    const flags = ttl === 0 ? ['T0'] : [ttlFlag(ttl)];
    if (add) flags.push('ME');
    const r = await this.#client.metaSet(key, value, flags);
    return r.status === 'HD';
  }

  /** Deletes `key`; `false` when it did not exist. */
  async remove(key: string): Promise<boolean> {
    const r = await this.#client.metaDelete(key);
    return r.status === 'HD';
  }

  /**
   * `md <key> I`: keeps the bytes but marks them stale, so the next `mg` hands `W` to one caller
   * (who regenerates) and `X`+`Z` to the others (who may use the stale copy on error).
   */
  async markStale(key: string): Promise<boolean> {
    const r = await this.#client.metaDelete(key, ['I']);
    return r.status === 'HD';
  }
}

/**
 * The same operations on any core `CacheBackend` (Redis, or a custom one): its stampede
 * primitives (`fetchForRecache`, `markStale`) are memcached's `mg N R` and `md I` in its terms.
 */
export class BackendStore implements EntryStore {
  readonly #backend: CacheBackend;

  constructor(backend: CacheBackend) {
    this.#backend = backend;
  }

  async fetch(
    key: string,
    lockTtl: number | undefined,
    recacheBelow: number | undefined,
  ): Promise<FetchedItem | null> {
    const item = await this.#backend.fetchForRecache(key, {
      lockTtl: lockTtl === undefined ? undefined : clamp(lockTtl),
      recacheBelow,
    });
    return item === null ? null : { ...item };
  }

  values(keys: readonly string[]): Promise<Map<string, Buffer>> {
    return this.#backend.getMulti(keys);
  }

  async store(key: string, value: Buffer, ttl: number, add = false): Promise<boolean> {
    const r = await this.#backend.set(key, value, ttl === 0 ? 0 : clamp(ttl), {
      mode: add ? 'add' : 'set',
    });
    return r.status === 'stored';
  }

  remove(key: string): Promise<boolean> {
    return this.#backend.delete(key);
  }

  markStale(key: string): Promise<boolean> {
    return this.#backend.markStale(key);
  }
}

function clamp(ttl: number): number {
  return Math.min(Math.max(1, Math.floor(ttl)), MAX_RELATIVE_TTL);
}
