import { describe, expect, it } from 'vitest';
import { GetBatch, type GetSink } from '../../src/client/get-batch.js';
import { MemcachedProtocolError } from '../../src/errors.js';

/** A sink that records the hits it receives as text, and whether it ended. */
function recorder(wantsCas = false) {
  const hits: [string, string, number, string][] = [];
  const sink: GetSink & { hits: typeof hits; ended: number } = {
    deadline: Number.POSITIVE_INFINITY,
    wantsCas,
    batchMark: undefined,
    hits,
    ended: 0,
    joined() {},
    value(key, block, start, end, flags, cas) {
      hits.push([key, block.toString('latin1', start, end), flags, cas]);
    },
    end() {
      this.ended++;
    },
    fail(error) {
      throw error;
    },
  };
  return sink;
}

/**
 * Feeds VALUE lines (each with its data) and the END line, as the connection does: the line as
 * bytes inside a larger buffer, so offsets are exercised, and its data in another.
 */
function answer(batch: GetBatch, values: [line: string, data: string][]): boolean {
  for (const [line, data] of values) {
    const lineBytes = Buffer.from(`>>${line}\r\n<<`, 'latin1');
    const block = Buffer.from(`xx${data}yy`, 'latin1');
    batch.onValue(lineBytes, 2, 2 + line.length, block, 2, 2 + data.length, false);
  }
  return batch.onReply('END');
}

/** A batch of `keys`, each waited for by its sink, in order. */
function batchOf(entries: [string, GetSink][]): GetBatch {
  const [[firstKey, firstSink], ...rest] = entries as [[string, GetSink], ...[string, GetSink][]];
  const batch = new GetBatch(0, firstKey, firstSink);
  for (const [key, sink] of rest) batch.add(key, sink);
  return batch;
}

describe('GetBatch', () => {
  it('sends each key once and gives every waiting sink its hits', () => {
    const a = recorder();
    const b = recorder();
    const batch = batchOf([
      ['k1', a],
      ['k2', a],
      ['k1', b],
      ['k3', b],
      ['k1', a],
    ]);
    expect(batch.encode()).toBe('get k1 k2 k3\r\n');
    expect(
      answer(batch, [
        ['VALUE k1 5 2', 'v1'],
        ['VALUE k3 7 2', 'v3'],
      ]),
    ).toBe(true);
    expect(a.hits).toEqual([['k1', 'v1', 5, '']]);
    expect(b.hits).toEqual([
      ['k1', 'v1', 5, ''],
      ['k3', 'v3', 7, ''],
    ]);
    expect([a.ended, b.ended]).toEqual([1, 1]);
  });

  it('matches hits that come back out of request order (as a proxy may send them)', () => {
    const sink = recorder();
    const batch = batchOf(['a', 'ab', 'abc', 'b'].map((key) => [key, sink]));
    answer(batch, [
      ['VALUE abc 1 1', 'C'],
      ['VALUE a 2 1', 'A'],
      ['VALUE b 3 1', 'B'],
      ['VALUE ab 4 1', 'D'],
    ]);
    expect(sink.hits).toEqual([
      ['abc', 'C', 1, ''],
      ['a', 'A', 2, ''],
      ['b', 'B', 3, ''],
      ['ab', 'D', 4, ''],
    ]);
  });

  it('reads CAS tokens when a sink asked for them, and the largest flags', () => {
    const sink = recorder(true);
    const batch = batchOf([['k', sink]]);
    expect(batch.encode()).toBe('gets k\r\n');
    answer(batch, [['VALUE k 4294967295 1 18446744073709551615', 'x']]);
    expect(sink.hits).toEqual([['k', 'x', 4294967295, '18446744073709551615']]);
  });

  it('refuses a hit for a key it did not ask for, or a malformed VALUE line', () => {
    const bad: [string, string][] = [
      ['VALUE other 0 1', 'x'],
      ['VALUE k1x 0 1', 'x'],
      ['VALUE k1 zz 1', 'x'],
      ['VALUE k1  1', 'x'],
      ['VA 1 f0', 'x'],
    ];
    for (const [line, data] of bad) {
      const batch = batchOf([['k1', recorder()]]);
      expect(() => answer(batch, [[line, data]]), line).toThrow(MemcachedProtocolError);
    }
    const batch = batchOf([['k1', recorder()]]);
    expect(() => batch.onReply('STORED')).toThrow(MemcachedProtocolError);
  });
});
