import { MemcachedError } from '@memkit/core';

/**
 * Whether a failure means "memcached is unavailable" (fail open or closed) rather than a bug.
 * Invalid keys and oversized values cannot come from an outage, so they are never masked.
 */
export function isOutage(error: unknown): error is MemcachedError {
  return (
    error instanceof MemcachedError &&
    error.code !== 'ERR_MEMCACHED_INVALID_KEY' &&
    error.code !== 'ERR_MEMCACHED_VALUE_TOO_LARGE' &&
    error.code !== 'ERR_MEMCACHED_INVALID_OPTION'
  );
}
