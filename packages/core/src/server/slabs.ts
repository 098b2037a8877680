import { ITEM_HEADER_SIZE } from './item.js';

/** memcached's default slab page size (1 MiB) and its -n chunk size default (48). */
const PAGE_SIZE = 1024 * 1024;
const CHUNK_SIZE = 48;
const GROWTH_FACTOR = 1.25;
const CHUNK_ALIGN = 8;

/** One slab class: the chunk size items of that class take and how many fit in a page. */
export interface SlabClass {
  readonly id: number;
  readonly chunkSize: number;
  readonly perPage: number;
}

/**
 * The slab classes memcached 1.6 builds with its defaults (-f 1.25 -n 48, slab_chunk_max =
 * half a page). Only used to report `stats items`/`stats slabs` per class as memcached does;
 * memory is accounted by item size, not by chunks.
 */
export function buildSlabClasses(): SlabClass[] {
  const classes: SlabClass[] = [];
  const chunkMax = PAGE_SIZE / 2;
  let size = ITEM_HEADER_SIZE + CHUNK_SIZE;
  let id = 1;
  while (id < 63 && size <= chunkMax / GROWTH_FACTOR) {
    if (size % CHUNK_ALIGN) size += CHUNK_ALIGN - (size % CHUNK_ALIGN);
    classes.push({ id, chunkSize: size, perPage: Math.floor(PAGE_SIZE / size) });
    size = Math.floor(size * GROWTH_FACTOR);
    id++;
  }
  classes.push({ id, chunkSize: chunkMax, perPage: PAGE_SIZE / chunkMax });
  return classes;
}

/** Slab class id for an item of `ntotal` bytes (the largest class for chunked items). */
export function slabClassFor(classes: readonly SlabClass[], ntotal: number): number {
  let lo = 0;
  let hi = classes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (classes[mid]!.chunkSize >= ntotal) hi = mid;
    else lo = mid + 1;
  }
  return classes[lo]!.id;
}

/** Bytes of one slab page, reported as `total_malloced` per page in use. */
export const SLAB_PAGE_SIZE = PAGE_SIZE;
