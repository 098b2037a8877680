import type { MemcachedError } from '../errors.js';
import type { GetBatch, GetSink } from './get-batch.js';
import { Settleable } from './settleable.js';

/**
 * Turns a hit, bytes `[start, end)` of `block`, into the caller's value (the client's codec);
 * copies the bytes it keeps when `shared`. May throw.
 */
export type HitDecoder = (
  block: Buffer,
  start: number,
  end: number,
  flags: number,
  shared: boolean,
) => unknown;

/**
 * One `get`/`gets` caller waiting for one key. The hit is decoded as it arrives, so the bytes
 * are never copied for text values and the caller's promise is the only one per request: it
 * resolves with the value (`{ value, cas }` for `gets`), or null on a miss.
 */
export class SingleGet extends Settleable<unknown> implements GetSink {
  readonly deadline: number;
  readonly wantsCas: boolean;
  batchMark: GetBatch | undefined = undefined;
  /** Value bytes received, for the command channel. */
  bytes = 0;
  private readonly decode: HitDecoder;
  private result: unknown = null;
  private decodeError: unknown;

  constructor(deadline: number, wantsCas: boolean, decode: HitDecoder) {
    super();
    this.deadline = deadline;
    this.wantsCas = wantsCas;
    this.decode = decode;
  }

  joined(): void {}

  value(
    _key: string,
    block: Buffer,
    start: number,
    end: number,
    flags: number,
    cas: string,
    shared: boolean,
  ): void {
    this.bytes = end - start;
    let value: unknown;
    try {
      value = this.decode(block, start, end, flags, shared);
    } catch (error) {
      // Settled at the end: throwing here would be taken for a broken connection.
      this.decodeError = error;
      return;
    }
    this.result = this.wantsCas ? { value, cas } : value;
  }

  end(): void {
    if (this.decodeError !== undefined) this.reject(this.decodeError);
    else this.resolve(this.result);
  }

  fail(error: MemcachedError): void {
    this.reject(error);
  }
}

/**
 * One `getMulti` caller: its keys may span servers and batches; it resolves when every batch it
 * joined has ended, and rejects on the first failure. Hits are decoded as they arrive, straight
 * into the result, keyed by the caller's keys.
 */
export class MultiGet extends Settleable<Map<string, unknown>> implements GetSink {
  readonly deadline: number;
  readonly wantsCas = false;
  batchMark: GetBatch | undefined = undefined;
  /** Value bytes received, for the command channel. */
  bytes = 0;
  private readonly out = new Map<string, unknown>();
  private readonly decode: HitDecoder;
  /** Caller keys by wire key, for keys whose wire form differs from them. */
  private readonly renamed: Map<string, string[]> | undefined;
  private decodeError: unknown;
  private outstanding = 0;
  private armed = false;
  private settled = false;

  constructor(deadline: number, decode: HitDecoder, renamed: Map<string, string[]> | undefined) {
    super();
    this.deadline = deadline;
    this.decode = decode;
    this.renamed = renamed;
  }

  joined(): void {
    this.outstanding++;
  }

  /** Every key has been handed to a batch: from now on the last `end` resolves. */
  arm(): void {
    this.armed = true;
    if (this.outstanding === 0) this.finish();
  }

  value(
    key: string,
    block: Buffer,
    start: number,
    end: number,
    flags: number,
    _cas: string,
    shared: boolean,
  ): void {
    if (this.decodeError !== undefined) return;
    this.bytes += end - start;
    let value: unknown;
    try {
      value = this.decode(block, start, end, flags, shared);
    } catch (error) {
      // Settled at the end: throwing here would be taken for a broken connection.
      this.decodeError = error;
      return;
    }
    const names = this.renamed?.get(key);
    if (names === undefined) this.out.set(key, value);
    else for (const name of names) this.out.set(name, value);
  }

  end(): void {
    if (--this.outstanding === 0 && this.armed) this.finish();
  }

  fail(error: MemcachedError): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.decodeError !== undefined) this.reject(this.decodeError);
    else this.resolve(this.out);
  }
}
