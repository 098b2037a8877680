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

/**
 * Receives a `VALUE <key> <flags> <bytes> [<cas>]` line as bytes `[lineStart, lineEnd)` of
 * `lineBytes` (without its `\r\n`), with its data block, bytes `[start, end)` of `block`. The
 * multi-get hot path reads the key, flags and CAS straight from the bytes, so no string is made
 * for the line. Both buffers may be the socket's read buffer, reused once the call returns.
 */
export type ValueHandler = (
  lineBytes: Buffer,
  lineStart: number,
  lineEnd: number,
  block: Buffer,
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
  /**
   * Takes the `VALUE` lines as bytes. Without it they are decoded and go to the
   * {@link ReplyHandler} like every other line.
   */
  onValue?: ValueHandler | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const DEFAULT_MAX_LINE_BYTES = 8192;
const DEFAULT_MAX_DATA_BYTES = 1024 * 1024 * 1024;
const NO_DATA = -1;
/** What `#valueLine` returns for a line it leaves to the general path. */
const UNUSUAL = -1;
/** Length of `VALUE `. */
const VALUE_PREFIX_LENGTH = 6;

/**
 * Incremental parser of memcached text and meta protocol replies: bytes in, one `onReply` call
 * per reply line (with its data block when it has one), or one `onValue` call per `VALUE` line.
 * Correct for any split of the stream; a data block that arrives whole inside one chunk is
 * passed on in place, without a copy or even a subarray. The handlers must not throw: the rest
 * of the chunk would be lost.
 */
export class ReplyParser {
  readonly #onReply: ReplyHandler;
  readonly #onValue: ValueHandler;
  readonly #maxLineBytes: number;
  readonly #maxDataBytes: number;
  /** Bytes of an unfinished line (without a `\n` yet). */
  #partial: Buffer | undefined;
  /** The line whose data block is being collected, when one is: a string, or a VALUE line's bytes. */
  #dataLine: string | Buffer | undefined;
  /** Data block plus its `\r\n`, being filled across chunks. */
  #dataBuffer: Buffer | undefined;
  #dataFilled = 0;
  /** Bumped by reset(), so a reset from inside a handler stops the chunk being parsed. */
  #generation = 0;

  constructor(onReply: ReplyHandler, options: ReplyParserOptions = {}) {
    this.#onReply = onReply;
    this.#onValue =
      options.onValue ??
      ((lineBytes, lineStart, lineEnd, block, start, end) =>
        onReply(lineBytes.toString('latin1', lineStart, lineEnd), block, start, end));
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#maxDataBytes = options.maxDataBytes ?? DEFAULT_MAX_DATA_BYTES;
  }

  /**
   * Feeds the first `length` bytes of `chunk` (all of it by default), read from the socket.
   * @throws {MemcachedProtocolError} on bytes that are not a valid reply stream (the parser is
   * reset; close the connection).
   */
  push(chunk: Buffer, length: number = chunk.length): void {
    try {
      this.#push(chunk, length);
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

  #push(chunk: Buffer, end: number): void {
    const generation = this.#generation;
    let pos = 0;

    if (this.#dataBuffer !== undefined) {
      pos = this.#fillData(chunk, 0, end);
      if (this.#dataBuffer !== undefined || this.#generation !== generation) return;
    }

    if (this.#partial !== undefined) {
      const nl = findLineEnd(chunk, pos, end);
      if (nl === -1) {
        this.#appendPartial(chunk.subarray(pos, end));
        return;
      }
      const whole = Buffer.concat([this.#partial, chunk.subarray(pos, nl + 1)]);
      this.#partial = undefined;
      this.#checkLineLength(whole.length - 1);
      pos = this.#line(whole, 0, whole.length - 1, chunk, nl + 1, end);
      if (this.#dataBuffer !== undefined || this.#generation !== generation) return;
    }

    while (pos < end && this.#generation === generation) {
      const first = chunk[pos];
      if (first === 0x56 /* V */) {
        const next = this.#valueLine(chunk, pos, end);
        if (next !== UNUSUAL) {
          pos = next;
          if (this.#dataBuffer !== undefined) return;
          continue;
        }
      } else if (first === 0x45 /* E */ && isEndLine(chunk, pos, end)) {
        // Every get ends so.
        this.#onReply('END', undefined, 0, 0);
        pos += 5;
        continue;
      }
      const nl = findLineEnd(chunk, pos, end);
      if (nl === -1) {
        this.#appendPartial(chunk.subarray(pos, end));
        return;
      }
      this.#checkLineLength(nl - pos);
      pos = this.#line(chunk, pos, nl, chunk, nl + 1, end);
      if (this.#dataBuffer !== undefined) return;
    }
  }

  /**
   * The hot path of every hit: a `VALUE <key> <flags> <bytes> [<cas>]` line at `pos`, whose size
   * field and end are found in one pass over its bytes. Returns the position after its data
   * block, or UNUSUAL for anything else (another line, a line not whole in this chunk, a bad
   * header), which the general path then takes from the start.
   */
  #valueLine(chunk: Buffer, pos: number, end: number): number {
    if (!isValueLine(chunk, pos, end)) return UNUSUAL;
    let i = pos + VALUE_PREFIX_LENGTH;
    // Past the key and the flags: each ends at a space (a key cannot hold one).
    for (let spaces = 0; spaces < 2; i++) {
      if (i >= end) return UNUSUAL;
      const c = chunk[i];
      if (c === SPACE) spaces++;
      else if (c === LF) return UNUSUAL;
    }
    const from = i;
    let size = 0;
    for (; i < end; i++) {
      const c = chunk[i] as number;
      if (c < 0x30 || c > 0x39) break;
      size = size * 10 + (c - 0x30);
    }
    if (i === from || i - from > 10 || i >= end) return UNUSUAL;
    // The size ends the line or is followed by ` <cas>`: anything else is left to the general
    // path, which rejects it.
    if (chunk[i] !== SPACE && !(chunk[i] === CR && chunk[i + 1] === LF)) return UNUSUAL;
    // The rest of the line: an optional ` <cas>`, then `\r\n`.
    while (i < end && chunk[i] !== LF) i++;
    if (i >= end || chunk[i - 1] !== CR) return UNUSUAL;
    this.#checkLineLength(i - pos);
    return this.#line(chunk, pos, i, chunk, i + 1, end, size);
  }

  /**
   * One reply line, bytes `[start, nl)` of `lineBytes` (`nl` is its `\n`); its data block, if it
   * has one, starts at `pos` of `chunk`, which holds `end` bytes; `knownSize` is a VALUE line's
   * block size when already read. Returns the position after it.
   */
  #line(
    lineBytes: Buffer,
    start: number,
    nl: number,
    chunk: Buffer,
    pos: number,
    end: number,
    knownSize = NO_DATA,
  ): number {
    const lineEnd = nl > start && lineBytes[nl - 1] === CR ? nl - 1 : nl;
    if (knownSize !== NO_DATA || isValueLine(lineBytes, start, lineEnd)) {
      const size =
        knownSize !== NO_DATA
          ? checkSize(knownSize, this.#maxDataBytes)
          : valueSize(lineBytes, start, lineEnd, this.#maxDataBytes);
      if (end - pos >= size + 2) {
        if (chunk[pos + size] !== CR || chunk[pos + size + 1] !== LF) {
          throw badTerminator(lineBytes.toString('latin1', start, lineEnd));
        }
        this.#onValue(lineBytes, start, lineEnd, chunk, pos, pos + size);
        return pos + size + 2;
      }
      // The block spans reads: keep the line's bytes, the buffer they are in may be reused.
      return this.#startData(
        Buffer.from(lineBytes.subarray(start, lineEnd)),
        size,
        chunk,
        pos,
        end,
      );
    }
    const line = lineText(lineBytes, start, lineEnd);
    const size = dataSize(line, this.#maxDataBytes);
    if (size === NO_DATA) {
      this.#onReply(line, undefined, 0, 0);
      return pos;
    }
    if (end - pos >= size + 2) {
      if (chunk[pos + size] !== CR || chunk[pos + size + 1] !== LF) throw badTerminator(line);
      this.#onReply(line, chunk, pos, pos + size);
      return pos + size + 2;
    }
    return this.#startData(line, size, chunk, pos, end);
  }

  /** Starts collecting a data block of `size` bytes that did not arrive whole. */
  #startData(line: string | Buffer, size: number, chunk: Buffer, pos: number, end: number) {
    this.#dataLine = line;
    this.#dataBuffer = Buffer.allocUnsafe(size + 2);
    this.#dataFilled = 0;
    return this.#fillData(chunk, pos, end);
  }

  /**
   * Copies bytes `[pos, end)` of `chunk` into the pending data block; emits it when complete.
   * Returns the position after the bytes it took.
   */
  #fillData(chunk: Buffer, pos: number, end: number): number {
    const buffer = this.#dataBuffer as Buffer;
    const n = Math.min(buffer.length - this.#dataFilled, end - pos);
    chunk.copy(buffer, this.#dataFilled, pos, pos + n);
    this.#dataFilled += n;
    if (this.#dataFilled < buffer.length) return pos + n;
    const line = this.#dataLine as string | Buffer;
    const size = buffer.length - 2;
    if (buffer[size] !== CR || buffer[size + 1] !== LF) {
      throw badTerminator(
        typeof line === 'string' ? line : line.toString('latin1', 0, line.length),
      );
    }
    this.#dataBuffer = undefined;
    this.#dataLine = undefined;
    this.#dataFilled = 0;
    if (typeof line === 'string') this.#onReply(line, buffer, 0, size);
    else this.#onValue(line, 0, line.length, buffer, 0, size);
    return pos + n;
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

/**
 * Position of the next `\n` in `[pos, end)`, or -1. Reply lines are short: a loop here is
 * cheaper than a call into `indexOf`'s native code for each of them.
 */
function findLineEnd(chunk: Buffer, pos: number, end: number): number {
  for (let i = pos; i < end; i++) if (chunk[i] === LF) return i;
  return -1;
}

/** `END\r\n` at `pos`. */
function isEndLine(bytes: Buffer, pos: number, end: number): boolean {
  return (
    end - pos >= 5 &&
    bytes[pos + 1] === 0x4e &&
    bytes[pos + 2] === 0x44 &&
    bytes[pos + 3] === CR &&
    bytes[pos + 4] === LF
  );
}

/** `VALUE ` at `pos`. */
function isValueLine(bytes: Buffer, pos: number, end: number): boolean {
  return (
    end - pos >= 6 &&
    bytes[pos] === 0x56 &&
    bytes[pos + 1] === 0x41 &&
    bytes[pos + 2] === 0x4c &&
    bytes[pos + 3] === 0x55 &&
    bytes[pos + 4] === 0x45 &&
    bytes[pos + 5] === SPACE
  );
}

/** The `<bytes>` field of `VALUE <key> <flags> <bytes> [<cas>]`, read from the line's bytes. */
function valueSize(bytes: Buffer, start: number, end: number, maxDataBytes: number): number {
  let i = start;
  for (let seen = 0; seen < 3; i++) {
    if (i >= end) throw malformed(bytes.toString('latin1', start, end));
    if (bytes[i] === SPACE) seen++;
  }
  const from = i;
  let size = 0;
  for (; i < end; i++) {
    const c = bytes[i] as number;
    if (c === SPACE) break;
    if (c < 0x30 || c > 0x39) throw malformed(bytes.toString('latin1', start, end));
    size = size * 10 + (c - 0x30);
  }
  if (i === from || i - from > 10) throw malformed(bytes.toString('latin1', start, end));
  return checkSize(size, maxDataBytes);
}

function checkSize(size: number, maxDataBytes: number): number {
  if (size > maxDataBytes) {
    throw new MemcachedProtocolError(
      `Value header announces ${size} bytes, over the ${maxDataBytes}-byte limit.`,
    );
  }
  return size;
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
  // `VALUE` lines never get here (see isValueLine): only the meta `VA <size> <flags>*`.
  if (line.charCodeAt(0) !== 0x56 /* V */ || !line.startsWith('VA ')) return NO_DATA;
  let i = 3;
  let size = 0;
  const start = i;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x20) break;
    if (c < 0x30 || c > 0x39) throw malformed(line);
    size = size * 10 + (c - 0x30);
  }
  if (i === start || i - start > 10) throw malformed(line);
  return checkSize(size, maxDataBytes);
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
