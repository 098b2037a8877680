import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateSync,
} from 'node:zlib';
import { MemcachedSerializationError, MemcachedValueTooLargeError } from '../errors.js';

/*
 * Flag bits written by ValueCodec (memcached stores 32 opaque flag bits per item):
 *
 *   bits 0-3  (0x0f)  type tag of the built-in serializers:
 *                     0 plain bytes: what other clients write; read as a UTF-8 string (`json`,
 *                       `string`) or raw bytes (`buffer`). `string` and `buffer` write 0.
 *                     1 string (UTF-8)        2 JSON (object, array, boolean, null)
 *                     3 number (decimal text, so `incr`/`decr` work on it and it reads back
 *                       as a number; memcached keeps the flags through incr)
 *                     4 bytes (Buffer / Uint8Array, read back as a Buffer)
 *                     5 bigint (decimal text)
 *                     6-15 reserved; read as UTF-8 strings like 0.
 *   bits 4-5  (0x30)  compression: 0 none, 1 deflate, 2 gzip, 3 brotli.
 *   bits 6-7  (0xc0)  reserved by memkit.
 *   bits 8-31         free for the application (e.g. the `flags` option of set).
 *
 * A custom Serializer owns bits 0-3 and 6-31; bits 4-5 stay the codec's.
 */

/** Flag bits owned by the codec; an application's own flags must leave them clear. */
export const CODEC_FLAGS_MASK = 0xff;
/** Flag bits that mark a compressed value (see the layout above). */
export const COMPRESSION_FLAGS_MASK = 0x30;

const TYPE_MASK = 0x0f;
const TYPE_PLAIN = 0;
const TYPE_STRING = 1;
const TYPE_JSON = 2;
const TYPE_NUMBER = 3;
const TYPE_BYTES = 4;
const TYPE_BIGINT = 5;

const COMPRESSION_SHIFT = 4;
const ALGORITHMS = ['deflate', 'gzip', 'brotli'] as const;

/** Name of a built-in serializer. */
export type SerializerName = 'json' | 'string' | 'buffer';

/** Turns values into bytes plus flags and back. Must leave flag bits 4-5 (0x30) clear. */
export interface Serializer {
  serialize(value: unknown): { data: Buffer; flags: number };
  deserialize(data: Buffer, flags: number): unknown;
}

/** When and how to compress values. */
export interface CompressionOptions {
  /** Compress values whose serialized size is at least this many bytes. */
  threshold: number;
  /**
   * zlib algorithm; the value is stored compressed only when that makes it smaller.
   * @default 'deflate'
   */
  algorithm?: 'gzip' | 'deflate' | 'brotli' | undefined;
}

/** Options of {@link ValueCodec}. */
export interface ValueCodecOptions {
  /**
   * How values become bytes. `json` keeps the JS type (string, number, bigint, boolean,
   * object/array, null, Buffer) in the flags; `string` stores UTF-8 text; `buffer` raw bytes.
   * @default 'json'
   */
  serializer?: SerializerName | Serializer | undefined;
  /** Compression, or `false` for none. @default false */
  compress?: CompressionOptions | false | undefined;
  /**
   * Largest stored (serialized, compressed) value in bytes, checked before sending. memcached's
   * own `-I` limit (1 MiB by default) also counts the key and a ~50-byte item header, so a value
   * within a few dozen bytes of it may still be refused by the server with SERVER_ERROR.
   * @default 1048576
   */
  maxValueSize?: number | undefined;
  /**
   * Largest value a compressed item may inflate to when read, a guard against zip bombs.
   * @default 67108864
   */
  maxDecompressedSize?: number | undefined;
}

/** A value encoded by {@link ValueCodec.encodeWire}. */
export interface WireValue {
  /** The stored bytes, or a string of ASCII characters that are exactly those bytes. */
  data: Buffer | string;
  flags: number;
  /** Length of `data` in bytes. */
  length: number;
}

/** Default `maxValueSize`: 1 MiB, memcached's default item size limit. */
export const DEFAULT_MAX_VALUE_SIZE = 1_048_576;
const DEFAULT_MAX_DECOMPRESSED_SIZE = 64 * 1_048_576;

/**
 * Encodes values to the bytes and flags stored in memcached, and decodes them back, with
 * optional compression. Pure and synchronous.
 */
export class ValueCodec {
  readonly #serializer: Serializer | undefined;
  readonly #name: SerializerName;
  readonly #threshold: number;
  readonly #algorithm: number;
  readonly #maxValueSize: number;
  readonly #maxDecompressedSize: number;

  /** @throws {RangeError} on an invalid option. */
  constructor(options: ValueCodecOptions = {}) {
    const serializer = options.serializer ?? 'json';
    if (typeof serializer === 'string') {
      if (serializer !== 'json' && serializer !== 'string' && serializer !== 'buffer') {
        throw new RangeError(
          `Invalid option "serializer": expected "json", "string", "buffer" or { serialize, deserialize }, got ${JSON.stringify(serializer)}.`,
        );
      }
      this.#name = serializer;
    } else {
      if (
        typeof serializer?.serialize !== 'function' ||
        typeof serializer.deserialize !== 'function'
      ) {
        throw new RangeError(
          'Invalid option "serializer": a custom serializer needs serialize() and deserialize() methods.',
        );
      }
      this.#serializer = serializer;
      this.#name = 'json';
    }
    const compress = options.compress ?? false;
    if (compress === false) {
      this.#threshold = Number.POSITIVE_INFINITY;
      this.#algorithm = 0;
    } else {
      if (!Number.isInteger(compress.threshold) || compress.threshold < 0) {
        throw new RangeError(
          `Invalid option "compress.threshold": expected a non-negative integer (bytes), got ${compress.threshold}.`,
        );
      }
      const algorithm = ALGORITHMS.indexOf(compress.algorithm ?? 'deflate');
      if (algorithm < 0) {
        throw new RangeError(
          `Invalid option "compress.algorithm": expected "deflate", "gzip" or "brotli", got ${JSON.stringify(compress.algorithm)}.`,
        );
      }
      this.#threshold = compress.threshold;
      this.#algorithm = algorithm + 1;
    }
    this.#maxValueSize = positiveInteger(
      'maxValueSize',
      options.maxValueSize,
      DEFAULT_MAX_VALUE_SIZE,
    );
    this.#maxDecompressedSize = positiveInteger(
      'maxDecompressedSize',
      options.maxDecompressedSize,
      DEFAULT_MAX_DECOMPRESSED_SIZE,
    );
  }

  /**
   * Serializes (and maybe compresses) a value.
   * @throws {MemcachedSerializationError} when the value cannot be serialized.
   * @throws {MemcachedValueTooLargeError} when the stored bytes exceed `maxValueSize`.
   */
  encode(value: unknown): { data: Buffer; flags: number } {
    const { data, flags } = this.#serialize(value);
    return this.#finish(data, flags);
  }

  /**
   * {@link encode} for a request being written as latin1 text: a value that serializes to ASCII
   * text (most strings, numbers, JSON) and is not compressed comes back as that string, whose
   * characters are its bytes, sparing a Buffer and a copy of it back into a string.
   * @throws like {@link encode}.
   */
  encodeWire(value: unknown): WireValue {
    let typed: TypedText | undefined;
    if (this.#serializer === undefined) {
      if (this.#name === 'json') typed = typedText(value);
      else if (this.#name === 'string' && typeof value === 'string') {
        typed = { text: value, flags: TYPE_PLAIN };
      }
    }
    if (typed === undefined) {
      const { data, flags } = this.encode(value);
      return { data, flags, length: data.length };
    }
    const { text, flags } = typed;
    const length = Buffer.byteLength(text, 'utf8');
    // Equal lengths: every character is ASCII, one byte each.
    if (length === text.length && length < this.#threshold && length <= this.#maxValueSize) {
      return { data: text, flags, length };
    }
    const encoded = this.#finish(Buffer.from(text, 'utf8'), flags);
    return { data: encoded.data, flags: encoded.flags, length: encoded.data.length };
  }

  /** Compresses when that pays and checks the size limit. */
  #finish(data: Buffer, flags: number): { data: Buffer; flags: number } {
    if (data.length >= this.#threshold && data.length > 0) {
      const compressed = compress(this.#algorithm, data);
      if (compressed.length < data.length) {
        data = compressed;
        flags = (flags | (this.#algorithm << COMPRESSION_SHIFT)) >>> 0;
      }
    }
    if (data.length > this.#maxValueSize) {
      throw new MemcachedValueTooLargeError(
        `Value is ${data.length} bytes, over maxValueSize (${this.#maxValueSize} bytes); store less or raise maxValueSize (and memcached's -I).`,
      );
    }
    return { data, flags };
  }

  /**
   * Decompresses and deserializes stored bytes.
   * @throws {MemcachedSerializationError} on bytes that cannot be decoded.
   */
  decode(data: Buffer, flags: number): unknown {
    return this.decodeBlock(data, 0, data.length, flags, false);
  }

  /**
   * {@link decode} of the bytes `[start, end)` of `block`, read in place: text, numbers and JSON
   * are decoded straight from them. When `shared` (a reused read buffer), the bytes are copied
   * only where the result or a custom deserializer could hold on to them.
   * @throws {MemcachedSerializationError} on bytes that cannot be decoded.
   */
  decodeBlock(block: Buffer, start: number, end: number, flags: number, shared: boolean): unknown {
    const algorithm = (flags & COMPRESSION_FLAGS_MASK) >>> COMPRESSION_SHIFT;
    if (algorithm === 0 && this.#serializer === undefined) {
      if (this.#name === 'string') return block.toString('utf8', start, end);
      if (this.#name === 'json' && (flags & TYPE_MASK) !== TYPE_BYTES) {
        return decodeTyped(block, start, end, flags & TYPE_MASK);
      }
    }
    let data = block.subarray(start, end);
    if (algorithm !== 0) {
      // Inflating reads the bytes once and returns new memory: no copy needed.
      data = decompress(algorithm, data, this.#maxDecompressedSize);
      flags &= ~COMPRESSION_FLAGS_MASK;
    } else if (shared) {
      data = Buffer.from(data);
    }
    if (this.#serializer) {
      try {
        return this.#serializer.deserialize(data, flags >>> 0);
      } catch (cause) {
        throw new MemcachedSerializationError(
          `Custom serializer failed to deserialize a ${data.length}-byte value.`,
          { cause },
        );
      }
    }
    if (this.#name === 'buffer') return data;
    if (this.#name === 'string') return data.toString('utf8');
    return decodeTyped(data, 0, data.length, flags & TYPE_MASK);
  }

  #serialize(value: unknown): { data: Buffer; flags: number } {
    if (this.#serializer) {
      let out: { data: Buffer; flags: number };
      try {
        out = this.#serializer.serialize(value);
      } catch (cause) {
        throw new MemcachedSerializationError(
          `Custom serializer failed on a value of type ${typeof value}.`,
          { cause },
        );
      }
      if (!Buffer.isBuffer(out?.data) || !Number.isInteger(out.flags)) {
        throw new MemcachedSerializationError(
          'Custom serializer must return { data: Buffer, flags: integer }.',
        );
      }
      if ((out.flags & COMPRESSION_FLAGS_MASK) !== 0) {
        throw new MemcachedSerializationError(
          `Custom serializer returned flags ${out.flags}, which use bits 0x30 reserved for compression.`,
        );
      }
      return { data: out.data, flags: out.flags >>> 0 };
    }
    if (this.#name === 'string') {
      if (typeof value !== 'string') {
        throw new MemcachedSerializationError(
          `The "string" serializer stores strings only, got ${describe(value)}; use the "json" serializer for other values.`,
        );
      }
      return { data: Buffer.from(value, 'utf8'), flags: TYPE_PLAIN };
    }
    if (this.#name === 'buffer') {
      if (!(value instanceof Uint8Array)) {
        throw new MemcachedSerializationError(
          `The "buffer" serializer stores Buffers (Uint8Array) only, got ${describe(value)}.`,
        );
      }
      return { data: toBuffer(value), flags: TYPE_PLAIN };
    }
    return encodeTyped(value);
  }
}

interface TypedText {
  text: string;
  flags: number;
}

/** The `json` serializer's text for every value but bytes (undefined for those). */
function typedText(value: unknown): TypedText | undefined {
  switch (typeof value) {
    case 'string':
      return { text: value, flags: TYPE_STRING };
    case 'number':
      // String(-0) is "0"; keep the sign so the value reads back identical.
      return { text: Object.is(value, -0) ? '-0' : String(value), flags: TYPE_NUMBER };
    case 'bigint':
      return { text: value.toString(), flags: TYPE_BIGINT };
    case 'boolean':
      return { text: value ? 'true' : 'false', flags: TYPE_JSON };
    case 'object':
      if (value instanceof Uint8Array) return undefined;
      return { text: stringify(value), flags: TYPE_JSON };
    default:
      throw new MemcachedSerializationError(
        `Cannot store ${describe(value)}: the "json" serializer stores strings, numbers, bigints, booleans, null, Buffers, and JSON-serializable objects and arrays.`,
      );
  }
}

function encodeTyped(value: unknown): { data: Buffer; flags: number } {
  const typed = typedText(value);
  if (typed === undefined) return { data: toBuffer(value as Uint8Array), flags: TYPE_BYTES };
  return { data: Buffer.from(typed.text, 'utf8'), flags: typed.flags };
}

/** Decodes bytes `[start, end)` of `block` by the type tag of the `json` serializer. */
function decodeTyped(block: Buffer, start: number, end: number, type: number): unknown {
  switch (type) {
    case TYPE_JSON:
      try {
        return JSON.parse(block.toString('utf8', start, end));
      } catch (cause) {
        throw new MemcachedSerializationError(
          `Stored value flagged as JSON is not valid JSON (${end - start} bytes).`,
          { cause },
        );
      }
    case TYPE_NUMBER: {
      // incr/decr pad a shrunk number with trailing spaces, which Number() ignores.
      const text = block.toString('latin1', start, end);
      const n = Number(text);
      if (text.trim() === '' || (Number.isNaN(n) && text.trim() !== 'NaN')) {
        throw new MemcachedSerializationError(
          `Stored value flagged as a number is not one: ${JSON.stringify(text.slice(0, 40))}.`,
        );
      }
      return n;
    }
    case TYPE_BIGINT: {
      const text = block.toString('latin1', start, end);
      try {
        return BigInt(text.trim());
      } catch (cause) {
        throw new MemcachedSerializationError(
          `Stored value flagged as a bigint is not one: ${JSON.stringify(text.slice(0, 40))}.`,
          { cause },
        );
      }
    }
    case TYPE_BYTES:
      return start === 0 && end === block.length ? block : block.subarray(start, end);
    default:
      // No encoding name: Buffer#toString then goes straight to UTF-8 without looking one up.
      return block.toString(undefined, start, end);
  }
}

function stringify(value: object | null): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new MemcachedSerializationError(
      `Cannot serialize ${describe(value)} to JSON (circular structure or a bigint inside?).`,
      { cause },
    );
  }
  if (text === undefined) {
    throw new MemcachedSerializationError(`Cannot serialize ${describe(value)} to JSON.`);
  }
  return text;
}

function compress(algorithm: number, data: Buffer): Buffer {
  if (algorithm === 1) return deflateSync(data);
  if (algorithm === 2) return gzipSync(data);
  return brotliCompressSync(data);
}

function decompress(algorithm: number, data: Buffer, maxOutputLength: number): Buffer {
  try {
    if (algorithm === 1) return inflateSync(data, { maxOutputLength });
    if (algorithm === 2) return gunzipSync(data, { maxOutputLength });
    return brotliDecompressSync(data, { maxOutputLength });
  } catch (cause) {
    const name = ALGORITHMS[algorithm - 1] ?? 'unknown';
    throw new MemcachedSerializationError(
      `Cannot decompress a ${data.length}-byte value flagged as ${name}-compressed.`,
      { cause },
    );
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `a value of type ${typeof value}`;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid option "${name}": expected a positive integer, got ${value}.`);
  }
  return value;
}
