import type { Item } from '../item.js';
import type { ServerStats } from '../stats.js';
import type { Store } from '../store.js';
import { parseUint64, type U64 } from './numbers.js';

// memcached's strtoull only looks at the leading digits; no valid number is longer than this.
const NUMBER_SCAN_BYTES = 64;
const MAX_FAST_DIGITS = 15;

/** Outcome of {@link applyDelta} on an existing item. */
export type DeltaOutcome =
  | { readonly status: 'ok'; readonly digits: string; readonly item: Item }
  | { readonly status: 'non_numeric' }
  | { readonly status: 'cas_mismatch' };

// Plain short decimal values (the counters rate limiters keep) are read without building a
// string; anything else goes through the strtoull-exact parser.
function readCounter(raw: Buffer): U64 | undefined {
  const n = raw.length;
  if (n <= MAX_FAST_DIGITS) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = raw[i] as number;
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === n && n > 0) return v;
  }
  return parseUint64(raw.toString('latin1', 0, Math.min(n, NUMBER_SCAN_BYTES)));
}

function add(value: U64, delta: U64, incr: boolean): U64 {
  if (typeof value === 'number' && typeof delta === 'number') {
    if (!incr) return delta > value ? 0 : value - delta;
    const sum = value + delta;
    if (sum <= Number.MAX_SAFE_INTEGER) return sum;
  }
  const v = BigInt(value);
  const d = BigInt(delta);
  // uint64_t arithmetic: incr wraps, decr stops at 0.
  if (incr) return BigInt.asUintN(64, v + d);
  return d > v ? 0 : v - d;
}

/**
 * memcached's do_add_delta for `ma` on an item that exists (the command handles a miss).
 * A result that fits the old value's length is written over it padded with spaces, with a
 * new CAS, and `item` is the same object. A longer one is stored as a new item; like
 * memcached, the returned `item` is then the old, unlinked one carrying the new CAS, so a
 * `T` applied to it afterwards changes nothing stored.
 */
export function applyDelta(
  store: Store,
  stats: ServerStats,
  item: Item,
  incr: boolean,
  delta: U64,
  cas: U64,
): DeltaOutcome {
  const raw = item.value;
  if (raw.length === 0) return { status: 'non_numeric' };
  if (cas !== 0 && item.cas !== cas) return { status: 'cas_mismatch' };
  const current = readCounter(raw);
  if (current === undefined) return { status: 'non_numeric' };
  const slab = stats.slabs[item.slabClass];
  if (slab) {
    if (incr) slab.incrHits++;
    else slab.decrHits++;
  }
  const digits = String(add(current, delta, incr));
  const n = digits.length;
  if (n <= raw.length) {
    const next = Buffer.allocUnsafe(raw.length);
    for (let i = 0; i < n; i++) next[i] = digits.charCodeAt(i);
    if (n < raw.length) next.fill(0x20, n);
    item.value = next;
    item.cas = store.nextCas();
    store.touchTime(item);
  } else {
    // A fresh item, as memcached allocates it: not fetched, no stale/token/binary-key marks.
    const grown = store.create(item.key, item.flags, item.exptime, Buffer.from(digits, 'latin1'));
    store.link(grown);
    item.cas = grown.cas;
  }
  return { status: 'ok', digits, item };
}
