import { describe, expect, it } from 'vitest';
import { Settleable } from '../../src/client/settleable.js';

class Box extends Settleable<number> {
  settle(value: number): void {
    if (value < 0) this.reject(new Error(`negative ${value}`));
    else this.resolve(value);
  }
}

describe('Settleable', () => {
  it('gives every instance the resolve and reject of its own promise', async () => {
    const boxes = Array.from({ length: 5 }, () => new Box());
    // Settle out of creation order: a shared capture must not leak one box's settlers to another.
    for (const i of [3, 0, 4, 1, 2]) boxes[i]?.settle(i === 4 ? -4 : i * 10);
    const results = await Promise.allSettled(boxes.map((b) => b.promise));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      0,
      10,
      20,
      30,
      'Error: negative -4',
    ]);
  });
});
