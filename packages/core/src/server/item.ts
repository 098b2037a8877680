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
