import type { ServerClock } from './clock.js';
import { ITEM_UPDATE_INTERVAL } from './clock.js';
import { type Item, itemTotalSize } from './item.js';
import { type SlabClass, slabClassFor } from './slabs.js';
import type { ServerStats } from './stats.js';

/** How a storage command treats an existing item (memcached's NREAD_* modes). */
export type StoreMode = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

/** Outcome of {@link Store.store}, named as the text protocol replies. */
export type StoreResult = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND';

/** What the store needs from the server. */
export interface StoreOptions {
  limitBytes: number;
  readonly maxItemSize: number;
  readonly casEnabled: boolean;
  readonly clock: ServerClock;
  readonly stats: ServerStats;
  readonly slabClasses: readonly SlabClass[];
}

/**
 * The item table: a `Map` keyed by latin1 key whose insertion order is the LRU (oldest first;
 * a bump is delete + set), memory accounted as memcached's ITEM_ntotal, lazy expiry and
 * `flush_all` on read, and the CAS counter. Everything is synchronous: one Node thread means
 * every command is atomic, like memcached's per-item locks.
 */
export class Store {
  private readonly items = new Map<string, Item>();
  private casCounter = 0;
  /** memcached's settings.oldest_live / oldest_cas: items older are flushed. */
  private oldestLive = 0;
  private oldestCas = 0;
  limitBytes: number;
  readonly maxItemSize: number;
  readonly casEnabled: boolean;
  private readonly clock: ServerClock;
  private readonly stats: ServerStats;
  private readonly slabClasses: readonly SlabClass[];

  constructor(options: StoreOptions) {
    this.limitBytes = options.limitBytes;
    this.maxItemSize = options.maxItemSize;
    this.casEnabled = options.casEnabled;
    this.clock = options.clock;
    this.stats = options.stats;
    this.slabClasses = options.slabClasses;
  }

  /** Number of linked items (some may be expired but not yet reclaimed). */
  get count(): number {
    return this.items.size;
  }

  /** A fresh CAS unique (memcached's get_cas_id), or 0 when CAS is disabled. */
  nextCas(): number {
    return this.casEnabled ? ++this.casCounter : 0;
  }

  /** Whether an item is dead by expiry or by flush_all at the current time. */
  isDead(item: Item, now: number = this.clock.now()): boolean {
    return this.isFlushed(item, now) || (item.exptime !== 0 && item.exptime <= now);
  }

  private isFlushed(item: Item, now: number): boolean {
    const oldest = this.oldestLive;
    if (oldest === 0 || oldest > now) return false;
    return (
      item.time <= oldest || (this.oldestCas !== 0 && item.cas !== 0 && item.cas < this.oldestCas)
    );
  }

  /**
   * memcached's do_item_get: the live item or undefined. A dead one is unlinked on the way,
   * counted in get_flushed / get_expired. With `update`, the hit marks it fetched and bumps it.
   */
  get(key: string, update: boolean): Item | undefined {
    const item = this.items.get(key);
    if (item === undefined) return undefined;
    const now = this.clock.now();
    if (this.isFlushed(item, now)) {
      this.unlink(item);
      this.stats.getFlushed++;
      return undefined;
    }
    if (item.exptime !== 0 && item.exptime <= now) {
      this.unlink(item);
      this.stats.getExpired++;
      return undefined;
    }
    if (update) this.bump(item, now);
    return item;
  }

  /** The item without expiry checks or side effects (for tests and `me`). */
  peek(key: string): Item | undefined {
    return this.items.get(key);
  }

  /**
   * memcached's do_item_bump with the segmented LRU: the first hit marks the item fetched,
   * the second makes it active; an active item's later hits refresh `time` and its LRU place.
   */
  bump(item: Item, now: number = this.clock.now()): void {
    if (!item.fetched) {
      item.fetched = true;
      return;
    }
    if (!item.active) {
      item.active = true;
      item.time = now;
      this.moveToHead(item);
      return;
    }
    this.touchTime(item, now);
  }

  /** memcached's do_item_update: refresh `time` and LRU place at most once a minute. */
  touchTime(item: Item, now: number = this.clock.now()): void {
    if (item.time < now - ITEM_UPDATE_INTERVAL) {
      item.time = now;
      this.moveToHead(item);
    }
  }

  private moveToHead(item: Item): void {
    this.items.delete(item.key);
    this.items.set(item.key, item);
  }

  /** Builds an unlinked item; `exptime` is already on the server clock. */
  create(key: string, flags: number, exptime: number, value: Buffer): Item {
    const size = itemTotalSize(key.length, flags, value.length, this.casEnabled);
    return {
      key,
      value,
      flags: flags >>> 0,
      exptime,
      cas: 0,
      time: this.clock.now(),
      fetched: false,
      active: false,
      tokenSent: false,
      stale: false,
      size,
      slabClass: slabClassFor(this.slabClasses, size),
      keyBinary: false,
    };
  }

  /** Slab class an item of these sizes falls in. */
  classFor(keyLength: number, flags: number, valueLength: number): number {
    return slabClassFor(
      this.slabClasses,
      itemTotalSize(keyLength, flags, valueLength, this.casEnabled),
    );
  }

  /**
   * Accounts the slab page memcached allocates when a storage command reserves its item
   * (before the data is read, so even a later bad data chunk leaves the page in `stats slabs`).
   */
  reserve(keyLength: number, flags: number, valueLength: number): void {
    const id = this.classFor(keyLength, flags, valueLength);
    const slab = this.stats.slabs[id]!;
    const needPages = Math.ceil((slab.number + 1) / this.slabClasses[id - 1]!.perPage);
    if (needPages > slab.pages) slab.pages = needPages;
  }

  /** Whether a value of this length may be stored at all (memcached's item_size_max). */
  fits(keyLength: number, flags: number, valueLength: number): boolean {
    return itemTotalSize(keyLength, flags, valueLength, this.casEnabled) <= this.maxItemSize;
  }

  /** Links `item`, replacing any item under its key, with a new CAS; evicts to make room. */
  link(item: Item): void {
    const old = this.items.get(item.key);
    if (old !== undefined) this.unlink(old);
    this.makeRoom(item.size);
    item.cas = this.nextCas();
    item.time = this.clock.now();
    this.items.set(item.key, item);
    const s = this.stats;
    s.currItems++;
    s.totalItems++;
    s.bytes += item.size;
    const slab = s.slabs[item.slabClass]!;
    slab.number++;
    slab.memRequested += item.size;
    const needPages = Math.ceil(slab.number / this.slabClasses[item.slabClass - 1]!.perPage);
    if (needPages > slab.pages) slab.pages = needPages;
  }

  /** Removes `item` if it is the one linked under its key. */
  unlink(item: Item): void {
    if (this.items.get(item.key) !== item) return;
    this.items.delete(item.key);
    const s = this.stats;
    s.currItems--;
    s.bytes -= item.size;
    const slab = s.slabs[item.slabClass]!;
    slab.number--;
    slab.memRequested -= item.size;
  }

  /**
   * Replaces an item's value in place of the old one (incr/decr), keeping flags and exptime,
   * with a new CAS, as memcached's do_add_delta does when it must reallocate.
   */
  replaceValue(old: Item, value: Buffer): Item {
    // (H2) memcached's realloc gives a fresh item: `me` shows fetch=no after `incr` grows a
    // value that was read before (checked against 1.6.18), so fetched/active are not copied.
    const item = this.create(old.key, old.flags, old.exptime, value);
    this.link(item);
    return item;
  }

  /** Evicts from the LRU tail until `size` more bytes fit; dead items are reclaimed first. */
  private makeRoom(size: number): void {
    const s = this.stats;
    if (s.bytes + size <= this.limitBytes) return;
    const now = this.clock.now();
    for (const item of this.items.values()) {
      if (s.bytes + size <= this.limitBytes) return;
      const slab = s.slabs[item.slabClass]!;
      if (this.isDead(item, now)) {
        s.reclaimed++;
        slab.reclaimed++;
        if (!item.fetched) {
          s.expiredUnfetched++;
          slab.expiredUnfetched++;
        }
      } else {
        s.evictions++;
        slab.evicted++;
        if (item.exptime !== 0) slab.evictedNonzero++;
        slab.evictedTime = now - item.time;
        if (!item.fetched) {
          s.evictedUnfetched++;
          slab.evictedUnfetched++;
        }
        if (item.active) {
          s.evictedActive++;
          slab.evictedActive++;
        }
      }
      this.unlink(item);
    }
  }

  /**
   * memcached's do_store_item: applies a storage command to `item` (its `cas` field holds the
   * CAS the client sent, 0 for none). On STORED, `item.cas` (or the returned item's, for
   * append/prepend) is the new unique. `allowStale` is ms's `I` flag (CAS_STALE).
   */
  store(item: Item, mode: StoreMode, allowStale = false): { result: StoreResult; item: Item } {
    const old = this.get(item.key, false);
    const s = this.stats;
    if (old === undefined) {
      if (mode === 'set' || mode === 'add') {
        this.link(item);
        return { result: 'STORED', item };
      }
      if (mode === 'cas') {
        s.casMisses++;
        return { result: 'NOT_FOUND', item };
      }
      return { result: 'NOT_STORED', item };
    }
    const inCas = item.cas;
    const casMatch = inCas !== 0 && inCas === old.cas;
    const casStale = inCas !== 0 && !casMatch && allowStale && inCas < old.cas;
    switch (mode) {
      case 'add':
        this.touchTime(old);
        return { result: 'NOT_STORED', item };
      case 'cas':
        if (casMatch || casStale) {
          s.slabs[old.slabClass]!.casHits++;
          if (casStale) {
            item.exptime = old.exptime;
            item.stale = true;
            item.tokenSent = old.tokenSent;
          }
          this.link(item);
          return { result: 'STORED', item };
        }
        s.slabs[old.slabClass]!.casBadval++;
        return { result: 'EXISTS', item };
      case 'append':
      case 'prepend': {
        if (inCas !== 0 && !casMatch) return { result: 'EXISTS', item };
        const length = old.value.length + item.value.length;
        if (!this.fits(old.key.length, old.flags, length)) return { result: 'NOT_STORED', item };
        const value =
          mode === 'append'
            ? Buffer.concat([old.value, item.value], length)
            : Buffer.concat([item.value, old.value], length);
        const merged = this.create(old.key, old.flags, old.exptime, value);
        // (H2) memcached 1.6.18 allocates the merged item without ITEM_KEY_BINARY, so `me`/`k`
        // show the raw key after an append/prepend even when the key was set with `b`.
        this.link(merged);
        return { result: 'STORED', item: merged };
      }
      default:
        this.link(item);
        return { result: 'STORED', item };
    }
  }

  /**
   * flush_all: `oldestLive` is realtime(delay), or now without a delay; items last accessed
   * before it are dead once the clock reaches it. With CAS on, memcached also kills everything below the current CAS so
   * items stored in the same second as an immediate flush go too.
   */
  flush(oldestLive: number): void {
    const now = this.clock.now();
    if (this.casEnabled) {
      this.oldestLive = oldestLive - 1;
      if (this.oldestLive <= now) this.oldestCas = this.nextCas();
    } else {
      this.oldestLive = oldestLive;
    }
  }

  /** cache_memlimit: a new limit in bytes; a lower one is enforced as items are stored. */
  setLimit(bytes: number): void {
    this.limitBytes = bytes;
  }

  /** Unlinks every expired or flushed item (what memcached's LRU crawler does). */
  reclaimDead(): void {
    const now = this.clock.now();
    for (const item of this.items.values()) {
      if (!this.isDead(item, now)) continue;
      this.stats.reclaimed++;
      this.stats.slabs[item.slabClass]!.reclaimed++;
      if (!item.fetched) {
        this.stats.expiredUnfetched++;
        this.stats.slabs[item.slabClass]!.expiredUnfetched++;
      }
      this.unlink(item);
    }
  }

  /** All linked items, oldest first (stats, crawlers, tests). */
  values(): IterableIterator<Item> {
    return this.items.values();
  }
}
