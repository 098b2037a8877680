import { keyTarget, memcachedKey, primaryKey } from '../cache-key.js';
import type { ResolvedResponseCacheOptions } from '../options.js';
import { decodeItem } from './entry-codec.js';
import type { EntryStore } from './entry-store.js';
import { token } from './entry-writer.js';
import type { OriginIndex } from './origin-index.js';

/** The invalidation side of the engine: one key, every host of a target, tags, prefixes. */
export class Invalidation {
  constructor(
    private readonly store: EntryStore,
    private readonly origins: OriginIndex,
    private readonly options: ResolvedResponseCacheOptions,
  ) {}

  /** See {@link ResponseCache.invalidate}. */
  async invalidate(urlOrKey: string): Promise<boolean> {
    const absolute = /^https?:\/\/[^/?#]*/i.exec(urlOrKey);
    if (absolute === null && !urlOrKey.startsWith('/')) return this.primary(urlOrKey);
    const origin = absolute === null ? undefined : absolute[0].toLowerCase();
    const target = keyTarget(
      absolute === null ? urlOrKey : urlOrKey.slice(absolute[0].length) || '/',
      this.options.sortQuery,
    );
    const primaries = new Set(await this.origins.primaries(target));
    if (origin !== undefined) {
      // Only this origin's keys: the target exactly, then nothing or the key headers' lines.
      const base = origin + target;
      for (const p of primaries) {
        if (!p.startsWith(base) || !(p.length === base.length || p[base.length] === '\n')) {
          primaries.delete(p);
        }
      }
      primaries.add(primaryKey(origin, target, [], {}));
    } else {
      // A route's custom key may look like a path: it is its own primary key.
      primaries.add(urlOrKey);
    }
    const found = await Promise.all([...primaries].map((p) => this.primary(p)));
    return found.includes(true);
  }

  /** See {@link ResponseCache.invalidateTags}. */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    await Promise.all(
      tags.map((t) =>
        this.store.store(memcachedKey(this.options.keyPrefix, 't', t), Buffer.from(token()), 0),
      ),
    );
  }

  /** See {@link ResponseCache.invalidatePrefix}. */
  async invalidatePrefix(prefix: string): Promise<void> {
    if (!this.options.prefixes.includes(prefix)) {
      throw new RangeError(
        `Invalid prefix ${JSON.stringify(prefix)}: not in the "prefixes" option (${JSON.stringify(this.options.prefixes)}). Add it there.`,
      );
    }
    const key = memcachedKey(this.options.keyPrefix, 'p', prefix);
    await this.store.store(key, Buffer.from(token()), 0);
  }

  /** Marks one primary key's entry stale; a Vary pointer or pass marker is deleted. */
  async primary(primary: string): Promise<boolean> {
    const k0 = memcachedKey(this.options.keyPrefix, 'e', primary);
    const item = await this.store.fetch(k0, undefined, undefined);
    if (item === null) return false;
    const decoded = decodeItem(item.value);
    // Deleting a Vary pointer makes its variants unreachable, all at once.
    if (decoded?.kind === 'vary' || decoded?.kind === 'pass') return this.store.remove(k0);
    return this.store.markStale(k0);
  }
}
