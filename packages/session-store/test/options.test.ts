import { MemcachedInvalidOptionError } from '@memkit/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMCACHED_STORE_OPTIONS,
  resolveMemcachedStoreOptions,
  resolveSessionManagerOptions,
} from '../src/index.js';

describe('resolveMemcachedStoreOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveMemcachedStoreOptions({});
    expect(o.keyPrefix).toBe('sess:');
    expect(o.ttl).toBe(86_400);
    expect(o.touchAfter).toBeUndefined();
    expect(o.disableTouch).toBe(false);
    expect(o.cas).toBeUndefined();
    expect(o.serializer).toBe(DEFAULT_MEMCACHED_STORE_OPTIONS.serializer);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('resolves cas: true to "refuse on conflict" and cas: { merge } to merge-and-retry', () => {
    expect(resolveMemcachedStoreOptions({ cas: true }).cas).toEqual({
      merge: undefined,
      retries: 3,
    });
    const merge = (a: object, b: object) => ({ ...a, ...b });
    expect(resolveMemcachedStoreOptions({ cas: { merge, retries: 5 } }).cas).toEqual({
      merge,
      retries: 5,
    });
  });

  it('drops undefined values instead of rejecting them', () => {
    expect(resolveMemcachedStoreOptions({ ttl: undefined, keyPrefix: undefined }).ttl).toBe(86_400);
  });

  it.each([
    [{ ttl: 0 }, 'Invalid option "ttl": expected a positive integer, got 0.'],
    [{ ttl: 1.5 }, 'Invalid option "ttl"'],
    [{ touchAfter: -1 }, 'Invalid option "touchAfter": expected a non-negative integer, got -1.'],
    [{ keyPrefix: 'has space' }, 'Invalid option "keyPrefix"'],
    [
      { keyPrefix: 'x'.repeat(201) },
      'Invalid option "keyPrefix": expected a string without whitespace or control characters of at most 200 bytes',
    ],
    [{ disableTouch: 'yes' }, 'Invalid option "disableTouch"'],
    [{ cas: 'merge' }, 'Invalid option "cas"'],
    [{ cas: { merge: 1 } }, 'Invalid option "cas.merge"'],
    [{ cas: { retries: -1 } }, 'Invalid option "cas.retries"'],
    [{ cas: { retry: 2 } }, 'Invalid option "cas.retry": unknown option'],
    [{ serializer: JSON.stringify }, 'Invalid option "serializer"'],
    [{ logger: {} }, 'Invalid option "logger"'],
    [{ maxAge: 10 }, 'Invalid option "maxAge": unknown option'],
  ])('rejects %o with ERR_MEMCACHED_INVALID_OPTION naming the option', (options, message) => {
    expect(() => resolveMemcachedStoreOptions(options as never)).toThrow(
      MemcachedInvalidOptionError,
    );
    expect(() => resolveMemcachedStoreOptions(options as never)).toThrow(message);
  });

  it('refuses both an injected client and servers (ownership would be ambiguous)', () => {
    expect(() =>
      resolveMemcachedStoreOptions({ client: {} as never, servers: '127.0.0.1:11211' }),
    ).toThrow('Invalid option "servers"');
  });
});

describe('resolveSessionManagerOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveSessionManagerOptions()).toMatchObject({
      keyPrefix: 'session:',
      ttl: 1800,
      updateRetries: 3,
    });
  });

  it.each([
    [{ ttl: -5 }, 'Invalid option "ttl": expected a positive integer, got -5.'],
    [{ keyPrefix: 'a b' }, 'Invalid option "keyPrefix"'],
    [{ updateRetries: 1.2 }, 'Invalid option "updateRetries"'],
    [{ expiry: 5 }, 'Invalid option "expiry": unknown option'],
  ])('rejects %o', (options, message) => {
    expect(() => resolveSessionManagerOptions(options as never)).toThrow(message);
    expect(() => resolveSessionManagerOptions(options as never)).toThrow(
      MemcachedInvalidOptionError,
    );
  });
});
