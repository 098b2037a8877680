import {
  brotliCompressSync,
  brotliDecompressSync,
  deflateSync,
  gunzipSync,
  gzipSync,
  inflateSync,
} from 'node:zlib';
import { MemcachedSerializationError, MemcachedValueTooLargeError } from '../errors.js';

import {
  decodeByConvention,
  describe,
  encodeByConvention,
  FLAG_CONVENTIONS,
  FLAG_PLAIN,
  type FlagConvention,
  toBuffer,
} from './flag-conventions.js';

/*
 * Flag bits written by ValueCodec (memcached stores 32 opaque flag bits per item):
 *
 *   bits 0-4 and 7 (0x9f)  the value's type, by the convention the `serializer` names (see
 *                          flag-conventions.ts): strings and Buffers 0 by default, JSON 2.
 *   bits 5-6 (0x60)        memkit's compression: 0 none, 1 deflate, 2 gzip, 3 brotli. No other
 *                          client uses these bits, so they never read another's value as
 *                          compressed.
 *   bits 8-31              free for the application (e.g. the `flags` option of set).
 *
 * A custom Serializer owns every bit but 0x60.
 */

/** Flag bits owned by the codec; an application's own flags must leave them clear. */
export const CODEC_FLAGS_MASK = 0xff;
/** Flag bits that mark a value compressed by memkit (see the layout above). */
export const COMPRESSION_FLAGS_MASK = 0x60;

const COMPRESSION_SHIFT = 5;
/** The compression algorithms, in the order of their flag values (1, 2, 3). */
export const ALGORITHMS = ['deflate', 'gzip', 'brotli'] as const;

/**
 * Name of a built-in serializer: `json` (memkit's, keeps the JS type), the flag conventions of
 * `pymemcache`, `memcached` and `memcache-client`, or `string` / `buffer` (flags 0 only).
 */
export type SerializerName = FlagConvention | 'string' | 'buffer';

/** Every {@link SerializerName}, for the option checks. */
export const SERIALIZER_NAMES: readonly SerializerName[] = [
  ...FLAG_CONVENTIONS,
  'string',
  'buffer',
];

/** Turns values into bytes plus flags and back. Must leave flag bits 5-6 (0x60) clear. */
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
   * How values become bytes. `json` keeps the JS type (number, bigint, boolean, object/array,
   * null) in the flags and stores strings and Buffers with flags 0, as every client reads them;
   * `pymemcache`, `memcached`, `memcache-client` write (and read) those clients' flags;
   * `string` stores UTF-8 text; `buffer` raw bytes.
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
  /** The flag convention of a built-in typed serializer (not `string`, `buffer` or custom). */
  readonly #convention: FlagConvention | undefined;
  readonly #threshold: number;
  readonly #algorithm: number;
  readonly #maxValueSize: number;
  readonly #maxDecompressedSize: number;

  /** @throws {RangeError} on an invalid option. */
  constructor(options: ValueCodecOptions = {}) {
    const serializer = options.serializer ?? 'json';
    if (typeof serializer === 'string') {
      if (!SERIALIZER_NAMES.includes(serializer)) {
        throw new RangeError(
          `Invalid option "serializer": expected one of ${SERIALIZER_NAMES.map((n) => JSON.stringify(n)).join(', ')} or { serialize, deserialize }, got ${JSON.stringify(serializer)}.`,
        );
      }
      this.#name = serializer;
      this.#convention =
        serializer === 'string' || serializer === 'buffer' ? undefined : serializer;
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
      this.#convention = undefined;
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
    let text: string | undefined;
    let flags = FLAG_PLAIN;
    if (this.#serializer === undefined) {
      if (this.#convention !== undefined) {
        const typed = encodeByConvention(value, this.#convention);
        text = typed.text;
        flags = typed.flags;
        if (typed.bytes !== undefined) {
          const done = this.#finish(typed.bytes, flags);
          return { data: done.data, flags: done.flags, length: done.data.length };
        }
      } else if (this.#name === 'string' && typeof value === 'string') {
        text = value;
      }
    }
    if (text === undefined) {
      const encoded = this.encode(value);
      return { data: encoded.data, flags: encoded.flags, length: encoded.data.length };
    }
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
      if (this.#convention !== undefined) {
        return decodeByConvention(block, start, end, flags, this.#convention, shared);
      }
      if (this.#name === 'string') return block.toString('utf8', start, end);
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
    return decodeByConvention(data, 0, data.length, flags, this.#convention ?? 'json', false);
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
      return { data: Buffer.from(value, 'utf8'), flags: FLAG_PLAIN };
    }
    if (this.#name === 'buffer') {
      if (!(value instanceof Uint8Array)) {
        throw new MemcachedSerializationError(
          `The "buffer" serializer stores Buffers (Uint8Array) only, got ${describe(value)}.`,
        );
      }
      return { data: toBuffer(value), flags: FLAG_PLAIN };
    }
    const typed = encodeByConvention(value, this.#convention ?? 'json');
    return {
      data: typed.bytes ?? Buffer.from(typed.text ?? '', 'utf8'),
      flags: typed.flags,
    };
  }
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

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid option "${name}": expected a positive integer, got ${value}.`);
  }
  return value;
}
