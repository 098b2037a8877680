import type { MemcachedError } from '../errors.js';
import { MemcachedProtocolError } from '../errors.js';
import type { Reply } from '../protocol/reply-parser.js';
import { Settleable } from './settleable.js';

/**
 * A request written (or about to be written) to a connection, waiting for its replies. The
 * connection keeps these in a FIFO: memcached answers in order, so the head owns the next reply.
 */
export interface InFlight {
  /** `performance.now()` after which the request has failed. */
  readonly deadline: number;
  /**
   * Consumes one reply line and, after a VALUE/VA line, its data block `[start, end)` of `block`
   * (as the reply parser hands them out); `shared` says the block is the connection's reused read buffer,
   * so bytes kept past the call must be copied. Returns true when the request is complete. May
   * throw on garbage.
   */
  onReply(
    line: string,
    block: Buffer | undefined,
    start: number,
    end: number,
    shared: boolean,
  ): boolean;
  /**
   * Takes a `VALUE` line as bytes (see the reply parser's `ValueHandler`) with its data block.
   * Requests without it get the line decoded, through `onReply`. Must not complete the request.
   */
  onValue?(
    lineBytes: Buffer,
    lineStart: number,
    lineEnd: number,
    block: Buffer,
    start: number,
    end: number,
    shared: boolean,
  ): void;
  /** Settles the request with a failure. Called at most once, instead of completing. */
  fail(error: MemcachedError): void;
}

/**
 * What every single-connection request shares: its caller's promise, its deadline, and a
 * failure that rejects that promise.
 */
abstract class PendingRequest<T> extends Settleable<T> implements InFlight {
  constructor(readonly deadline: number) {
    super();
  }

  abstract onReply(
    line: string,
    block: Buffer | undefined,
    start: number,
    end: number,
    shared: boolean,
  ): boolean;

  fail(error: MemcachedError): void {
    this.reject(error);
  }
}

/** A request answered by exactly one reply (storage, delete, touch, incr, meta, version...). */
export class LineRequest extends PendingRequest<Reply> {
  onReply(
    line: string,
    block: Buffer | undefined,
    start: number,
    end: number,
    shared: boolean,
  ): boolean {
    this.resolve({
      line,
      data: block === undefined ? undefined : keepBytes(block, start, end, shared),
    });
    return true;
  }
}

/**
 * A storage command (`set`, `add`, `cas`...): resolves with true on `STORED`, false on
 * `NOT_STORED`, `EXISTS` or `NOT_FOUND`, so the caller's promise is the only one per request.
 */
export class StoreRequest extends PendingRequest<boolean> {
  private readonly server: string;

  constructor(deadline: number, server: string) {
    super(deadline);
    this.server = server;
  }

  onReply(line: string): boolean {
    if (line === 'STORED') this.resolve(true);
    else if (line === 'NOT_STORED' || line === 'EXISTS' || line === 'NOT_FOUND') {
      this.resolve(false);
    } else {
      this.reject(
        new MemcachedProtocolError(`Unexpected reply ${JSON.stringify(line.slice(0, 80))}`, {
          server: this.server,
        }),
      );
    }
    return true;
  }
}

/**
 * A request answered by lines up to `END` (stats): resolves with every line before it. `RESET`
 * and `OK` also end it (`stats reset`, `stats detail on`).
 */
export class LinesRequest extends PendingRequest<string[]> {
  private readonly lines: string[] = [];

  onReply(line: string): boolean {
    if (line === 'END' || line === 'RESET' || line === 'OK') {
      this.resolve(this.lines);
      return true;
    }
    this.lines.push(line);
    return false;
  }
}

/**
 * Bytes `[start, end)` of `block` as a Buffer the caller may keep: a copy when `block` is a
 * reused read buffer, else a view (the parser's own buffer, or a chunk nothing else reuses).
 */
export function keepBytes(block: Buffer, start: number, end: number, shared: boolean): Buffer {
  const view = block.subarray(start, end);
  return shared ? Buffer.from(view) : view;
}

/** One stored item as it came off the wire. */
export interface RawItem {
  data: Buffer;
  flags: number;
  cas: string;
}

/**
 * Parses `VALUE <key> <flags> <bytes> [<cas>]` into its key, flags and cas.
 * @throws MemcachedProtocolError when the line is not one.
 */
export function parseValueLine(line: string): { key: string; flags: number; cas: string } {
  const a = line.indexOf(' ', 6);
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (!line.startsWith('VALUE ') || a < 0 || b < 0) {
    throw new MemcachedProtocolError(`Unexpected reply line: ${JSON.stringify(line.slice(0, 80))}`);
  }
  const c = line.indexOf(' ', b + 1);
  const flags = Number(line.slice(a + 1, b));
  return { key: line.slice(6, a), flags, cas: c < 0 ? '' : line.slice(c + 1) };
}

/** A single-key retrieval not coalesced with others (`gat`): resolves with the item or null. */
export class ValueRequest extends PendingRequest<RawItem | null> {
  private item: RawItem | null = null;

  onReply(
    line: string,
    block: Buffer | undefined,
    start: number,
    end: number,
    shared: boolean,
  ): boolean {
    if (line === 'END') {
      this.resolve(this.item);
      return true;
    }
    const { flags, cas } = parseValueLine(line);
    if (block === undefined) throw new MemcachedProtocolError('VALUE line without data');
    this.item = { data: keepBytes(block, start, end, shared), flags, cas };
    return false;
  }
}
