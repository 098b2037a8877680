import type { BackendItem, BackendRecacheItem, CacheBackend } from '@memkit/core';
import { CallBatch } from './call-batch.js';

/** One item as the engine sees it: bytes, remaining TTL and the recache flags. */
export type FetchedItem = BackendRecacheItem;

/** The reply a second identical read would have had: the win goes to one caller only. */
function followerItem(item: FetchedItem | null): FetchedItem | null {
  return item?.won ? { ...item, won: false, alreadyWon: true } : item;
}

const same = <T>(value: T): T => value;

/**
 * The engine's way to storage: core's {@link CacheBackend} (memcached's `mg N R`/`md I` or
 * Redis's scripts: every protocol rule and every TTL's exptime rule live there), with reads
 * batched per event-loop turn. The client writes everything enqueued in one tick as one socket
 * write, so requests arriving in the same loop turn share a syscall; identical reads of one
 * batch share one call (see {@link CallBatch}).
 */
export class EntryStore {
  readonly #backend: CacheBackend;
  readonly #batch = new CallBatch();
  // Options objects per (lockTtl, recacheBelow): a handful of distinct ones, asked for on every hit.
  readonly #fetchOptions = new Map<string, { lockTtl?: number; recacheBelow?: number }>();

  constructor(backend: CacheBackend) {
    this.#backend = backend;
  }

  /**
   * Reads an item with the stampede flags: with `lockTtl`, a miss creates an empty placeholder
   * and hands `won` to exactly one caller across all instances; with `recacheBelow`, the first
   * caller to see less than that many seconds left wins a refresh while others keep reading.
   */
  fetch(
    key: string,
    lockTtl: number | undefined,
    recacheBelow: number | undefined,
  ): Promise<FetchedItem | null> {
    const id = `${lockTtl}:${recacheBelow}`;
    let options = this.#fetchOptions.get(id);
    if (options === undefined) {
      options = Object.freeze({
        ...(lockTtl === undefined ? {} : { lockTtl }),
        ...(recacheBelow === undefined || recacheBelow <= 0 ? {} : { recacheBelow }),
      });
      this.#fetchOptions.set(id, options);
    }
    const o = options;
    return this.#batch.shared(
      `${id} ${key}`,
      () => this.#backend.fetchForRecache(key, o),
      followerItem,
    );
  }

  /** Plain values of `keys` (one batch), misses absent. */
  values(keys: readonly string[]): Promise<Map<string, Buffer>> {
    return this.#batch.shared(`v ${keys.join(' ')}`, () => this.#backend.getMulti(keys), same);
  }

  /** One item with its CAS token and remaining TTL, or null. */
  item(key: string): Promise<BackendItem | null> {
    return this.#backend.get(key);
  }

  /** Stores `value` for `ttl` seconds (0: no expiry); `add` only when absent; `cas` only over that copy. */
  async store(
    key: string,
    value: Buffer,
    ttl: number,
    options: { add?: boolean; cas?: string } = {},
  ): Promise<boolean> {
    const r = await this.#backend.set(key, value, ttl, {
      mode: options.add === true ? 'add' : 'set',
      cas: options.cas,
    });
    return r.status === 'stored';
  }

  /** Deletes `key`; `false` when it did not exist. */
  remove(key: string): Promise<boolean> {
    return this.#backend.delete(key);
  }

  /** Keeps the bytes but marks them stale: the next fetch hands the refresh to one caller. */
  markStale(key: string): Promise<boolean> {
    return this.#backend.markStale(key);
  }
}
