import { memcachedKey } from '../cache-key.js';
import type { EntryStore } from './entry-store.js';

/** Most primary keys one target's index keeps; the oldest are dropped past this. */
const MAX_PRIMARIES = 64;
/** Targets whose index this process knows to cover an entry, with the index's expiry. */
const MAX_KNOWN = 10_000;
const CAS_ATTEMPTS = 3;

/**
 * Per request target, the primary keys (origin + target + key headers) it was stored under,
 * so `invalidate('/users/42')` reaches the entry of every host and protocol: the host is part
 * of the key, and a hash cannot be enumerated. Written only when an entry is stored, with
 * compare-and-set so instances do not drop each other's origins; read only by `invalidate`.
 */
export class OriginIndex {
  readonly #known = new Map<string, number>();

  constructor(
    private readonly store: EntryStore,
    private readonly keyPrefix: string,
  ) {}

  /** Records that `primary` (stored for `ttl` seconds) belongs to `target`. */
  async record(target: string, primary: string, ttl: number): Promise<void> {
    const expires = Date.now() + (ttl + 5) * 1000;
    const memo = `${primary}\n${target}`;
    if ((this.#known.get(memo) ?? 0) >= expires) return;
    const key = this.#key(target);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const item = await this.store.item(key);
      const list = item === null ? [] : item.value.toString('utf8').split('\0');
      const listed = list.includes(primary);
      // The index must outlive every entry it lists.
      const remaining = item === null || item.ttl < 0 ? 0 : item.ttl;
      const indexTtl = Math.max(remaining, ttl + 5);
      if (listed && remaining >= ttl + 5) {
        this.#remember(memo, Date.now() + remaining * 1000);
        return;
      }
      if (!listed) list.push(primary);
      const value = Buffer.from(list.slice(-MAX_PRIMARIES).join('\0'), 'utf8');
      const ok =
        item === null
          ? await this.store.store(key, value, indexTtl, { add: true })
          : await this.store.store(key, value, indexTtl, { cas: item.cas });
      if (ok) {
        this.#remember(memo, Date.now() + indexTtl * 1000);
        return;
      }
    }
  }

  /** The primary keys recorded for `target`. */
  async primaries(target: string): Promise<string[]> {
    const item = await this.store.item(this.#key(target));
    return item === null || item.value.length === 0 ? [] : item.value.toString('utf8').split('\0');
  }

  #key(target: string): string {
    return memcachedKey(this.keyPrefix, 'o', target);
  }

  #remember(memo: string, expires: number): void {
    if (this.#known.size >= MAX_KNOWN) this.#known.clear();
    this.#known.set(memo, expires);
  }
}
