import { isUtf8 } from 'node:buffer';
import { inflateSync } from 'node:zlib';
import { MemcachedSerializationError } from '../errors.js';

/*
 * The flag conventions of the clients memkit shares a cache with. memcached stores 32 opaque
 * flag bits per item; each client gives the low ones its own meaning:
 *
 *   bit        1          2         4            8             16      32-64        128
 *   pymemcache pickle     int       long         zlib (py-mc)  text    -            -
 *   memcached  -          JSON      binary       numeric       -       -            -
 *   memcache-c compressed JSON      numeric      binary        -       -            -
 *   memkit     -          JSON      (memcached)  (memcached)   text    compression  bigint /
 *                                                                                   non-finite
 *
 * Flags 0 is the one value every client reads as plain bytes or text, so memkit writes strings
 * and Buffers with 0 by default. Where the conventions disagree (bits 1, 4, 8) the `serializer`
 * option picks whose meaning applies; the default reads them as the `memcached` package does.
 */

/** A built-in flag convention: how value types map to flag bits, both ways. */
export type FlagConvention = 'json' | 'pymemcache' | 'memcached' | 'memcache-client';

/** The conventions {@link ValueCodec} accepts by name. */
export const FLAG_CONVENTIONS: readonly FlagConvention[] = [
  'json',
  'pymemcache',
  'memcached',
  'memcache-client',
];

export const FLAG_PLAIN = 0;
const BIT_1 = 1;
const BIT_2 = 2;
const BIT_4 = 4;
const BIT_8 = 8;
export const FLAG_TEXT = 16;
/** JSON: the `memcached` and `memcache-client` packages' flag, and memkit's. */
export const FLAG_JSON = BIT_2;
/** JSON written as pymemcache text: pymemcache tests the text bit first and returns a str. */
const FLAG_JSON_TEXT = FLAG_TEXT | BIT_2;
/** memkit's own: a bigint as decimal text (no other client has the type). */
const FLAG_BIGINT = 0x80;
/** memkit's own: NaN or ±Infinity as text, which JSON cannot hold; the text bit keeps it a str. */
const FLAG_NONFINITE = 0x80 | FLAG_TEXT;
/** The type bits a convention reads; bits 0x60 are the codec's compression. */
export const TYPE_FLAGS_MASK = 0x9f;

/** What a convention writes: the value's text (or bytes) and its flags. */
export interface TypedValue {
  text: string | undefined;
  bytes: Buffer | undefined;
  flags: number;
}

/**
 * The value's encoding under `convention`.
 * @throws MemcachedSerializationError for a value no convention can store (undefined, a function).
 */
export function encodeByConvention(value: unknown, convention: FlagConvention): TypedValue {
  const typed = encodeValue(value, convention);
  if (convention !== 'memcached') return typed;
  // The memcached package puts a backslash before every CR and LF it stores, and strips it
  // when reading: its values hold them escaped.
  if (typed.text !== undefined) typed.text = typed.text.replace(/(\r|\n)/g, '\\$1');
  else if (typed.bytes !== undefined) typed.bytes = escapeCrLf(typed.bytes);
  return typed;
}

function encodeValue(value: unknown, convention: FlagConvention): TypedValue {
  switch (typeof value) {
    case 'string':
      return text(value, convention === 'pymemcache' ? FLAG_TEXT : FLAG_PLAIN);
    case 'number':
      return encodeNumber(value, convention);
    case 'bigint':
      return text(value.toString(), convention === 'pymemcache' ? BIT_2 : FLAG_BIGINT);
    case 'boolean':
      return text(value ? 'true' : 'false', jsonFlag(convention));
    case 'object':
      if (value instanceof Uint8Array) {
        const flags =
          convention === 'memcached' ? BIT_4 : convention === 'memcache-client' ? BIT_8 : 0;
        return { text: undefined, bytes: toBuffer(value), flags };
      }
      return text(stringify(value), jsonFlag(convention));
    default:
      throw new MemcachedSerializationError(
        `Cannot store ${describe(value)}: the "${convention}" serializer stores strings, numbers, bigints, booleans, null, Buffers, and JSON-serializable objects and arrays.`,
      );
  }
}

function text(value: string, flags: number): TypedValue {
  return { text: value, bytes: undefined, flags };
}

function jsonFlag(convention: FlagConvention): number {
  return convention === 'pymemcache' ? FLAG_JSON_TEXT : FLAG_JSON;
}

function encodeNumber(value: number, convention: FlagConvention): TypedValue {
  if (!Number.isFinite(value)) return text(String(value), FLAG_NONFINITE);
  // String(-0) is "0"; keep the sign so the value reads back identical.
  const digits = Object.is(value, -0) ? '-0' : String(value);
  switch (convention) {
    case 'memcached':
      return text(digits, BIT_8);
    case 'memcache-client':
      return text(digits, BIT_4);
    case 'pymemcache':
      // pymemcache's int flag takes int() of the text: only integers may carry it.
      return text(digits, Number.isSafeInteger(value) && digits !== '-0' ? BIT_2 : FLAG_JSON_TEXT);
    default:
      return text(digits, FLAG_JSON);
  }
}

/**
 * Decodes bytes `[start, end)` of `block` whose compression (bits 0x60) is already undone.
 * Buffers are copied when `shared` (the block is a reused read buffer).
 * @throws MemcachedSerializationError on bytes that do not match their flags.
 */
export function decodeByConvention(
  block: Buffer,
  start: number,
  end: number,
  flags: number,
  convention: FlagConvention,
  shared: boolean,
): unknown {
  if (convention === 'memcached') {
    const unescaped = unescapeCrLf(block, start, end);
    if (unescaped !== undefined) {
      block = unescaped;
      start = 0;
      end = unescaped.length;
      shared = false;
    }
  }
  const type = flags & TYPE_FLAGS_MASK;
  // Flags 0 first: every client's strings, and the hot path of a get.
  if (type === FLAG_PLAIN) {
    return convention === 'pymemcache'
      ? bytes(block, start, end, shared)
      : textOrBytes(block, start, end, shared);
  }
  // memkit's own, the same under every convention.
  if (type === FLAG_JSON_TEXT || (type === FLAG_JSON && convention !== 'pymemcache')) {
    return parseJson(block, start, end);
  }
  if (type === FLAG_BIGINT) return parseBigint(block.toString('latin1', start, end));
  if (type === FLAG_NONFINITE) return parseNumber(block.toString('latin1', start, end));
  switch (convention) {
    case 'pymemcache':
      if (type & BIT_8) {
        // python-memcached's zlib bit, which pymemcache keeps room for.
        const inflated = inflate(block.subarray(start, end));
        return decodeByConvention(inflated, 0, inflated.length, flags & ~BIT_8, convention, false);
      }
      if (type & FLAG_TEXT) return block.toString('utf8', start, end);
      if (type & (BIT_2 | BIT_4)) return parseInteger(block.toString('latin1', start, end));
      if (type & BIT_1) throw foreign('pickled by pymemcache (flag 1)', end - start);
      return bytes(block, start, end, shared);
    case 'memcache-client': {
      if (type & BIT_1) {
        throw foreign(
          "compressed by memcache-client's own compressor (flag 1); read it there",
          end - start,
        );
      }
      const t = type & (BIT_2 | BIT_4 | BIT_8);
      if (t === BIT_4) return parseNumber(block.toString('latin1', start, end));
      if (t === BIT_8) return bytes(block, start, end, shared);
      return textOrBytes(block, start, end, shared);
    }
    default:
      // `json` and `memcached`: the memcached package's meaning of the contested bits.
      if (type === BIT_4) return bytes(block, start, end, shared);
      if (type === BIT_8) return parseNumber(block.toString('latin1', start, end));
      if (type === BIT_1) {
        throw foreign(
          'flagged 1: pickled by pymemcache or compressed by memcache-client; read it with serializer "pymemcache" or "memcache-client" there',
          end - start,
        );
      }
      return block.toString('utf8', start, end);
  }
}

/**
 * Plain bytes from another client: the UTF-8 string when they are valid UTF-8 (what every Node
 * client returns for flags 0), else a Buffer, so binary data is never mangled.
 */
function textOrBytes(block: Buffer, start: number, end: number, shared: boolean): unknown {
  // No encoding name: Buffer#toString then goes straight to UTF-8 without looking one up.
  const s = block.toString(undefined, start, end);
  // A replacement character is rare in real text: only then is validity worth checking.
  if (s.indexOf('\ufffd') < 0 || isUtf8(block.subarray(start, end))) return s;
  return bytes(block, start, end, shared);
}

const BACKSLASH = 0x5c;
const CR = 0x0d;
const LF = 0x0a;

/** `data` with a backslash before each CR and LF (the memcached package's escaping). */
function escapeCrLf(data: Buffer): Buffer {
  let extra = 0;
  for (const b of data) if (b === CR || b === LF) extra++;
  if (extra === 0) return data;
  const out = Buffer.allocUnsafe(data.length + extra);
  let o = 0;
  for (const b of data) {
    if (b === CR || b === LF) out[o++] = BACKSLASH;
    out[o++] = b;
  }
  return out;
}

/** Bytes `[start, end)` without the backslash before each CR and LF, or undefined if none. */
function unescapeCrLf(block: Buffer, start: number, end: number): Buffer | undefined {
  let at = block.indexOf(BACKSLASH, start);
  if (at < 0 || at >= end - 1) return undefined;
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  let i = start;
  for (; at >= 0 && at < end - 1; at = block.indexOf(BACKSLASH, at + 1)) {
    const next = block[at + 1];
    if (next !== CR && next !== LF) continue;
    o += block.copy(out, o, i, at);
    i = at + 1;
  }
  o += block.copy(out, o, i, end);
  return o === end - start ? undefined : out.subarray(0, o);
}

function bytes(block: Buffer, start: number, end: number, shared: boolean): Buffer {
  const view = start === 0 && end === block.length ? block : block.subarray(start, end);
  return shared ? Buffer.from(view) : view;
}

function parseJson(block: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(block.toString('utf8', start, end));
  } catch (cause) {
    throw new MemcachedSerializationError(
      `Stored value flagged as JSON is not valid JSON (${end - start} bytes).`,
      { cause },
    );
  }
}

function parseNumber(text: string): number {
  // incr/decr pad a shrunk number with trailing spaces, which Number() ignores.
  const n = Number(text);
  if (text.trim() === '' || (Number.isNaN(n) && text.trim() !== 'NaN')) {
    throw new MemcachedSerializationError(
      `Stored value flagged as a number is not one: ${JSON.stringify(text.slice(0, 40))}.`,
    );
  }
  return n;
}

/** pymemcache's int: a Number when it is exact as one, else a bigint. */
function parseInteger(text: string): number | bigint {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) {
    throw new MemcachedSerializationError(
      `Stored value flagged as an integer is not one: ${JSON.stringify(text.slice(0, 40))}.`,
    );
  }
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : BigInt(trimmed);
}

function parseBigint(text: string): bigint {
  try {
    return BigInt(text.trim());
  } catch (cause) {
    throw new MemcachedSerializationError(
      `Stored value flagged as a bigint is not one: ${JSON.stringify(text.slice(0, 40))}.`,
      { cause },
    );
  }
}

function inflate(data: Buffer): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: 64 * 1_048_576 });
  } catch (cause) {
    throw new MemcachedSerializationError(
      `Cannot inflate a ${data.length}-byte value flagged as zlib-compressed (flag 8).`,
      { cause },
    );
  }
}

function foreign(what: string, length: number): MemcachedSerializationError {
  return new MemcachedSerializationError(`Cannot read a ${length}-byte value ${what}.`);
}

function stringify(value: object | null): string {
  let out: string | undefined;
  try {
    out = JSON.stringify(value);
  } catch (cause) {
    throw new MemcachedSerializationError(
      `Cannot serialize ${describe(value)} to JSON (circular structure or a bigint inside?).`,
      { cause },
    );
  }
  if (out === undefined) {
    throw new MemcachedSerializationError(`Cannot serialize ${describe(value)} to JSON.`);
  }
  return out;
}

/** A Uint8Array's bytes as a Buffer, without copying. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A value's kind, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `a value of type ${typeof value}`;
}
