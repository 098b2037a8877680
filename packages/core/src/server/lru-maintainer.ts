import type { ServerClock } from './clock.js';
import type { Item } from './item.js';
import { LRU_COLD, LRU_HOT, LRU_WARM, type LruLists } from './lru.js';
import type { ServerStats } from './stats.js';
import type { Tunables } from './tunables.js';

/** lru_pull_tail's flag: evict the COLD tail rather than only moving items. */
const PULL_EVICT = 1;
/** do_item_alloc_pull's attempts at freeing room before giving up. */
const ALLOC_TRIES = 10;
/** The juggle's bound on moves (lru_maintainer_juggle's 500). */
const JUGGLE_LIMIT = 500;

/** What the maintainer needs from the store that owns the items. */
export interface LruHost {
  readonly lru: LruLists;
  readonly stats: ServerStats;
  readonly tunables: Tunables;
  readonly clock: ServerClock;
  /** Number of slab classes (ids 1..classCount). */
  readonly classCount: number;
  /** Whether an item is expired or flushed at `now`. */
  isDead(item: Item, now: number): boolean;
  /** Unlinks an item from the table, the LRU and the accounting. */
  unlink(item: Item): void;
}

/**
 * memcached 1.6's LRU rules over the segmented lists (items.c): lru_pull_tail, the LRU
 * maintainer's juggle, and do_item_alloc_pull's eviction. memcached runs the juggle on a
 * thread; here it runs after each link (on the linked item's class, bounded) and on the
 * server's timer, which no client can tell from a thread that happens to be prompt.
 */
export class LruMaintainer {
  private readonly lru: LruLists;
  private readonly stats: ServerStats;
  private readonly tunables: Tunables;
  private readonly clock: ServerClock;
  private readonly classCount: number;

  constructor(private readonly host: LruHost) {
    this.lru = host.lru;
    this.stats = host.stats;
    this.tunables = host.tunables;
    this.clock = host.clock;
    this.classCount = host.classCount;
  }

  /**
   * memcached's do_item_alloc_pull: while `needsRoom()`, evict the COLD tail of the
   * class (reclaiming dead items on the way), or when COLD is empty push HOT down to COLD.
   * When the class has nothing left to give, memcached's slab rebalancer would move a page
   * from another class; here the class whose oldest item is oldest gives it up.
   */
  evictFor(cls: number, needsRoom: () => boolean): boolean {
    let tries = 0;
    for (; tries < ALLOC_TRIES && needsRoom(); tries++) {
      if (this.pullTail(cls, LRU_COLD, 0, 0, PULL_EVICT) <= 0) {
        if (!this.tunables.lruSegmented || this.pullTail(cls, LRU_HOT, 0, 0, 0) <= 0) break;
      }
    }
    if (tries > 0) this.stats.slabs[cls]!.directReclaims += tries;
    while (needsRoom()) {
      const victim = this.oldestClass();
      if (victim === 0) return false;
      if (this.pullTail(victim, LRU_COLD, 0, 0, PULL_EVICT) <= 0) {
        // Nothing in its COLD: move its HOT and WARM tails down so the next pull evicts.
        this.pullTail(victim, LRU_HOT, 0, 0, 0);
        this.pullTail(victim, LRU_WARM, 0, 0, 0);
        this.demoteTail(victim);
      }
    }
    return true;
  }

  /** The class holding the least recently used tail item, 0 when the cache is empty. */
  private oldestClass(): number {
    let best = 0;
    let bestTime = Number.POSITIVE_INFINITY;
    for (let cls = 1; cls <= this.classCount; cls++) {
      for (let seg = LRU_COLD; seg >= LRU_HOT; seg--) {
        const tail = this.lru.tail(cls, seg);
        if (tail === undefined) continue;
        if (tail.time < bestTime) {
          bestTime = tail.time;
          best = cls;
        }
        break;
      }
    }
    return best;
  }

  /** Moves a class's oldest non-COLD tail to COLD whatever its flags (last-resort eviction). */
  private demoteTail(cls: number): void {
    const tail = this.lru.tail(cls, LRU_HOT) ?? this.lru.tail(cls, LRU_WARM);
    if (tail === undefined) return;
    tail.active = false;
    this.lru.move(tail, LRU_COLD);
  }

  /** Juggles every class that holds items (the maintainer thread's loop). */
  maintain(): void {
    if (!this.tunables.lruSegmented) return;
    const stats = this.stats.slabs;
    for (let cls = 1; cls <= this.classCount; cls++) {
      if (stats[cls]!.number > 0) this.juggle(cls);
    }
  }

  /**
   * memcached's lru_maintainer_juggle for one class: HOT and WARM kept within hot_lru_pct and
   * warm_lru_pct of the class's bytes and within their ages, active tails rescued to WARM.
   */
  juggle(cls: number): void {
    const lru = this.lru;
    const t = this.tunables;
    const now = this.clock.now();
    const coldTail = lru.tail(cls, LRU_COLD);
    const coldAge = coldTail === undefined ? 0 : now - coldTail.time;
    const hotAge = Math.floor(coldAge * t.hotMaxFactor);
    const warmAge = Math.floor(coldAge * t.warmMaxFactor);
    const total =
      lru.sizeBytes(cls, LRU_HOT) + lru.sizeBytes(cls, LRU_WARM) + lru.sizeBytes(cls, LRU_COLD);
    let moves = 0;
    for (let i = 0; i < JUGGLE_LIMIT; i++) {
      let more = 0;
      if (
        this.pullTail(cls, LRU_HOT, total, hotAge, 0) > 0 ||
        this.pullTail(cls, LRU_WARM, total, warmAge, 0) > 0
      )
        more++;
      more += this.pullTail(cls, LRU_COLD, total, 0, 0);
      if (more === 0) break;
      moves++;
    }
    if (moves > 0) this.stats.lruMaintainerJuggles++;
  }

  /**
   * memcached's lru_pull_tail: looks at up to five items from the tail of one segment.
   * Dead items are reclaimed and the walk goes on; otherwise the first live item decides:
   * HOT/WARM move it to WARM (active) or COLD (over size or age), COLD evicts it (with
   * PULL_EVICT) or sends it to WARM when active. Returns how many items were removed or moved.
   */
  private pullTail(
    cls: number,
    segment: number,
    totalBytes: number,
    maxAge: number,
    flags: number,
  ): number {
    const lru = this.lru;
    const s = this.stats;
    const slab = s.slabs[cls]!;
    const now = this.clock.now();
    let removed = 0;
    let search = lru.tail(cls, segment);
    for (let tries = 5; tries > 0 && search !== undefined; tries--) {
      const next: Item | undefined = search.prev;
      if (this.host.isDead(search, now)) {
        s.reclaimed++;
        slab.reclaimed++;
        if (!search.fetched) {
          s.expiredUnfetched++;
          slab.expiredUnfetched++;
        }
        this.host.unlink(search);
        removed++;
        search = next;
        continue;
      }
      if (segment === LRU_COLD) {
        if ((flags & PULL_EVICT) !== 0) {
          s.evictions++;
          slab.evicted++;
          slab.evictedTime = now - search.time;
          if (search.exptime !== 0) slab.evictedNonzero++;
          if (!search.fetched) {
            s.evictedUnfetched++;
            slab.evictedUnfetched++;
          }
          if (search.active) {
            s.evictedActive++;
            slab.evictedActive++;
          }
          this.host.unlink(search);
          removed++;
        } else if (search.active && this.tunables.lruSegmented) {
          slab.movesToWarm++;
          search.active = false;
          lru.move(search, LRU_WARM);
          removed++;
        }
        break;
      }
      let limit =
        segment === LRU_HOT ? Math.floor((totalBytes * this.tunables.hotLruPct) / 100) : 0;
      if (limit === 0) limit = Math.floor((totalBytes * this.tunables.warmLruPct) / 100);
      if (search.active) {
        search.active = false;
        removed++;
        if (segment === LRU_WARM) {
          slab.movesWithinLru++;
          lru.move(search, LRU_WARM);
          search = next;
          continue;
        }
        slab.movesToWarm++;
        lru.move(search, LRU_WARM);
        break;
      }
      if (lru.sizeBytes(cls, segment) > limit || now - search.time > maxAge) {
        slab.movesToCold++;
        lru.move(search, LRU_COLD);
        removed++;
      }
      break;
    }
    return removed;
  }
}
