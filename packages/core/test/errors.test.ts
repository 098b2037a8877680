import { MemcachedError, MemcachedTimeoutError } from '@memkit/core';
import { describe, expect, it } from 'vitest';

describe('MemcachedError', () => {
  it('carries a stable code, the server and the cause so callers never parse messages', () => {
    const cause = new Error('socket hang up');
    const err = new MemcachedTimeoutError('request timed out after 500 ms', {
      server: '127.0.0.1:11211',
      cause,
    });
    expect(err).toBeInstanceOf(MemcachedError);
    expect(err.code).toBe('ERR_MEMCACHED_TIMEOUT');
    expect(err.server).toBe('127.0.0.1:11211');
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('MemcachedTimeoutError');
  });
});
