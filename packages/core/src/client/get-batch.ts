import type { MemcachedError } from '../errors.js';
import { MemcachedProtocolError } from '../errors.js';
import type { InFlight } from './in-flight.js';

/** Receives the hits of the keys it asked a {@link GetBatch} for. */
export interface GetSink {
  readonly deadline: number;
  /** Needs the CAS token: the batch is sent as `gets` instead of `get`. */
  readonly wantsCas: boolean;
  /** The batch this sink last joined, so a sink counts each batch once. */
  batchMark: GetBatch | undefined;
  /** Joined one more batch; `end` will be called once for it. */
  joined(): void;
  /**
   * A hit: its value is bytes `[start, end)` of `block`, valid only during the call unless
   * copied (`shared`: the block is a reused read buffer). Must not throw.
   */
  value(
    wireKey: string,
    block: Buffer,
    start: number,
    end: number,
    flags: number,
    cas: string,
    shared: boolean,
  ): void;
  /** One batch it joined is complete. */
  end(): void;
  fail(error: MemcachedError): void;
}

/** Most keys sent in one `get` line; more go into a further command in the same write. */
export const MAX_BATCH_KEYS = 100;

const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;
/** Offset of the key in `VALUE <key> <flags> <bytes> [<cas>]`. */
const KEY_AT = 6;

/**
 * The `get`s issued to one connection in one tick, sent as a single `get k1 k2 ...` (`gets` when a
 * caller needs CAS tokens; skipping them spares the server and the parser). Keys are held
 * in their wire form decoded as latin1, the way the reply parser decodes the `VALUE` lines.
 */
export class GetBatch implements InFlight {
  readonly deadline: number;
  /** Distinct keys, in the order they are sent. */
  readonly keys: string[];
  /** The sink(s) waiting for `keys[i]`. */
  private readonly owners: (GetSink | GetSink[])[];
  // Position of each key, for folding duplicates; only made once a second key arrives, since
  // most batches hold one key (a lone get).
  private positions: Map<string, number> | undefined;
  private readonly sinks: GetSink[];
  private withCas: boolean;
  /**
   * Where the next hit's key is looked for first. memcached answers a multi-get in the order of
   * its keys, leaving out misses, so matching walks forward instead of hashing every key again.
   */
  private cursor = 0;

  /** A batch of its first key. */
  constructor(deadline: number, wireKey: string, sink: GetSink) {
    this.deadline = deadline;
    // One-element literals: a lone get allocates no room for keys it will never have.
    this.keys = [wireKey];
    this.owners = [sink];
    this.sinks = [sink];
    this.withCas = sink.wantsCas;
    sink.batchMark = this;
    sink.joined();
  }

  add(wireKey: string, sink: GetSink): void {
    const keys = this.keys;
    let positions = this.positions;
    if (positions === undefined) positions = this.positions = new Map([[keys[0] as string, 0]]);
    const at = positions.get(wireKey);
    if (at === undefined) {
      positions.set(wireKey, keys.length);
      keys.push(wireKey);
      this.owners.push(sink);
    } else {
      const existing = this.owners[at] as GetSink | GetSink[];
      if (Array.isArray(existing)) {
        if (!existing.includes(sink)) existing.push(sink);
      } else if (existing !== sink) {
        this.owners[at] = [existing, sink];
      }
    }
    if (sink.batchMark !== this) {
      if (sink.wantsCas) this.withCas = true;
      sink.batchMark = this;
      sink.joined();
      this.sinks.push(sink);
    }
  }

  /** The request line. */
  encode(): string {
    const keys = this.keys;
    // A lone get needs no join.
    const list = keys.length === 1 ? (keys[0] as string) : keys.join(' ');
    return `${this.withCas ? 'gets' : 'get'} ${list}\r\n`;
  }

  /** `END` completes the batch; any other line is garbage (VALUE lines come to onValue). */
  onReply(line: string): boolean {
    if (line !== 'END') throw unexpected(line);
    for (const sink of this.sinks) sink.end();
    return true;
  }

  /**
   * A hit: `VALUE <key> <flags> <bytes> [<cas>]` as bytes `[lineStart, lineEnd)` of `lineBytes`,
   * its data bytes `[start, end)` of `block` (`shared`: a reused read buffer). The key, flags and
   * CAS are read from the bytes: this runs once per hit, and decoding each line to a string
   * was most of a multi-get's parsing cost.
   */
  onValue(
    lineBytes: Buffer,
    lineStart: number,
    lineEnd: number,
    block: Buffer,
    start: number,
    end: number,
    shared: boolean,
  ): void {
    const at = this.find(lineBytes, lineStart, lineEnd);
    const key = this.keys[at] as string;
    // The flags start after `VALUE `, the key and its space.
    let i = lineStart + KEY_AT + key.length + 1;
    const flagsAt = i;
    let flags = 0;
    for (; i < lineEnd; i++) {
      const c = lineBytes[i] as number;
      if (c < ZERO || c > NINE) break;
      flags = flags * 10 + (c - ZERO);
    }
    if (i === flagsAt || i - flagsAt > 10 || i >= lineEnd || lineBytes[i] !== SPACE) {
      throw unexpected(lineBytes.toString('latin1', lineStart, lineEnd));
    }
    let cas = '';
    if (this.withCas) {
      // Past the <bytes> field (the parser has read it), the rest of the line is the token.
      let c = i + 1;
      while (c < lineEnd && lineBytes[c] !== SPACE) c++;
      if (c < lineEnd) cas = lineBytes.toString('latin1', c + 1, lineEnd);
    }
    const owner = this.owners[at] as GetSink | GetSink[];
    if (Array.isArray(owner)) {
      for (const sink of owner) sink.value(key, block, start, end, flags, cas, shared);
    } else {
      owner.value(key, block, start, end, flags, cas, shared);
    }
  }

  fail(error: MemcachedError): void {
    for (const sink of this.sinks) sink.fail(error);
  }

  /** Position in `keys` of the key of a VALUE line. */
  private find(line: Buffer, lineStart: number, lineEnd: number): number {
    const keys = this.keys;
    for (let i = this.cursor; i < keys.length; i++) {
      if (isKeyOf(line, lineStart, lineEnd, keys[i] as string)) {
        this.cursor = i + 1;
        return i;
      }
    }
    // Out of order (a proxy may reorder) or repeated: look the key up by name.
    let space = lineStart + KEY_AT;
    while (space < lineEnd && line[space] !== SPACE) space++;
    const key = line.toString('latin1', lineStart + KEY_AT, space);
    const at = this.positions === undefined ? keys.indexOf(key) : this.positions.get(key);
    if (at === undefined || at < 0) {
      throw new MemcachedProtocolError(`Reply for a key not asked for: ${JSON.stringify(key)}`);
    }
    return at;
  }
}

/** Whether the VALUE line carries `key` (in latin1 form): the key, then a space, after `VALUE `. */
function isKeyOf(line: Buffer, lineStart: number, lineEnd: number, key: string): boolean {
  const from = lineStart + KEY_AT;
  const n = key.length;
  if (from + n >= lineEnd || line[from + n] !== SPACE) return false;
  for (let i = 0; i < n; i++) if (line[from + i] !== key.charCodeAt(i)) return false;
  return true;
}

function unexpected(line: string): MemcachedProtocolError {
  return new MemcachedProtocolError(
    `Unexpected reply to get: ${JSON.stringify(line.slice(0, 80))}`,
  );
}
