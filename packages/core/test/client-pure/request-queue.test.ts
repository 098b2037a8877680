import { describe, expect, it } from 'vitest';
import type { InFlight } from '../../src/client/in-flight.js';
import { RequestQueue } from '../../src/client/request-queue.js';

function request(id: number): InFlight & { id: number } {
  return { id, deadline: 0, onReply: () => true, fail: () => {} };
}

describe('RequestQueue', () => {
  it('keeps FIFO order while it wraps around and grows', () => {
    const queue = new RequestQueue();
    const expected: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the ring wraps at several sizes.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round % 7) + 3; i++) {
        queue.push(request(next));
        expected.push(next++);
      }
      for (let i = 0; i < (round % 5) + 1 && queue.length > 0; i++) {
        expect((queue.peek() as InFlight & { id: number }).id).toBe(expected.shift());
        queue.shift();
      }
      expect(queue.length).toBe(expected.length);
    }
    expect(queue.drain().map((r) => (r as InFlight & { id: number }).id)).toEqual(expected);
    expect(queue.length).toBe(0);
    expect(queue.peek()).toBeUndefined();
  });

  it('works again after a burst has emptied it', () => {
    const queue = new RequestQueue();
    for (let i = 0; i < 10_000; i++) queue.push(request(i));
    for (let i = 0; i < 10_000; i++) queue.shift();
    queue.push(request(1));
    queue.push(request(2));
    expect(queue.drain().map((r) => (r as InFlight & { id: number }).id)).toEqual([1, 2]);
  });
});
