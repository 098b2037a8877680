// @memkit/core public API. Named exports only; src/internal/ is never re-exported.

export type { MemcachedErrorCode, MemcachedErrorOptions } from './errors.js';
// --- errors ---
export {
  MemcachedClientError,
  MemcachedConnectionError,
  MemcachedError,
  MemcachedInvalidKeyError,
  MemcachedProtocolError,
  MemcachedSerializationError,
  MemcachedServerError,
  MemcachedTimeoutError,
  MemcachedValueTooLargeError,
} from './errors.js';

// --- server (in-process memcached) ---

// --- client ---
