import { describe, expect, test } from 'vitest';
import {
  DEFAULT_CLIENT_OPTIONS,
  MemcachedClient,
  MemcachedInvalidOptionError,
  parseServerList,
  resolveClientOptions,
} from '../../src/index.js';
import { invalidOptionError } from '../options/expect-invalid-option.js';

describe('server lists', () => {
  test('accepts "host:port", "host:port weight", arrays, objects and comma-separated strings', () => {
    expect(parseServerList('cache:11212')).toEqual([
      { id: 'cache:11212', host: 'cache', port: 11212, weight: 1 },
    ]);
    expect(parseServerList(['a:1 3', { host: 'b', port: 2, weight: 2 }, 'c'])).toEqual([
      { id: 'a:1', host: 'a', port: 1, weight: 3 },
      { id: 'b:2', host: 'b', port: 2, weight: 2 },
      { id: 'c:11211', host: 'c', port: 11211, weight: 1 },
    ]);
    expect(parseServerList('m1:11211, m2:11211').map((s) => s.id)).toEqual([
      'm1:11211',
      'm2:11211',
    ]);
    expect(parseServerList('[::1]:11300')[0]).toMatchObject({
      host: '::1',
      port: 11300,
      id: '[::1]:11300',
    });
  });

  test('without a list, reads MEMCACHED_SERVERS, else 127.0.0.1:11211', () => {
    const env = { MEMCACHED_SERVERS: 'memcached-1:11211,memcached-2:11211' };
    expect(parseServerList(undefined, env).map((s) => s.id)).toEqual([
      'memcached-1:11211',
      'memcached-2:11211',
    ]);
    expect(parseServerList(undefined, {}).map((s) => s.id)).toEqual(['127.0.0.1:11211']);
  });

  test('the client picks MEMCACHED_SERVERS up when given no servers', () => {
    const saved = process.env.MEMCACHED_SERVERS;
    process.env.MEMCACHED_SERVERS = 'env-host:11999';
    try {
      expect(new MemcachedClient().serverFor('k')).toBe('env-host:11999');
    } finally {
      if (saved === undefined) delete process.env.MEMCACHED_SERVERS;
      else process.env.MEMCACHED_SERVERS = saved;
    }
  });

  test('malformed entries throw a RangeError naming them', () => {
    expect(() => parseServerList('host:notaport')).toThrow(/host:notaport/);
    expect(() => parseServerList('host:0')).toThrow(RangeError);
    expect(() => parseServerList('host:1 0')).toThrow(/weight/);
    expect(() => parseServerList('a:1 2 3')).toThrow(RangeError);
    expect(() => parseServerList(['a:1', 'a:1'])).toThrow(/twice/);
    expect(() => parseServerList([])).toThrow(/at least one/);
    expect(() => parseServerList(undefined, { MEMCACHED_SERVERS: 'x:y' })).toThrow(
      /MEMCACHED_SERVERS/,
    );
  });
});

describe('client options', () => {
  test('defaults are applied and the result is frozen', () => {
    const o = resolveClientOptions({});
    expect(o).toMatchObject({ ...DEFAULT_CLIENT_OPTIONS, tls: undefined, gutter: undefined });
    expect(o.timeoutMs).toBe(500);
    expect(o.connectTimeoutMs).toBe(1000);
    expect(o.failureLimit).toBe(2);
    expect(o.retryDelayMs).toBe(5000);
    expect(o.gutterTtl).toBe(10);
    expect(o.maxValueSize).toBe(1_048_576);
    expect(Object.isFrozen(o)).toBe(true);
    expect(resolveClientOptions({ tls: true }).tls).toEqual({});
  });

  test('undefined fields fall back to defaults', () => {
    expect(resolveClientOptions({ timeoutMs: undefined }).timeoutMs).toBe(500);
  });

  test('bad values and unknown keys throw at construction, naming the option', () => {
    expect(() => resolveClientOptions({ timeoutMs: -1 })).toThrow(
      'Invalid option "timeoutMs": expected a positive integer, got -1.',
    );
    expect(() => resolveClientOptions({ poolSize: 1.5 })).toThrow(/poolSize/);
    expect(() => resolveClientOptions({ remove: 'yes' as unknown as boolean })).toThrow(/remove/);
    expect(() => resolveClientOptions({ timeout: 5 } as never)).toThrow(/"timeout": unknown/);
    expect(() => resolveClientOptions({ serializer: 'xml' as never })).toThrow(/serializer/);
    expect(() => resolveClientOptions({ compress: { threshold: -1 } })).toThrow(/threshold/);
    expect(() => new MemcachedClient('a:1', { failureLimit: 0 })).toThrow(
      MemcachedInvalidOptionError,
    );
    expect(() => new MemcachedClient('a:1', { gutter: 'a:1' })).toThrow(/gutter/);
  });

  test('every bad option is ERR_MEMCACHED_INVALID_OPTION naming it and what was expected', () => {
    const r = (options: unknown) => () => resolveClientOptions(options as never);
    expect(invalidOptionError(r({ timeoutMs: -1 }), 'timeoutMs').message).toBe(
      'Invalid option "timeoutMs": expected a positive integer, got -1.',
    );
    expect(invalidOptionError(r({ poolSize: 1.5 }), 'poolSize').message).toContain(
      'expected a positive integer, got 1.5',
    );
    expect(invalidOptionError(r({ remove: 'yes' }), 'remove').message).toBe(
      'Invalid option "remove": expected a boolean, got "yes".',
    );
    expect(invalidOptionError(r({ timeout: 5 }), 'timeout').message).toMatch(
      /unknown option\. Known options: poolSize, timeoutMs, .*discovery\.$/,
    );
    expect(invalidOptionError(r(null), 'options').message).toContain('expected an object');
    expect(invalidOptionError(r({ serializer: 'xml' }), 'serializer').message).toBe(
      `Invalid option "serializer": expected one of 'json', 'pymemcache', 'memcached', 'memcache-client', 'string', 'buffer' or an object with serialize() and deserialize(), got "xml".`,
    );
    invalidOptionError(r({ serializer: { serialize() {} } }), 'serializer');
    expect(invalidOptionError(r({ compress: true }), 'compress').message).toContain(
      'expected false or { threshold, algorithm? }, got true',
    );
    expect(
      invalidOptionError(r({ compress: { threshold: -1 } }), 'compress.threshold').message,
    ).toBe('Invalid option "compress.threshold": expected a non-negative integer, got -1.');
    expect(
      invalidOptionError(r({ compress: { threshold: 0, algorithm: 'lz4' } }), 'compress.algorithm')
        .message,
    ).toContain(`expected one of 'deflate', 'gzip' or 'brotli', got "lz4"`);
    // A misspelt nested key is refused too, not dropped.
    invalidOptionError(r({ compress: { treshold: 10 } }), 'compress.treshold');
    expect(invalidOptionError(r({ tls: 'yes' }), 'tls').message).toContain(
      'expected a boolean or tls.ConnectionOptions',
    );
    expect(invalidOptionError(r({ logger: {} }), 'logger').message).toContain('warn()');
    expect(invalidOptionError(r({ maxValueSize: 0 }), 'maxValueSize').message).toContain(
      'a positive integer',
    );
  });

  test('a bad gutter is named "gutter", not "servers"', () => {
    const e = invalidOptionError(() => resolveClientOptions({ gutter: 'spare:0' }), 'gutter');
    expect(e.message).toContain('"spare:0"');
    expect(e.cause).toBeInstanceOf(RangeError);
    expect(
      invalidOptionError(() => new MemcachedClient('a:1', { gutter: 'a:1' }), 'gutter').message,
    ).toContain('a:1, which is also a main server');
  });

  test('good values pass, nested ones frozen or kept as given', () => {
    const serializer = {
      serialize: () => ({ data: Buffer.alloc(0), flags: 0 }),
      deserialize: () => 1,
    };
    const o = resolveClientOptions({
      serializer,
      compress: { threshold: 0, algorithm: 'brotli' },
      gutter: 'spare:11211',
      tls: false,
    });
    expect(o.serializer).toBe(serializer);
    expect(o.compress).toEqual({ threshold: 0, algorithm: 'brotli' });
    expect(o.gutter).toBe('spare:11211');
    expect(o.tls).toBeUndefined();
  });
});
