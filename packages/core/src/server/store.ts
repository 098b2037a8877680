import type { ServerClock } from './clock.js';
import { ITEM_UPDATE_INTERVAL } from './clock.js';
import { type Item, itemCharge, itemTotalSize } from './item.js';
import { LRU_COLD, LRU_HOT, LRU_NONE, LRU_WARM, LruLists } from './lru.js';
import { LruMaintainer } from './lru-maintainer.js';
import { type SlabClass, slabClassFor } from './slabs.js';
import type { ServerStats } from './stats.js';
import type { Tunables } from './tunables.js';

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
  /** `lru` / `lru_crawler` settings: segment sizes and ages, flat or segmented mode. */
  readonly tunables: Tunables;
}

/**
 * The item table: a `Map` from latin1 key to item for lookups, and memcached 1.6's segmented
 * LRU per slab class (HOT/WARM/COLD, lru.ts) for eviction, so a full cache evicts in O(1) per
 * item. What memcached's LRU maintainer thread does in the background (keeping HOT and WARM
 * within their share, rescuing active items from the tails, reclaiming dead tails; see
 * lru-maintainer.ts) runs after each link on the linked item's class and on the server's
 * timer; its crawler is {@link crawl}, driven by the same timer. Memory is charged per item as what the
 * process spends on it (itemCharge), against `limitBytes`, including values still being read.
 * Expiry and `flush_all` are lazy on read, as in memcached. Everything is synchronous: one
 * Node thread means every command is atomic, like memcached's per-item locks.
 */
export class Store {
  private readonly items = new Map<string, Item>();
  private readonly lru: LruLists;
  private readonly maintainer: LruMaintainer;
  /** Bytes charged by linked items plus those reserved for values being read. */
  private spent = 0;
  /** Iterator of the crawl in progress (Map iterators survive deletions). */
  private crawler: Iterator<Item> | undefined;
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
  private readonly tunables: Tunables;

  constructor(options: StoreOptions) {
    this.lru = new LruLists(options.slabClasses.length);
    this.tunables = options.tunables;
    this.maintainer = new LruMaintainer({
      lru: this.lru,
      stats: options.stats,
      tunables: options.tunables,
      clock: options.clock,
      classCount: options.slabClasses.length,
      isDead: (item, now) => this.isDead(item, now),
      unlink: (item) => this.unlink(item),
    });
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
    if (update) {
      const slab = this.stats.slabs[item.slabClass]!;
      if (item.lru === LRU_HOT) slab.hitsToHot++;
      else if (item.lru === LRU_WARM) slab.hitsToWarm++;
      else slab.hitsToCold++;
      this.bump(item, now);
    }
    return item;
  }

  /** The item without expiry checks or side effects (for tests and `me`). */
  peek(key: string): Item | undefined {
    return this.items.get(key);
  }

  /**
   * memcached's do_item_bump (segmented): the first hit marks the item fetched, the second
   * makes it active; an active item in COLD goes to WARM at once (memcached's async bump).
   * Active items stay where they are until the juggle sees them at a tail.
   */
  bump(item: Item, now: number = this.clock.now()): void {
    if (!this.tunables.lruSegmented) {
      item.fetched = true;
      this.touchTime(item, now);
      return;
    }
    if (item.active) return;
    if (!item.fetched) {
      item.fetched = true;
      return;
    }
    item.active = true;
    if (item.lru !== LRU_COLD) item.time = now;
    else this.touchTime(item, now);
  }

  /**
   * memcached's do_item_update (add on an existing item, incr/decr, touch): an active item in
   * COLD moves to WARM; `time` is refreshed at most once a minute (ITEM_UPDATE_INTERVAL).
   */
  touchTime(item: Item, now: number = this.clock.now()): void {
    if (item.lru === LRU_NONE) return;
    if (this.tunables.lruSegmented) {
      if (item.lru === LRU_COLD && item.active) {
        item.time = now;
        item.active = false;
        this.lru.move(item, LRU_WARM);
        return;
      }
      if (item.time < now - ITEM_UPDATE_INTERVAL) item.time = now;
      return;
    }
    if (item.time < now - ITEM_UPDATE_INTERVAL) {
      item.time = now;
      this.lru.move(item, LRU_COLD);
    }
  }

  /** Builds an unlinked item; `exptime` is already on the server clock. */
  create(key: string, flags: number, exptime: number, value: Buffer): Item {
    const size = itemTotalSize(key.length, flags, value.length, this.casEnabled);
    const slabClass = slabClassFor(this.slabClasses, size);
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
      slabClass,
      keyBinary: false,
      charge: itemCharge(size, this.slabClasses[slabClass - 1]!.chunkSize),
      lru: LRU_NONE,
      prev: undefined,
      next: undefined,
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

  /**
   * Room for a value about to be read (memcached allocates the item before reading its data):
   * evicts as needed and reserves `charge` bytes until {@link releasePending}. False when the
   * room cannot be made (memcached's `SERVER_ERROR out of memory storing object`).
   */
  reservePending(keyLength: number, flags: number, valueLength: number): number | undefined {
    const size = itemTotalSize(keyLength, flags, valueLength, this.casEnabled);
    const cls = slabClassFor(this.slabClasses, size);
    const charge = itemCharge(size, this.slabClasses[cls - 1]!.chunkSize);
    if (!this.makeRoom(charge, cls)) {
      this.stats.slabs[cls]!.outOfMemory++;
      return undefined;
    }
    this.spent += charge;
    return charge;
  }

  /** Gives back what {@link reservePending} reserved (the value was read, or abandoned). */
  releasePending(charge: number): void {
    this.spent -= charge;
  }

  /** Links `item`, replacing any item under its key, with a new CAS; evicts to make room. */
  link(item: Item): void {
    const old = this.items.get(item.key);
    if (old !== undefined) this.unlink(old);
    // Room was normally reserved before the value was read; a merge (append, incr) may need
    // more. If nothing can be evicted the item is linked anyway: memcached's allocation
    // happened earlier and does not fail at link time either.
    this.makeRoom(item.charge, item.slabClass);
    item.cas = this.nextCas();
    item.time = this.clock.now();
    this.items.set(item.key, item);
    this.spent += item.charge;
    this.lru.linkHead(item, this.tunables.lruSegmented ? LRU_HOT : LRU_COLD);
    const s = this.stats;
    s.currItems++;
    s.totalItems++;
    s.bytes += item.size;
    const slab = s.slabs[item.slabClass]!;
    slab.number++;
    slab.memRequested += item.size;
    const needPages = Math.ceil(slab.number / this.slabClasses[item.slabClass - 1]!.perPage);
    if (needPages > slab.pages) slab.pages = needPages;
    if (this.tunables.lruSegmented) this.maintainer.juggle(item.slabClass);
  }

  /** Removes `item` if it is the one linked under its key. */
  unlink(item: Item): void {
    if (this.items.get(item.key) !== item) return;
    this.items.delete(item.key);
    this.lru.unlink(item);
    this.spent -= item.charge;
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

  /**
   * Until `charge` more bytes fit, the LRU gives up items (see LruMaintainer.evictFor). False
   * when nothing is left to evict.
   */
  private makeRoom(charge: number, cls: number): boolean {
    if (this.spent + charge <= this.limitBytes) return true;
    return this.maintainer.evictFor(cls, () => this.spent + charge > this.limitBytes);
  }

  /**
   * What memcached's LRU maintainer thread does on its own clock: every class is juggled, so
   * items that aged in HOT and WARM move down even when nothing new is stored.
   */
  maintain(): void {
    this.maintainer.maintain();
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

  /** memcached's settings.oldest_live as `stats settings` shows it (`oldest`). */
  get oldestLiveSetting(): number {
    return this.oldestLive;
  }

  /** cache_memlimit: a new limit in bytes; a lower one is enforced as items are stored. */
  setLimit(bytes: number): void {
    this.limitBytes = bytes;
  }

  /** Bytes charged against the limit now (linked items and values being read). */
  get chargedBytes(): number {
    return this.spent;
  }

  /**
   * memcached's LRU crawler (crawler_expired_eval): looks at up to `budget` items, resuming
   * where the last call stopped, and unlinks expired and flushed ones, counted in
   * crawler_reclaimed (and expired_unfetched for expired items never read). Returns true when
   * a full pass over the items ended.
   */
  crawl(budget: number, only?: ReadonlySet<number>): boolean {
    const s = this.stats;
    if (this.crawler === undefined) {
      this.crawler = this.items.values();
      s.lruCrawlerStarts++;
    }
    const it = this.crawler;
    const now = this.clock.now();
    for (let i = 0; i < budget; i++) {
      const next = it.next();
      if (next.done === true) {
        this.crawler = undefined;
        return true;
      }
      const item = next.value;
      if (only !== undefined && !only.has(item.slabClass)) continue;
      const slab = s.slabs[item.slabClass]!;
      slab.crawlerItemsChecked++;
      if (!this.isDead(item, now)) continue;
      slab.crawlerReclaimed++;
      if (!item.fetched && !this.isFlushed(item, now)) {
        s.expiredUnfetched++;
        slab.expiredUnfetched++;
      }
      this.unlink(item);
    }
    return false;
  }

  /**
   * A whole crawl now (`lru_crawler crawl`): every expired or flushed item (of the `only`
   * classes, or all) is reclaimed.
   */
  reclaimDead(only?: ReadonlySet<number>): void {
    this.crawler = undefined;
    this.crawl(Number.POSITIVE_INFINITY, only);
  }

  /** All linked items, in no particular order (stats, metadump, tests). */
  values(): IterableIterator<Item> {
    return this.items.values();
  }

  /** A class's items in one segment, newest first (`stats cachedump` reads COLD). */
  *segment(slabClass: number, segment: number): Generator<Item> {
    for (let it = this.lru.head(slabClass, segment); it !== undefined; it = it.next) yield it;
  }

  /** Items and age (seconds since its tail was accessed) of a class's segment. */
  segmentInfo(slabClass: number, segment: number): { count: number; age: number } {
    const tail = this.lru.tail(slabClass, segment);
    return {
      count: this.lru.count(slabClass, segment),
      age: tail === undefined ? 0 : this.clock.now() - tail.time,
    };
  }
}
