// The byte layout of what the cache writes to memcached: one kind byte, a 12-byte id, a 4-byte
// big-endian length, JSON metadata, then the raw (maybe deflated) body. Binary-safe, and the id
// at a fixed place lets a hit skip parsing an entry this process has already decoded.

/** Metadata of a stored response. */
export interface EntryMeta {
  /** HTTP status. */
  status: number;
  /** End-to-end headers as stored (lower-case names). */
  headers: Record<string, string | string[]>;
  /** Strong validator served with every hit. */
  etag: string;
  /** Freshness lifetime in seconds from the moment of storing. */
  ttl: number;
  /** Seconds after freshness the item stays in memcached for stale serving. */
  stale: number;
  /** The response's age when stored (the origin's `Age`), seconds. */
  age: number;
  /** Tag version key → version it was stored with. */
  tags: Record<string, string>;
  /** Body encoding inside memcached. */
  enc: 'identity' | 'deflate';
  /** Number of chunk items holding the (encoded) body; 0 when inline. */
  chunks: number;
  /** Random 12-character id of this write: names its chunks, keys the decode memo. */
  id: string;
  /** The response said `public`/`s-maxage`: it may answer requests with `Cookie`/`Authorization`. */
  pub?: boolean;
}

/** The record at a primary key whose response varies: where its variants live. */
export interface VaryPointer {
  vary: string[];
  /** Changes on each new pointer, orphaning variants of a deleted one. */
  gen: string;
}

/** A decoded item. */
export type DecodedItem =
  | { kind: 'entry'; meta: EntryMeta; body: Buffer }
  | { kind: 'vary'; pointer: VaryPointer }
  /** A hit-for-pass marker: the last response for this key could not be stored. */
  | { kind: 'pass'; reason: string };

/** Length of an entry id (9 random bytes in base64url). */
export const ID_LENGTH = 12;
const HEAD = 1 + ID_LENGTH + 4;
const ENTRY = 0x45; // 'E'
const VARY = 0x56; // 'V'
const PASS = 0x50; // 'P'
const NO_ID = '000000000000';

function frame(kind: number, id: string, meta: unknown, body: Buffer | undefined): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const head = Buffer.allocUnsafe(HEAD);
  head[0] = kind;
  head.write(id.padEnd(ID_LENGTH, '0').slice(0, ID_LENGTH), 1, 'latin1');
  head.writeUInt32BE(json.length, 1 + ID_LENGTH);
  return body === undefined || body.length === 0
    ? Buffer.concat([head, json])
    : Buffer.concat([head, json, body]);
}

/** Encodes a stored response; `body` is already encoded (and empty when chunked). */
export function encodeEntry(meta: EntryMeta, body: Buffer): Buffer {
  return frame(ENTRY, meta.id, meta, body);
}

/** Encodes a Vary pointer. */
export function encodeVaryPointer(pointer: VaryPointer): Buffer {
  return frame(VARY, NO_ID, pointer, undefined);
}

/** Encodes a hit-for-pass marker. */
export function encodePassMarker(reason: string): Buffer {
  return frame(PASS, NO_ID, { pass: reason }, undefined);
}

/** The id of an entry item without parsing it, or undefined for anything else. */
export function entryId(data: Buffer): string | undefined {
  if (data.length < HEAD || data[0] !== ENTRY) return undefined;
  return data.toString('latin1', 1, 1 + ID_LENGTH);
}

/**
 * Decodes an item; undefined for anything that is not ours or is truncated (a lock stub, an
 * item written by another program), which the engine treats as a miss.
 */
export function decodeItem(data: Buffer): DecodedItem | undefined {
  if (data.length < HEAD) return undefined;
  const kind = data[0];
  const length = data.readUInt32BE(1 + ID_LENGTH);
  if (HEAD + length > data.length) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(data.toString('utf8', HEAD, HEAD + length));
  } catch {
    return undefined;
  }
  if (meta === null || typeof meta !== 'object') return undefined;
  if (kind === ENTRY && typeof (meta as EntryMeta).status === 'number') {
    return { kind: 'entry', meta: meta as EntryMeta, body: data.subarray(HEAD + length) };
  }
  if (kind === VARY && Array.isArray((meta as VaryPointer).vary)) {
    return { kind: 'vary', pointer: meta as VaryPointer };
  }
  if (kind === PASS) return { kind: 'pass', reason: String((meta as { pass?: unknown }).pass) };
  return undefined;
}
