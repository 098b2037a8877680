import type { Item } from './item.js';

/** Segments of memcached 1.6's segmented LRU, per slab class (items.c HOT_LRU...). */
export const LRU_HOT = 0;
export const LRU_WARM = 1;
export const LRU_COLD = 2;
/** `item.lru` of an item in no list. */
export const LRU_NONE = -1;
const SEGMENTS = 3;

/**
 * Intrusive doubly linked lists, one per slab class and segment (memcached's heads[]/tails[]
 * and sizes_bytes[]): linking, unlinking and finding the tail are O(1) whatever the number of
 * items or how many were deleted before. Items carry their own `prev`/`next`.
 */
export class LruLists {
  private readonly heads: (Item | undefined)[];
  private readonly tails: (Item | undefined)[];
  /** Summed `item.size` per list (memcached's sizes_bytes). */
  private readonly bytes: number[];
  private readonly counts: number[];

  constructor(classCount: number) {
    const n = (classCount + 1) * SEGMENTS;
    this.heads = new Array<Item | undefined>(n).fill(undefined);
    this.tails = new Array<Item | undefined>(n).fill(undefined);
    this.bytes = new Array<number>(n).fill(0);
    this.counts = new Array<number>(n).fill(0);
  }

  /** Links `item` at the head of its class's `segment`. */
  linkHead(item: Item, segment: number): void {
    const id = item.slabClass * SEGMENTS + segment;
    const head = this.heads[id];
    item.lru = segment;
    item.prev = undefined;
    item.next = head;
    if (head !== undefined) head.prev = item;
    else this.tails[id] = item;
    this.heads[id] = item;
    this.bytes[id]! += item.size;
    this.counts[id]!++;
  }

  /** Takes `item` out of the list it is in (no-op when in none). */
  unlink(item: Item): void {
    if (item.lru === LRU_NONE) return;
    const id = item.slabClass * SEGMENTS + item.lru;
    const { prev, next } = item;
    if (prev !== undefined) prev.next = next;
    else this.heads[id] = next;
    if (next !== undefined) next.prev = prev;
    else this.tails[id] = prev;
    item.prev = undefined;
    item.next = undefined;
    item.lru = LRU_NONE;
    this.bytes[id]! -= item.size;
    this.counts[id]!--;
  }

  /** Moves `item` to the head of `segment` of its class. */
  move(item: Item, segment: number): void {
    this.unlink(item);
    this.linkHead(item, segment);
  }

  /** The oldest item of a class's segment. */
  tail(slabClass: number, segment: number): Item | undefined {
    return this.tails[slabClass * SEGMENTS + segment];
  }

  /** The newest item of a class's segment. */
  head(slabClass: number, segment: number): Item | undefined {
    return this.heads[slabClass * SEGMENTS + segment];
  }

  /** Summed item sizes in a class's segment. */
  sizeBytes(slabClass: number, segment: number): number {
    return this.bytes[slabClass * SEGMENTS + segment]!;
  }

  /** Items in a class's segment. */
  count(slabClass: number, segment: number): number {
    return this.counts[slabClass * SEGMENTS + segment]!;
  }

  /** Forgets every list (the items are dropped by the caller). */
  clear(): void {
    this.heads.fill(undefined);
    this.tails.fill(undefined);
    this.bytes.fill(0);
    this.counts.fill(0);
  }
}
