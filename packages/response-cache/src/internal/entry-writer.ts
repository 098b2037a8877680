import { randomBytes } from 'node:crypto';
import { memcachedKey, variantKey } from '../cache-key.js';
import type { StoreDecision } from '../cache-policy.js';
import { strongEtag } from '../etag.js';
import { type CacheRequest, headerString, type OriginResponse } from '../http-types.js';
import { encodeBody } from './body-codec.js';
import { type EntryMeta, encodeEntry, encodeVaryPointer, type VaryPointer } from './entry-codec.js';
import type { EntryStore } from './entry-store.js';

/** Room kept in an item for the metadata next to an inline body. */
const META_ROOM = 8192;

/** Everything the writer needs to know about the lookup that preceded the origin call. */
export interface WriteContext {
  req: CacheRequest;
  /** Primary key string (before hashing). */
  primary: string;
  /** memcached key of the primary entry (or Vary pointer). */
  k0: string;
  /** The Vary pointer seen at `k0`, if any. */
  pointer: VaryPointer | undefined;
  /** Tag version keys and the versions read before the handler ran (absent = none yet). */
  tagKeys: readonly string[];
  tagVersions: ReadonlyMap<string, string>;
  /** Seconds the item outlives freshness for stale serving. */
  staleWindow: number;
}

/** Settings of the writer. */
export interface WriterSettings {
  keyPrefix: string;
  compressThresholdBytes: number;
  itemSizeBytes: number;
  maxBodyBytes: number;
}

/** What a write did. */
export type WriteResult =
  | { stored: true; etag: string; key: string }
  | { stored: false; reason: string };

/** A random token: versions, pointer generations, chunk ids. */
export function token(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * Writes one response: chunks first, then the entry, so a reader never sees an entry whose
 * chunks are not there yet; a Vary pointer at the primary key when the response varies.
 */
export async function writeEntry(
  store: EntryStore,
  ctx: WriteContext,
  origin: OriginResponse,
  decision: Extract<StoreDecision, { store: true }>,
  settings: WriterSettings,
): Promise<WriteResult> {
  if (origin.body.length > settings.maxBodyBytes) return { stored: false, reason: 'too-large' };
  const versions = new Map(ctx.tagVersions);
  for (const key of ctx.tagKeys) {
    if (versions.has(key)) continue;
    // First use of a tag: create its version. If someone created (or bumped) it since our read,
    // our response may predate that invalidation, so it is not stored.
    const fresh = token();
    if (!(await store.store(key, Buffer.from(fresh), 0, { add: true }))) {
      return { stored: false, reason: 'tag-race' };
    }
    versions.set(key, fresh);
  }
  const total = decision.ttl + ctx.staleWindow;
  const encoded = encodeBody(origin.body, settings.compressThresholdBytes);
  const meta: EntryMeta = {
    status: origin.status,
    headers: decision.headers,
    etag: strongEtag(headerString(origin.headers, 'etag'), origin.body),
    ttl: decision.ttl,
    stale: ctx.staleWindow,
    age: decision.age,
    tags: Object.fromEntries(ctx.tagKeys.map((k) => [k, versions.get(k) ?? ''])),
    enc: encoded.enc,
    chunks: 0,
    id: token(),
  };
  if (decision.shared) meta.pub = true;
  let inline = encoded.data;
  if (encoded.data.length > settings.itemSizeBytes - META_ROOM) {
    const size = settings.itemSizeBytes - 512;
    const count = Math.ceil(encoded.data.length / size);
    const writes: Promise<boolean>[] = [];
    for (let i = 0; i < count; i++) {
      const part = encoded.data.subarray(i * size, (i + 1) * size);
      // Chunks outlive the entry by a little so an entry read at its last second finds them.
      writes.push(store.store(chunkKey(settings.keyPrefix, meta.id, i), part, total + 5));
    }
    if (!(await Promise.all(writes)).every(Boolean)) return { stored: false, reason: 'chunk' };
    meta.chunks = count;
    inline = Buffer.alloc(0);
  }
  let key = ctx.k0;
  if (decision.vary.length > 0) {
    const same =
      ctx.pointer !== undefined && ctx.pointer.vary.join(',') === decision.vary.join(',');
    const pointer: VaryPointer = same
      ? (ctx.pointer as VaryPointer)
      : { vary: decision.vary, gen: token() };
    // Rewritten on every variant so the pointer always outlives the newest variant.
    await store.store(ctx.k0, encodeVaryPointer(pointer), total + 5);
    key = memcachedKey(
      settings.keyPrefix,
      'v',
      variantKey(ctx.primary, pointer.gen, pointer.vary, ctx.req.headers),
    );
  }
  if (!(await store.store(key, encodeEntry(meta, inline), total))) {
    return { stored: false, reason: 'not-stored' };
  }
  return { stored: true, etag: meta.etag, key };
}

/** The memcached key of one chunk of a large body. */
export function chunkKey(prefix: string, id: string, index: number): string {
  return `${prefix}c:${id}:${index}`;
}
