import { MemcachedProtocolError } from '../errors.js';

/** One reply unit from a memcached server, as a request that keeps it sees it. */
export interface Reply {
  /** The reply line without its `\r\n`, decoded as latin1 so every byte survives. */
  line: string;
  /**
   * The data block (without its trailing `\r\n`) of a `VALUE <key> <flags> <bytes> [<cas>]` or
   * meta `VA <size> <flags>*` line; `undefined` for every other line.
   */
  data: Buffer | undefined;
}

/**
 * Receives one reply line (latin1, without its `\r\n`) and, after a `VALUE` or `VA` line, its
 * data block as the bytes `[start, end)` of `block` (`block` is undefined for other lines).
 * Those bytes may be the socket's read buffer, reused once the call returns: a handler copies
 * what it keeps and decodes the rest in place, so no block is copied more than once.
 */
export type ReplyHandler = (
  line: string,
  block: Buffer | undefined,
  start: number,
  end: number,
) => void;

/** Options of {@link ReplyParser}. */
export interface ReplyParserOptions {
  /**
   * Longest reply line accepted before the stream is declared garbage. Real lines are short
   * (a VALUE line with a 250-byte key and a CAS is under 300 bytes).
   * @default 8192
   */
  maxLineBytes?: number | undefined;
  /**
   * Largest data block accepted, so a corrupt size cannot make us allocate gigabytes.
   * memcached's item size limit (`-I`) is at most 1 GiB.
   * @default 1073741824
   */
  maxDataBytes?: number | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const DEFAULT_MAX_LINE_BYTES = 8192;
const DEFAULT_MAX_DATA_BYTES = 1024 * 1024 * 1024;
const NO_DATA = -1;

/**
 * Incremental parser of memcached text and meta protocol replies: bytes in, one `onReply` call
 * per reply line (with its data block when it has one). Correct for any split of the stream;
 * a data block that arrives whole inside one chunk is passed on in place, without a copy or
 * even a subarray. `onReply` must not throw: the rest of the chunk would be lost.
 */
export class ReplyParser {
  readonly #onReply: ReplyHandler;
  readonly #maxLineBytes: number;
  readonly #maxDataBytes: number;
  /** Bytes of an unfinished line (without a `\n` yet). */
  #partial: Buffer | undefined;
  /** The line whose data block is being collected, when one is. */
  #dataLine: string | undefined;
  /** Data block plus its `\r\n`, being filled across chunks. */
  #dataBuffer: Buffer | undefined;
  #dataFilled = 0;
  /** Bumped by reset(), so a reset from inside onReply stops the chunk being parsed. */
  #generation = 0;

  constructor(onReply: ReplyHandler, options: ReplyParserOptions = {}) {
    this.#onReply = onReply;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#maxDataBytes = options.maxDataBytes ?? DEFAULT_MAX_DATA_BYTES;
  }

  /**
   * Feeds bytes read from the socket.
   * @throws {MemcachedProtocolError} on bytes that are not a valid reply stream (the parser is
   * reset; close the connection).
   */
  push(chunk: Buffer): void {
    try {
      this.#push(chunk);
    } catch (err) {
      this.reset();
      throw err;
    }
  }

  /** Drops any partially received reply (after the connection was closed or replaced). */
  reset(): void {
    this.#generation++;
    this.#partial = undefined;
    this.#dataLine = undefined;
    this.#dataBuffer = undefined;
    this.#dataFilled = 0;
  }

  #push(chunk: Buffer): void {
    const generation = this.#generation;
    let pos = 0;
    const end = chunk.length;

    if (this.#dataBuffer !== undefined) {
      pos = this.#fillData(chunk);
      if (this.#dataBuffer !== undefined || this.#generation !== generation) return;
    }

    if (this.#partial !== undefined) {
      const nl = chunk.indexOf(LF, pos);
      if (nl === -1) {
        this.#appendPartial(chunk.subarray(pos));
        return;
      }
      const whole = Buffer.concat([this.#partial, chunk.subarray(pos, nl + 1)]);
      this.#partial = undefined;
      this.#checkLineLength(whole.length - 1);
      const line = lineText(whole, 0, whole.length - 1);
      pos = nl + 1;
      const size = dataSize(line, this.#maxDataBytes);
      if (size === NO_DATA) {
        this.#onReply(line, undefined, 0, 0);
      } else {
        pos = this.#takeData(chunk, pos, line, size);
      }
      if (this.#dataBuffer !== undefined || this.#generation !== generation) return;
    }

    while (pos < end && this.#generation === generation) {
      const nl = chunk.indexOf(LF, pos);
      if (nl === -1) {
        this.#appendPartial(chunk.subarray(pos));
        return;
      }
      this.#checkLineLength(nl - pos);
      const line = lineText(chunk, pos, nl);
      pos = nl + 1;
      const size = dataSize(line, this.#maxDataBytes);
      if (size === NO_DATA) {
        this.#onReply(line, undefined, 0, 0);
        continue;
      }
      pos = this.#takeData(chunk, pos, line, size);
      if (this.#dataBuffer !== undefined) return;
    }
  }

  /** Takes a data block starting at `pos`: whole (zero-copy) or as the start of a copy. */
  #takeData(chunk: Buffer, pos: number, line: string, size: number): number {
    if (chunk.length - pos >= size + 2) {
      if (chunk[pos + size] !== CR || chunk[pos + size + 1] !== LF) throw badTerminator(line);
      this.#onReply(line, chunk, pos, pos + size);
      return pos + size + 2;
    }
    this.#dataLine = line;
    this.#dataBuffer = Buffer.allocUnsafe(size + 2);
    this.#dataFilled = 0;
    return this.#fillData(chunk.subarray(pos)) + pos;
  }

  /** Copies bytes into the pending data block; emits it when complete. Returns bytes consumed. */
  #fillData(chunk: Buffer): number {
    const buffer = this.#dataBuffer as Buffer;
    const n = Math.min(buffer.length - this.#dataFilled, chunk.length);
    chunk.copy(buffer, this.#dataFilled, 0, n);
    this.#dataFilled += n;
    if (this.#dataFilled < buffer.length) return n;
    const line = this.#dataLine as string;
    const size = buffer.length - 2;
    if (buffer[size] !== CR || buffer[size + 1] !== LF) throw badTerminator(line);
    this.#dataBuffer = undefined;
    this.#dataLine = undefined;
    this.#dataFilled = 0;
    this.#onReply(line, buffer, 0, size);
    return n;
  }

  #appendPartial(bytes: Buffer): void {
    if (bytes.length === 0) return;
    // Copy: holding a subarray would pin the whole (possibly large) socket chunk.
    const partial =
      this.#partial === undefined ? Buffer.from(bytes) : Buffer.concat([this.#partial, bytes]);
    this.#checkLineLength(partial.length);
    this.#partial = partial;
  }

  #checkLineLength(length: number): void {
    if (length > this.#maxLineBytes) {
      throw new MemcachedProtocolError(
        `Reply line longer than ${this.#maxLineBytes} bytes without a newline: not a memcached reply stream.`,
      );
    }
  }
}

/** The line between `start` and the `\n` at `nl`, without the `\r` before it. */
function lineText(buffer: Buffer, start: number, nl: number): string {
  const end = nl > start && buffer[nl - 1] === CR ? nl - 1 : nl;
  // The commonest lines (the end of every get, every stored set) come back as constants:
  // no string is made for them and comparing them is a pointer check.
  const length = end - start;
  if (
    length === 3 &&
    buffer[start] === 0x45 &&
    buffer[start + 1] === 0x4e &&
    buffer[start + 2] === 0x44
  ) {
    return 'END';
  }
  if (
    length === 6 &&
    buffer[start] === 0x53 &&
    buffer[start + 1] === 0x54 &&
    buffer[start + 2] === 0x4f &&
    buffer[start + 3] === 0x52 &&
    buffer[start + 4] === 0x45 &&
    buffer[start + 5] === 0x44
  ) {
    return 'STORED';
  }
  return buffer.toString('latin1', start, end);
}

/** Size of the data block that follows `line`, or NO_DATA. */
function dataSize(line: string, maxDataBytes: number): number {
  // Hot path of multi-gets: decide on the first byte before any string comparison.
  if (line.charCodeAt(0) !== 0x56 /* V */) return NO_DATA;
  let field: number;
  if (line.startsWith('VA ')) field = 1;
  else if (line.startsWith('VALUE ')) field = 3;
  else return NO_DATA;
  let i = 0;
  for (let seen = 0; seen < field; i++) {
    if (i >= line.length) throw malformed(line);
    if (line.charCodeAt(i) === 0x20) seen++;
  }
  let size = 0;
  const start = i;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x20) break;
    if (c < 0x30 || c > 0x39) throw malformed(line);
    size = size * 10 + (c - 0x30);
  }
  if (i === start || i - start > 10) throw malformed(line);
  if (size > maxDataBytes) {
    throw new MemcachedProtocolError(
      `Value header announces ${size} bytes, over the ${maxDataBytes}-byte limit.`,
    );
  }
  return size;
}

function malformed(line: string): MemcachedProtocolError {
  return new MemcachedProtocolError(
    `Malformed value header ${JSON.stringify(line.slice(0, 80))}: no valid byte count.`,
  );
}

function badTerminator(line: string): MemcachedProtocolError {
  return new MemcachedProtocolError(
    `Data block of ${JSON.stringify(line.slice(0, 80))} is not followed by \\r\\n.`,
  );
}
