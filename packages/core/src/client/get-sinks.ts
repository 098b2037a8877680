import type { MemcachedError } from '../errors.js';
import type { GetBatch, GetSink } from './get-batch.js';
import type { RawItem } from './in-flight.js';

/** One `get`/`gets` caller waiting for one key. */
export class SingleGet implements GetSink {
  readonly deadline: number;
  readonly promise: Promise<RawItem | null>;
  batchMark: GetBatch | undefined = undefined;
  private item: RawItem | null = null;
  private resolve!: (item: RawItem | null) => void;
  private reject!: (error: MemcachedError) => void;

  constructor(deadline: number) {
    this.deadline = deadline;
    this.promise = new Promise<RawItem | null>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  joined(): void {}

  value(_key: string, data: Buffer, flags: number, cas: string): void {
    this.item = { data, flags, cas };
  }

  end(): void {
    this.resolve(this.item);
  }

  fail(error: MemcachedError): void {
    this.reject(error);
  }
}

/**
 * One `getMulti` caller: its keys may span servers and batches; it resolves when every batch it
 * joined has ended, and rejects on the first failure.
 */
export class MultiGet implements GetSink {
  readonly deadline: number;
  readonly promise: Promise<Map<string, RawItem>>;
  batchMark: GetBatch | undefined = undefined;
  /** Hits by latin1 wire key. */
  private readonly hits = new Map<string, RawItem>();
  private outstanding = 0;
  private armed = false;
  private settled = false;
  private resolve!: (hits: Map<string, RawItem>) => void;
  private reject!: (error: MemcachedError) => void;

  constructor(deadline: number) {
    this.deadline = deadline;
    this.promise = new Promise<Map<string, RawItem>>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  joined(): void {
    this.outstanding++;
  }

  /** Every key has been handed to a batch: from now on the last `end` resolves. */
  arm(): void {
    this.armed = true;
    if (this.outstanding === 0 && !this.settled) {
      this.settled = true;
      this.resolve(this.hits);
    }
  }

  value(key: string, data: Buffer, flags: number, cas: string): void {
    this.hits.set(key, { data, flags, cas });
  }

  end(): void {
    if (--this.outstanding === 0 && this.armed && !this.settled) {
      this.settled = true;
      this.resolve(this.hits);
    }
  }

  fail(error: MemcachedError): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}
