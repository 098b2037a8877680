import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CODEC_FLAGS_MASK,
  COMPRESSION_FLAGS_MASK,
  type Serializer,
  ValueCodec,
} from '../../src/client/codec.js';
import { MemcachedSerializationError, MemcachedValueTooLargeError } from '../../src/errors.js';

function roundTrip(codec: ValueCodec, value: unknown): unknown {
  const { data, flags } = codec.encode(value);
  // What comes back from the server is a copy of the bytes, never the same buffer.
  return codec.decode(Buffer.from(data), flags);
}

describe('ValueCodec with the json serializer (default)', () => {
  const codec = new ValueCodec({});

  it('gives every value back as the type that went in', () => {
    const values: unknown[] = [
      'hello',
      '',
      '42',
      'true',
      'null',
      '{"a":1}',
      'clé 😀',
      0,
      -0,
      42,
      -3.5,
      1e300,
      Number.MAX_SAFE_INTEGER,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      12345678901234567890n,
      -1n,
      true,
      false,
      null,
      { a: 1, b: [1, 'x', null], c: { d: true } },
      [],
      [1, 2, 3],
      {},
    ];
    for (const value of values) {
      const back = roundTrip(codec, value);
      expect(back, String(value)).toStrictEqual(value);
      expect(typeof back).toBe(typeof value);
    }
  });

  it('stores Buffers and Uint8Arrays as raw bytes with flags 0 and reads binary back as Buffers', () => {
    const bytes = Buffer.from([0, 255, 13, 10, 0x80]);
    const encoded = codec.encode(bytes);
    expect(encoded.data.equals(bytes)).toBe(true);
    expect(encoded.flags).toBe(0);
    const back = codec.decode(Buffer.from(encoded.data), encoded.flags);
    expect(Buffer.isBuffer(back)).toBe(true);
    expect((back as Buffer).equals(bytes)).toBe(true);
    const view = new Uint8Array([9, 0xff, 0xfe, 6]).subarray(1, 3);
    expect([...(roundTrip(codec, view) as Buffer)]).toEqual([0xff, 0xfe]);
  });

  it('reads flags-0 bytes that are valid UTF-8 as a string (as every Node client does)', () => {
    const { data, flags } = codec.encode(Buffer.from('caf\u00e9 \ufffd', 'utf8'));
    expect(flags).toBe(0);
    expect(codec.decode(Buffer.from(data), flags)).toBe('caf\u00e9 \ufffd');
  });

  it('stores strings as plain UTF-8 with flags 0 and numbers as JSON text (so incr works on them)', () => {
    expect(codec.encode('clé')).toEqual({ data: Buffer.from('clé'), flags: 0 });
    expect(codec.encode(42)).toEqual({ data: Buffer.from('42'), flags: 2 });
    expect(codec.encode({ a: 1 }).flags).toBe(2);
  });

  it('reads a number back after memcached padded it with spaces (decr 10 -> "9 ")', () => {
    const { flags } = codec.encode(10);
    expect(codec.decode(Buffer.from('9 '), flags)).toBe(9);
  });

  it('reads flags 0 (plain bytes from another client) as a UTF-8 string, even if JSON-like', () => {
    expect(codec.decode(Buffer.from('{"a":1}'), 0)).toBe('{"a":1}');
    expect(codec.decode(Buffer.from('42'), 0)).toBe('42');
    expect(codec.decode(Buffer.from('clé'), 0)).toBe('clé');
  });

  it('uses only the low byte of the flags', () => {
    for (const value of ['s', 1, 1n, Number.NaN, true, null, {}, Buffer.alloc(1)]) {
      expect(codec.encode(value).flags & ~CODEC_FLAGS_MASK).toBe(0);
    }
    // Application bits above the low byte do not change how a value decodes.
    const { data, flags } = codec.encode({ a: 1 });
    expect(codec.decode(data, flags | 0x1_0000)).toEqual({ a: 1 });
  });

  it('throws MemcachedSerializationError on values JSON cannot hold', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const value of [undefined, () => 1, Symbol('s'), circular, { n: 1n }]) {
      expect(() => codec.encode(value)).toThrow(MemcachedSerializationError);
    }
  });

  it('throws MemcachedSerializationError on stored bytes it cannot decode', () => {
    const json = codec.encode({}).flags;
    const number = codec.encode(1).flags;
    const bigint = codec.encode(1n).flags;
    expect(() => codec.decode(Buffer.from('{not json'), json)).toThrow(MemcachedSerializationError);
    expect(() => codec.decode(Buffer.from('abc'), number)).toThrow(MemcachedSerializationError);
    expect(() => codec.decode(Buffer.from(''), number)).toThrow(MemcachedSerializationError);
    expect(() => codec.decode(Buffer.from('1.5'), bigint)).toThrow(MemcachedSerializationError);
    expect(() => codec.decode(Buffer.from('not deflate'), 0x20)).toThrow(
      MemcachedSerializationError,
    );
  });
});

describe('ValueCodec with the string and buffer serializers', () => {
  it('string stores UTF-8 with flags 0, readable by any client', () => {
    const codec = new ValueCodec({ serializer: 'string' });
    const { data, flags } = codec.encode('clé');
    expect(flags).toBe(0);
    expect(data.toString('utf8')).toBe('clé');
    expect(codec.decode(Buffer.from('plain'), 0)).toBe('plain');
    expect(() => codec.encode(42)).toThrow(MemcachedSerializationError);
  });

  it('buffer stores and returns raw bytes', () => {
    const codec = new ValueCodec({ serializer: 'buffer' });
    const bytes = Buffer.from([0, 1, 2, 255]);
    const back = roundTrip(codec, bytes) as Buffer;
    expect(Buffer.isBuffer(back)).toBe(true);
    expect(back.equals(bytes)).toBe(true);
    expect(codec.encode(bytes).flags).toBe(0);
    expect(() => codec.encode('text')).toThrow(MemcachedSerializationError);
  });
});

describe('ValueCodec with a custom serializer', () => {
  const upper: Serializer = {
    serialize: (value) => ({ data: Buffer.from(String(value).toUpperCase()), flags: 0x100 }),
    deserialize: (data, flags) => `${data.toString()}/${flags}`,
  };

  it('uses it both ways, with compression on top', () => {
    const codec = new ValueCodec({ serializer: upper, compress: { threshold: 10 } });
    expect(roundTrip(codec, 'abc')).toBe('ABC/256');
    const long = roundTrip(codec, 'a'.repeat(1000));
    expect(long).toBe(`${'A'.repeat(1000)}/256`);
  });

  it('wraps its failures in MemcachedSerializationError', () => {
    const failing: Serializer = {
      serialize: () => {
        throw new Error('nope');
      },
      deserialize: () => {
        throw new Error('nope');
      },
    };
    const codec = new ValueCodec({ serializer: failing });
    expect(() => codec.encode(1)).toThrow(MemcachedSerializationError);
    expect(() => codec.decode(Buffer.from('x'), 0)).toThrow(MemcachedSerializationError);
  });

  it('refuses flags that use the compression bits', () => {
    const codec = new ValueCodec({
      serializer: {
        serialize: () => ({ data: Buffer.from('x'), flags: 0x20 }),
        deserialize: () => 1,
      },
    });
    expect(() => codec.encode(1)).toThrow(MemcachedSerializationError);
  });
});

describe('ValueCodec compression', () => {
  const text = 'the same words again and again; '.repeat(200);

  for (const algorithm of ['deflate', 'gzip', 'brotli'] as const) {
    it(`compresses with ${algorithm} above the threshold and marks it in the flags`, () => {
      const codec = new ValueCodec({ compress: { threshold: 100, algorithm } });
      const { data, flags } = codec.encode(text);
      expect(data.length).toBeLessThan(Buffer.byteLength(text));
      expect(flags & COMPRESSION_FLAGS_MASK).not.toBe(0);
      expect(codec.decode(Buffer.from(data), flags)).toBe(text);
      // Any codec reads it, whatever its own compression setting.
      expect(new ValueCodec({}).decode(Buffer.from(data), flags)).toBe(text);
    });
  }

  it('defaults to deflate', () => {
    const { data, flags } = new ValueCodec({ compress: { threshold: 0 } }).encode(text);
    expect(flags & COMPRESSION_FLAGS_MASK).toBe(0x20);
    expect(data.equals(deflateSync(Buffer.from(text)))).toBe(true);
  });

  it('leaves values under the threshold uncompressed', () => {
    const codec = new ValueCodec({ compress: { threshold: 10_000 } });
    const { data, flags } = codec.encode(text);
    expect(flags & COMPRESSION_FLAGS_MASK).toBe(0);
    expect(data.toString()).toBe(text);
  });

  it('stores the value uncompressed when compressing does not shrink it', () => {
    const random = gzipSync(Buffer.from(text)); // already compressed: gzip cannot shrink it
    const codec = new ValueCodec({ compress: { threshold: 1, algorithm: 'gzip' } });
    const { data, flags } = codec.encode(random);
    expect(flags & COMPRESSION_FLAGS_MASK).toBe(0);
    expect(data.equals(random)).toBe(true);
  });

  it('refuses to inflate past maxDecompressedSize', () => {
    const bomb = deflateSync(Buffer.alloc(100_000));
    const codec = new ValueCodec({ maxDecompressedSize: 1000 });
    expect(() => codec.decode(bomb, 0x20 | 2)).toThrow(MemcachedSerializationError);
  });
});

describe('ValueCodec maxValueSize', () => {
  it('defaults to 1 MiB and counts the bytes actually stored', () => {
    const codec = new ValueCodec({});
    expect(codec.encode(Buffer.alloc(1_048_576)).data.length).toBe(1_048_576);
    expect(() => codec.encode(Buffer.alloc(1_048_577))).toThrow(MemcachedValueTooLargeError);
    expect(() => codec.encode('é'.repeat(600_000))).toThrow(MemcachedValueTooLargeError);
  });

  it('lets a value that compresses under the limit through', () => {
    const codec = new ValueCodec({ maxValueSize: 1000, compress: { threshold: 100 } });
    expect(() => codec.encode('a'.repeat(10_000))).not.toThrow();
    expect(() => new ValueCodec({ maxValueSize: 1000 }).encode('a'.repeat(10_000))).toThrow(
      MemcachedValueTooLargeError,
    );
  });

  it('names the size and the fix in the message', () => {
    expect(() => new ValueCodec({ maxValueSize: 10 }).encode('x'.repeat(20))).toThrow(
      /20 bytes.*maxValueSize \(10 bytes\)/,
    );
  });
});

describe('ValueCodec options', () => {
  it('throws RangeError on invalid options', () => {
    const bad: unknown[] = [
      { serializer: 'xml' },
      { serializer: { serialize: () => ({}) } },
      { compress: { threshold: -1 } },
      { compress: { threshold: 10, algorithm: 'lz4' } },
      { maxValueSize: 0 },
      { maxValueSize: 1.5 },
    ];
    for (const options of bad) {
      expect(() => new ValueCodec(options as ConstructorParameters<typeof ValueCodec>[0])).toThrow(
        RangeError,
      );
    }
  });
});

describe('ValueCodec.decodeBlock (a value read in place from a socket read buffer)', () => {
  /** Puts `data` in the middle of a larger buffer, as a read buffer holds it. */
  function inBlock(data: Buffer): { block: Buffer; start: number; end: number } {
    const block = Buffer.concat([Buffer.from('VALUE k 0 9\r\n'), data, Buffer.from('\r\nEND\r\n')]);
    return { block, start: 13, end: 13 + data.length };
  }

  const values: [string, ValueCodec, unknown][] = [
    ['json text', new ValueCodec({}), 'héllo'],
    ['json object', new ValueCodec({}), { a: [1, 'x'] }],
    ['json number', new ValueCodec({}), -3.5],
    ['json bigint', new ValueCodec({}), 12n],
    ['json bytes', new ValueCodec({}), Buffer.from([0, 1, 2, 255])],
    ['string', new ValueCodec({ serializer: 'string' }), 'plain ✓'],
    ['buffer', new ValueCodec({ serializer: 'buffer' }), Buffer.from([9, 8, 7])],
    ['compressed', new ValueCodec({ compress: { threshold: 0 } }), 'z'.repeat(500)],
  ];
  for (const [name, codec, value] of values) {
    it(`${name}: decodes from the block's range and survives the block being overwritten`, () => {
      const { data, flags } = codec.encode(value);
      const { block, start, end } = inBlock(data);
      const decoded = codec.decodeBlock(block, start, end, flags, true);
      block.fill(0x41);
      expect(decoded).toEqual(value);
    });
  }

  it('hands a custom deserializer its own copy of shared bytes', () => {
    let seen: Buffer | undefined;
    const codec = new ValueCodec({
      serializer: {
        serialize: (v) => ({ data: Buffer.from(String(v)), flags: 0 }),
        deserialize: (d) => {
          seen = d;
          return d;
        },
      },
    });
    const { block, start, end } = inBlock(Buffer.from('kept'));
    codec.decodeBlock(block, start, end, 0, true);
    block.fill(0x41);
    expect(seen?.toString()).toBe('kept');
  });

  it('returns a view, not a copy, of bytes that are not shared', () => {
    const codec = new ValueCodec({ serializer: 'buffer' });
    const { block, start, end } = inBlock(Buffer.from('mine'));
    const decoded = codec.decodeBlock(block, start, end, 0, false) as Buffer;
    expect(decoded.buffer).toBe(block.buffer);
    expect(decoded.toString()).toBe('mine');
  });
});

describe('ValueCodec.encodeWire (a value about to be written as latin1 text)', () => {
  /** The bytes encodeWire stands for, whichever form it chose. */
  function bytes(data: Buffer | string): Buffer {
    return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  }

  const codecs: [string, ValueCodec][] = [
    ['json', new ValueCodec({})],
    ['string', new ValueCodec({ serializer: 'string' })],
    ['compressing', new ValueCodec({ compress: { threshold: 64 } })],
    ['buffer', new ValueCodec({ serializer: 'buffer' })],
  ];
  const values: unknown[] = [
    'ascii',
    'clé 😀',
    '',
    'x'.repeat(300),
    42,
    -0,
    7n,
    true,
    null,
    { a: 'é' },
  ];
  for (const [name, codec] of codecs) {
    it(`${name}: stands for exactly the bytes and flags encode gives`, () => {
      const candidates =
        name === 'buffer'
          ? [Buffer.from('raw')]
          : name === 'string'
            ? values.filter((v) => typeof v === 'string')
            : values;
      for (const value of candidates) {
        const wire = codec.encodeWire(value);
        const plain = codec.encode(value);
        expect(bytes(wire.data).equals(plain.data), String(value)).toBe(true);
        expect(wire.flags).toBe(plain.flags);
        expect(wire.length).toBe(plain.data.length);
      }
    });
  }

  it('gives ASCII text as a string and anything else as a Buffer', () => {
    const codec = new ValueCodec({ compress: { threshold: 64 } });
    expect(codec.encodeWire('plain').data).toBe('plain');
    expect(codec.encodeWire({ a: 1 }).data).toBe('{"a":1}');
    expect(Buffer.isBuffer(codec.encodeWire('clé').data)).toBe(true);
    // Compressed: the deflated bytes, flagged as such.
    const big = codec.encodeWire('y'.repeat(1000));
    expect(Buffer.isBuffer(big.data)).toBe(true);
    expect(big.flags & COMPRESSION_FLAGS_MASK).not.toBe(0);
  });

  it('refuses values over maxValueSize and what the serializer refuses, like encode', () => {
    const small = new ValueCodec({ maxValueSize: 4 });
    expect(() => small.encodeWire('12345')).toThrow(MemcachedValueTooLargeError);
    expect(() => new ValueCodec({ serializer: 'string' }).encodeWire(1)).toThrow(
      MemcachedSerializationError,
    );
    expect(() => new ValueCodec({}).encodeWire(() => 1)).toThrow(MemcachedSerializationError);
  });
});
