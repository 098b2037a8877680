import type { InFlight } from './in-flight.js';

const INITIAL_SLOTS = 16;
/** A queue this large is given back to the allocator once it empties (after a burst). */
const SHRINK_SLOTS = 4096;

/**
 * The requests of one connection, oldest first: the order memcached answers them. A ring
 * buffer, so a steady flow of requests allocates nothing; an array reset whenever it empties
 * would allocate a new backing store for nearly every request at low concurrency.
 */
export class RequestQueue {
  private slots: (InFlight | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  private head = 0;
  private count = 0;

  /** Requests in the queue. */
  get length(): number {
    return this.count;
  }

  /** The oldest request, or undefined when empty. */
  peek(): InFlight | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  push(request: InFlight): void {
    const slots = this.slots;
    if (this.count === slots.length) {
      this.grow();
      this.push(request);
      return;
    }
    slots[(this.head + this.count) & (slots.length - 1)] = request;
    this.count++;
  }

  /** Puts `request` before every other (a new connection's authentication). */
  unshift(request: InFlight): void {
    if (this.count === this.slots.length) this.grow();
    const slots = this.slots;
    this.head = (this.head - 1) & (slots.length - 1);
    slots[this.head] = request;
    this.count++;
  }

  /** Drops the oldest request (the queue must not be empty). */
  shift(): void {
    const slots = this.slots;
    slots[this.head] = undefined;
    this.head = (this.head + 1) & (slots.length - 1);
    if (--this.count === 0) {
      this.head = 0;
      if (slots.length >= SHRINK_SLOTS) this.slots = new Array(INITIAL_SLOTS).fill(undefined);
    }
  }

  /** Empties the queue; returns its requests, oldest first. */
  drain(): InFlight[] {
    const out: InFlight[] = [];
    while (this.count > 0) {
      out.push(this.slots[this.head] as InFlight);
      this.shift();
    }
    return out;
  }

  private grow(): void {
    const old = this.slots;
    const mask = old.length - 1;
    const slots = new Array<InFlight | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.count; i++) slots[i] = old[(this.head + i) & mask];
    this.slots = slots;
    this.head = 0;
  }
}
