import type { MemcachedError } from '../errors.js';
import { MemcachedProtocolError } from '../errors.js';
import type { Reply } from '../protocol/reply-parser.js';
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
  value(wireKey: string, data: Buffer, flags: number, cas: string): void;
  /** One batch it joined is complete. */
  end(): void;
  fail(error: MemcachedError): void;
}

/** Most keys sent in one `get` line; more go into a further command in the same write. */
export const MAX_BATCH_KEYS = 100;

/**
 * The `get`s issued to one connection in one tick, sent as a single `get k1 k2 ...` (`gets` when a
 * caller needs CAS tokens; skipping them spares the server and the parser). Keys are held
 * in their wire form decoded as latin1, the way the reply parser decodes the `VALUE` lines.
 */
export class GetBatch implements InFlight {
  readonly deadline: number;
  readonly keys: string[] = [];
  // Most batches hold one key (a lone get): its waiter lives in `first` and the map is only
  // created for a second key.
  private first: GetSink | GetSink[] | undefined;
  private waiters: Map<string, GetSink | GetSink[]> | undefined;
  private readonly sinks: GetSink[] = [];
  private withCas = false;

  constructor(deadline: number) {
    this.deadline = deadline;
  }

  add(wireKey: string, sink: GetSink): void {
    const keys = this.keys;
    let existing: GetSink | GetSink[] | undefined;
    if (keys.length === 0) {
      this.first = sink;
      keys.push(wireKey);
    } else {
      if (this.waiters === undefined) {
        this.waiters = new Map([[keys[0] as string, this.first as GetSink | GetSink[]]]);
      }
      existing = this.waiters.get(wireKey);
      if (existing === undefined) {
        this.waiters.set(wireKey, sink);
        keys.push(wireKey);
      } else if (Array.isArray(existing)) {
        if (!existing.includes(sink)) existing.push(sink);
      } else if (existing !== sink) {
        this.waiters.set(wireKey, [existing, sink]);
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
    return `${this.withCas ? 'gets' : 'get'} ${this.keys.join(' ')}\r\n`;
  }

  onReply(reply: Reply): boolean {
    const line = reply.line;
    if (line === 'END') {
      for (const sink of this.sinks) sink.end();
      return true;
    }
    // VALUE <key> <flags> <bytes> [<cas>]
    const a = line.indexOf(' ', 6);
    const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
    if (b < 0 || reply.data === undefined || !line.startsWith('VALUE ')) {
      throw new MemcachedProtocolError(
        `Unexpected reply to get: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const key = line.slice(6, a);
    const flags = +line.slice(a + 1, b);
    let cas = '';
    if (this.withCas) {
      const c = line.indexOf(' ', b + 1);
      if (c > 0) cas = line.slice(c + 1);
    }
    const waiting =
      this.waiters === undefined
        ? key === this.keys[0]
          ? this.first
          : undefined
        : this.waiters.get(key);
    if (waiting === undefined) {
      throw new MemcachedProtocolError(`Reply for a key not asked for: ${JSON.stringify(key)}`);
    }
    if (Array.isArray(waiting)) {
      for (const sink of waiting) sink.value(key, reply.data, flags, cas);
    } else {
      waiting.value(key, reply.data, flags, cas);
    }
    return false;
  }

  fail(error: MemcachedError): void {
    for (const sink of this.sinks) sink.fail(error);
  }
}
