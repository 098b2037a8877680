/** memcached's `sizeof(item)` on a 64-bit build: the per-item header counted in `bytes`. */
export const ITEM_HEADER_SIZE = 48;

/** Largest key memcached accepts (KEY_MAX_LENGTH). */
export const KEY_MAX_LENGTH = 250;

/**
 * One stored item. Fields mirror memcached's `item` struct where the protocol can observe them;
 * the meta protocol (mg/ms/md/ma) reads and writes `fetched`, `tokenSent` and `stale` directly.
 */
export interface Item {
  /** Raw key bytes as a latin1 ('binary') string, so every byte maps to one char. */
  readonly key: string;
  /** The value, without the trailing \r\n. Never mutated in place: replaced on update. */
  value: Buffer;
  /** Client flags (uint32). */
  flags: number;
  /** Expiry on the server clock (see ServerClock.realtime); 0 never expires. */
  exptime: number;
  /** CAS unique; 0 when CAS is disabled. */
  cas: number;
  /** Last access time on the server clock (memcached's `it->time`). */
  time: number;
  /** Whether it was read since stored (ITEM_FETCHED; mg's `h` flag). */
  fetched: boolean;
  /** A win token was handed out for it (ITEM_TOKEN_SENT; mg's W/Z). */
  tokenSent: boolean;
  /** Hit twice since stored (ITEM_ACTIVE): later hits refresh `time` and its LRU place. */
  active: boolean;
  /** Marked stale by `md ... I` / `ms ... I` (ITEM_STALE; mg's X). */
  stale: boolean;
  /** Memory it accounts for, as memcached's ITEM_ntotal. */
  size: number;
  /** Slab class id memcached would store it in (for `stats items`/`stats slabs`). */
  slabClass: number;
  /** Whether the key was given base64-encoded to a meta command (ITEM_KEY_BINARY). */
  keyBinary: boolean;
  /** Bytes charged against the memory limit: what the process spends on it (see itemCharge). */
  charge: number;
  /** Segment of its slab class's LRU (see lru.ts), or LRU_NONE when not linked. */
  lru: number;
  /** Neighbours in that LRU list: `prev` towards the head (newer), `next` towards the tail. */
  prev: Item | undefined;
  next: Item | undefined;
}

/**
 * Bytes an item accounts for, as memcached's ITEM_ntotal: header, key and its NUL, the flags
 * suffix (absent when flags are 0), the value with its \r\n, and 8 bytes of CAS when enabled.
 */
export function itemTotalSize(
  keyLength: number,
  flags: number,
  valueLength: number,
  casEnabled: boolean,
): number {
  return (
    ITEM_HEADER_SIZE +
    keyLength +
    1 +
    (flags === 0 ? 0 : 4) +
    valueLength +
    2 +
    (casEnabled ? 8 : 0)
  );
}

/**
 * What one item costs the process beyond its value bytes and memcached's accounting: the item
 * object, its key string, the Buffer object holding the value, and its Map entry (measured on
 * Node 20-24, x64). memcached keeps the key and header inside its chunk; a JS item cannot.
 */
export const ITEM_JS_OVERHEAD = 320;

/**
 * Bytes an item is charged against the memory limit: the slab chunk memcached would spend on
 * it (so `-m` holds about as many items as memcached's pages do) plus what the JS
 * representation costs on top (ITEM_JS_OVERHEAD), so RSS follows `-m`.
 */
export function itemCharge(size: number, chunkSize: number): number {
  return Math.max(size, chunkSize) + ITEM_JS_OVERHEAD;
}
