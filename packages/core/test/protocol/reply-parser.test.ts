import { describe, expect, it } from 'vitest';
import { MemcachedProtocolError } from '../../src/errors.js';
import { type Reply, type ReplyHandler, ReplyParser } from '../../src/protocol/reply-parser.js';

/** Replies as plain data, so they compare with toEqual whatever buffer they share memory with. */
interface Plain {
  line: string;
  data: number[] | undefined;
}

function plain(reply: Reply): Plain {
  return { line: reply.line, data: reply.data === undefined ? undefined : [...reply.data] };
}

/** A handler that collects each reply, its data block copied (the parser only lends it). */
function collect(sink: (reply: Reply) => unknown): ReplyHandler {
  return (line, block, start, end) => {
    sink({ line, data: block === undefined ? undefined : Buffer.from(block.subarray(start, end)) });
  };
}

function parserFor(sink: (reply: Reply) => unknown): ReplyParser {
  return new ReplyParser(collect(sink));
}

function parseChunks(chunks: Buffer[]): Plain[] {
  const out: Plain[] = [];
  const parser = parserFor((reply) => out.push(plain(reply)));
  for (const chunk of chunks) parser.push(chunk);
  return out;
}

const binary = Buffer.from([0, 13, 10, 255, 0x20, 13, 10, 13]);
const latin1Key = Buffer.from([0x6b, 0xe9, 0xff]).toString('latin1');

/** A reply stream covering every reply shape the client reads, and what it must parse to. */
const cases: { bytes: Buffer; replies: Plain[] }[] = [
  { bytes: Buffer.from('STORED\r\n'), replies: [{ line: 'STORED', data: undefined }] },
  {
    bytes: Buffer.concat([Buffer.from('VALUE k 5 8\r\n'), binary, Buffer.from('\r\n')]),
    replies: [{ line: 'VALUE k 5 8', data: [...binary] }],
  },
  {
    bytes: Buffer.from('VALUE empty 0 0 42\r\n\r\nEND\r\n'),
    replies: [
      { line: 'VALUE empty 0 0 42', data: [] },
      { line: 'END', data: undefined },
    ],
  },
  {
    bytes: Buffer.concat([
      Buffer.from('VALUE '),
      Buffer.from(latin1Key, 'latin1'),
      Buffer.from(' 4294967295 5 18446744073709551615\r\nVALUE\r\n'),
    ]),
    replies: [
      {
        line: `VALUE ${latin1Key} 4294967295 5 18446744073709551615`,
        data: [...Buffer.from('VALUE')],
      },
    ],
  },
  {
    bytes: Buffer.from('VA 2 f30 c9 t-1\r\nEN\r\nHD\r\nVA 0\r\n\r\nMN\r\n'),
    replies: [
      { line: 'VA 2 f30 c9 t-1', data: [...Buffer.from('EN')] },
      { line: 'HD', data: undefined },
      { line: 'VA 0', data: [] },
      { line: 'MN', data: undefined },
    ],
  },
  {
    bytes: Buffer.from('STAT pid 1\r\nSTAT version 1.6.18\r\nEND\r\nVERSION 1.6.18\r\n'),
    replies: [
      { line: 'STAT pid 1', data: undefined },
      { line: 'STAT version 1.6.18', data: undefined },
      { line: 'END', data: undefined },
      { line: 'VERSION 1.6.18', data: undefined },
    ],
  },
  {
    bytes: Buffer.from(
      'SERVER_ERROR out of memory storing object\r\nCLIENT_ERROR bad\r\nERROR\r\n',
    ),
    replies: [
      { line: 'SERVER_ERROR out of memory storing object', data: undefined },
      { line: 'CLIENT_ERROR bad', data: undefined },
      { line: 'ERROR', data: undefined },
    ],
  },
  {
    bytes: Buffer.from('VERSIONS\r\nVALUES\r\nVAL\r\n\r\n'),
    replies: [
      { line: 'VERSIONS', data: undefined },
      { line: 'VALUES', data: undefined },
      { line: 'VAL', data: undefined },
      { line: '', data: undefined },
    ],
  },
];

const stream = Buffer.concat(cases.map((c) => c.bytes));
const expected = cases.flatMap((c) => c.replies);
const expectedJson = JSON.stringify(expected);

describe('ReplyParser, however the stream is split', () => {
  it('parses a whole stream pushed at once', () => {
    expect(parseChunks([stream])).toEqual(expected);
  });

  it('parses only the first `length` bytes of a larger read buffer', () => {
    // Whole replies past `length`: a parser that read on would report them.
    const buffer = Buffer.alloc(stream.length + 64, 'STORED\r\n');
    stream.copy(buffer);
    const out: Plain[] = [];
    parserFor((reply) => out.push(plain(reply))).push(buffer, stream.length);
    expect(out).toEqual(expected);
  });

  it('parses the stream split at every byte boundary', () => {
    for (let i = 0; i <= stream.length; i++) {
      expect(parseChunks([stream.subarray(0, i), stream.subarray(i)]), `split at ${i}`).toEqual(
        expected,
      );
    }
  });

  it('parses the stream split at every pair of byte boundaries', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const chunks = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)];
        const got = parseChunks(chunks);
        // Compare cheaply; fall back to the readable assertion on the first mismatch.
        if (JSON.stringify(got) !== expectedJson)
          expect(got, `split at ${i}, ${j}`).toEqual(expected);
      }
    }
  });

  it('parses the stream fed one byte at a time', () => {
    const chunks = [...stream].map((b) => Buffer.from([b]));
    expect(parseChunks(chunks)).toEqual(expected);
  });
});

describe('ReplyParser', () => {
  it('parses a large value arriving in many chunks', () => {
    const value = Buffer.alloc(1_048_576, 7);
    value.write('\r\nEND\r\n', 1000);
    const bytes = Buffer.concat([
      Buffer.from(`VALUE big 0 ${value.length}\r\n`),
      value,
      Buffer.from('\r\nEND\r\n'),
    ]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
    const replies: Reply[] = [];
    const parser = new ReplyParser(collect((reply) => replies.push(reply)));
    for (const chunk of chunks) parser.push(chunk);
    expect(replies.map((r) => r.line)).toEqual([`VALUE big 0 ${value.length}`, 'END']);
    expect(replies[0]?.data?.equals(value)).toBe(true);
  });

  it('hands out a data block that arrived in one chunk in place, without copying it', () => {
    const chunk = Buffer.from('VALUE a 0 3\r\nabc\r\nEND\r\n');
    const blocks: [Buffer | undefined, number, number][] = [];
    new ReplyParser((_line, block, start, end) => blocks.push([block, start, end])).push(chunk);
    expect(blocks).toEqual([
      [chunk, 13, 16],
      [undefined, 0, 0],
    ]);
    expect(blocks[0]?.[0]).toBe(chunk);
  });

  it('hands a VALUE line and its block to onValue as bytes of the chunk, in place', () => {
    const chunk = Buffer.from('VALUE a 0 3 77\r\nabc\r\nEND\r\n');
    const values: unknown[][] = [];
    const lines: string[] = [];
    new ReplyParser((line) => lines.push(line), {
      onValue: (...args) => values.push(args),
    }).push(chunk);
    expect(values).toEqual([[chunk, 0, 14, chunk, 16, 19]]);
    expect(values[0]?.[0]).toBe(chunk);
    expect(values[0]?.[3]).toBe(chunk);
    expect(lines).toEqual(['END']);
  });

  it('accepts a bare \\n line ending', () => {
    expect(parseChunks([Buffer.from('END\nVALUE a 0 1\r\nx\r\n')])).toEqual([
      { line: 'END', data: undefined },
      { line: 'VALUE a 0 1', data: [...Buffer.from('x')] },
    ]);
  });

  it('keeps no partial reply after reset()', () => {
    const out: Plain[] = [];
    const parser = new ReplyParser(collect((reply) => out.push(plain(reply))));
    parser.push(Buffer.from('VALUE a 0 10\r\nabc'));
    parser.reset();
    parser.push(Buffer.from('STOR'));
    parser.reset();
    parser.push(Buffer.from('END\r\n'));
    expect(out).toEqual([{ line: 'END', data: undefined }]);
  });

  it('stops delivering the rest of a chunk when onReply resets the parser', () => {
    const out: string[] = [];
    const parser = new ReplyParser((line) => {
      out.push(line);
      // What a connection does when a reply tells it to drop the stream.
      if (line === 'SERVER_ERROR closing') parser.reset();
    });
    parser.push(Buffer.from('HD\r\nSERVER_ERROR closing\r\nVALUE a 0 1\r\nx\r\nEND\r\nST'));
    expect(out).toEqual(['HD', 'SERVER_ERROR closing']);
    parser.push(Buffer.from('ORED\r\n'));
    expect(out).toEqual(['HD', 'SERVER_ERROR closing', 'ORED']);
  });

  describe('rejects garbage with MemcachedProtocolError, however it is split', () => {
    const garbage: [string, Buffer][] = [
      ['a data block not followed by \\r\\n', Buffer.from('VALUE a 0 3\r\nabcdEND\r\n')],
      ['a meta data block not followed by \\r\\n', Buffer.from('VA 1 f0\r\nxx\r\n')],
      ['a VALUE line without a byte count', Buffer.from('VALUE a 0\r\n')],
      ['a VALUE line with a non-numeric byte count', Buffer.from('VALUE a 0 -1\r\n')],
      ['a VALUE line whose byte count runs into a letter', Buffer.from('VALUE a 0 1x\r\nx\r\n')],
      ['a VALUE line whose byte count runs into a tab', Buffer.from('VALUE a 0 1\t7\r\nx\r\n')],
      ['a VALUE line ending in \\r\\r\\n', Buffer.from('VALUE a 0 1\r\r\nx\r\n')],
      ['a VA line with a bad size', Buffer.from('VA x\r\n')],
      ['a byte count over the data limit', Buffer.from('VALUE a 0 9999999999\r\n')],
      ['a line longer than the limit', Buffer.alloc(9000, 0x41)],
      ['a line longer than the limit, then a newline', Buffer.from(`${'A'.repeat(9000)}\r\n`)],
      ['a VALUE line longer than the limit', Buffer.from(`VALUE ${'k'.repeat(9000)} 0 1\r\nx\r\n`)],
    ];
    for (const [name, bytes] of garbage) {
      it(name, () => {
        for (let i = 0; i <= bytes.length; i += bytes.length > 100 ? 997 : 1) {
          const parser = parserFor(() => {});
          expect(() => {
            parser.push(bytes.subarray(0, i));
            parser.push(bytes.subarray(i));
          }, `split at ${i}`).toThrow(MemcachedProtocolError);
        }
      });
    }
  });

  it('honours a custom maxLineBytes and maxDataBytes', () => {
    const parser = new ReplyParser(() => {}, { maxLineBytes: 5, maxDataBytes: 2 });
    expect(() => parser.push(Buffer.from('HELLO!'))).toThrow(MemcachedProtocolError);
    expect(() => parser.push(Buffer.from('VA 3\r\n'))).toThrow(MemcachedProtocolError);
    const out: Plain[] = [];
    const ok = new ReplyParser(
      collect((r) => out.push(plain(r))),
      { maxLineBytes: 5, maxDataBytes: 2 },
    );
    ok.push(Buffer.from('VA 2\r\nab\r\n'));
    expect(out).toEqual([{ line: 'VA 2', data: [97, 98] }]);
  });
});
