import { decodeBody } from './body-codec.js';
import { type DecodedItem, decodeItem, type EntryMeta, entryId } from './entry-codec.js';
import type { EntryStore } from './entry-store.js';
import { chunkKey } from './entry-writer.js';
import { type HitTemplate, hitTemplate } from './hit-response.js';

/** Bytes of decoded bodies kept. */
const MEMO_BYTES = 32 * 1024 * 1024;

/**
 * Entry id → decoded entry and its hit template. An id names one immutable write, so this only
 * saves re-parsing (and re-inflating, re-assembling chunks of) bytes and rebuilding headers;
 * freshness and tags are still checked against memcached on every hit.
 */
export class EntryMemo {
  readonly #memo = new Map<string, { item: DecodedItem; hit: HitTemplate }>();
  #memoBytes = 0;

  constructor(
    private readonly store: EntryStore,
    private readonly keyPrefix: string,
  ) {}

  /** Decodes an item, from the memo when this entry was seen before. */
  decode(value: Buffer): DecodedItem | undefined {
    const id = entryId(value);
    const known = id === undefined ? undefined : this.#memo.get(id);
    return known !== undefined ? known.item : decodeItem(value);
  }

  /** The hit template of an entry seen before (the common case: no await on a hit). */
  known(meta: EntryMeta): HitTemplate | undefined {
    return this.#memo.get(meta.id)?.hit;
  }

  /** The hit template of an entry, its body assembled; undefined when a chunk is missing. */
  async hit(meta: EntryMeta, inline: Buffer): Promise<HitTemplate | undefined> {
    const known = this.#memo.get(meta.id);
    if (known !== undefined) return known.hit;
    const body = await this.#assemble(meta, inline);
    if (body === undefined) return undefined;
    const hit = hitTemplate(meta, body);
    if (body.length <= MEMO_BYTES / 64) {
      if (this.#memoBytes + body.length > MEMO_BYTES) {
        this.#memo.clear();
        this.#memoBytes = 0;
      }
      this.#memo.set(meta.id, { item: { kind: 'entry', meta, body: inline }, hit });
      this.#memoBytes += body.length + 1024;
    }
    return hit;
  }

  async #assemble(meta: EntryMeta, inline: Buffer): Promise<Buffer | undefined> {
    if (meta.chunks === 0) return decodeBody(meta.enc, inline);
    const keys = Array.from({ length: meta.chunks }, (_, i) =>
      chunkKey(this.keyPrefix, meta.id, i),
    );
    const parts = await this.store.values(keys);
    const ordered: Buffer[] = [];
    for (const k of keys) {
      const part = parts.get(k);
      if (part === undefined) return undefined;
      ordered.push(part);
    }
    return decodeBody(meta.enc, Buffer.concat(ordered));
  }
}
