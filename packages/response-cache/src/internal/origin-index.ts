import { memcachedKey } from '../cache-key.js';
import type { EntryStore } from './entry-store.js';

/**
 * Most primary keys one target's index keeps; past this the oldest are dropped and their entries
 * invalidated on the spot: anyone can add origins (any `Host` reaches the app), and an entry
 * missing from the index would survive `invalidate(target)`.
 */
const MAX_PRIMARIES = 64;
const CAS_ATTEMPTS = 3;

/**
 * Per request target, the primary keys (origin + target + key headers) it was stored under,
 * so `invalidate('/users/42')` reaches the entry of every host and protocol: the host is part
 * of the key, and a hash cannot be enumerated. Written only when an entry is stored, with
 * compare-and-set so instances do not drop each other's origins; read only by `invalidate`.
 * Read on every store, never remembered: another instance may have dropped an origin since.
 */
export class OriginIndex {
  constructor(
    private readonly store: EntryStore,
    private readonly keyPrefix: string,
    /** Invalidates the entry of a primary key dropped from an index. */
    private readonly evict: (primary: string) => Promise<unknown>,
  ) {}

  /** Records that `primary` (stored for `ttl` seconds) belongs to `target`. */
  async record(target: string, primary: string, ttl: number): Promise<void> {
    const key = this.#key(target);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const item = await this.store.item(key);
      const list = item === null ? [] : item.value.toString('utf8').split('\0');
      const listed = list.includes(primary);
      // The index must outlive every entry it lists.
      const remaining = item === null || item.ttl < 0 ? 0 : item.ttl;
      const indexTtl = Math.max(remaining, ttl + 5);
      if (listed && remaining >= ttl + 5) return;
      if (!listed) list.push(primary);
      const dropped = list.length > MAX_PRIMARIES ? list.slice(0, -MAX_PRIMARIES) : [];
      const value = Buffer.from(list.slice(-MAX_PRIMARIES).join('\0'), 'utf8');
      const ok =
        item === null
          ? await this.store.store(key, value, indexTtl, { add: true })
          : await this.store.store(key, value, indexTtl, { cas: item.cas });
      if (ok) {
        await Promise.all(dropped.map((p) => this.evict(p)));
        return;
      }
    }
    // Lost every race: an entry the index does not list must not stay fresh.
    await this.evict(primary);
  }

  /** The primary keys recorded for `target`. */
  async primaries(target: string): Promise<string[]> {
    const item = await this.store.item(this.#key(target));
    return item === null || item.value.length === 0 ? [] : item.value.toString('utf8').split('\0');
  }

  #key(target: string): string {
    return memcachedKey(this.keyPrefix, 'o', target);
  }
}
