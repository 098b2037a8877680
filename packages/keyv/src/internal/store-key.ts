import { createHash } from 'node:crypto';

// Keyv keys are whatever the application passes (cache-manager's wrap keys, URLs, sentences);
// memcached refuses whitespace and control characters in a key. Those, and `%` so no two keys
// can meet, are percent-encoded; every other key goes to memcached unchanged.
const NEEDS_ESCAPE = /[\s\u0000-\u001f\u007f-\u009f%]/u;
const ESCAPED = /[\s\u0000-\u001f\u007f-\u009f%]/gu;

/** memcached's limit on a key, in bytes. */
const MAX_KEY_BYTES = 250;
// No UTF-16 code unit takes more than 3 bytes in UTF-8: shorter keys need no byte count.
const SURELY_SHORT = Math.floor(MAX_KEY_BYTES / 3);

/** The memcached form of a Keyv key: itself unless it holds a character memcached refuses. */
export function toStoreKey(key: string): string {
  if (typeof key !== 'string') {
    throw new TypeError(`Invalid key: expected a string, got ${typeof key}.`);
  }
  return isPlainAscii(key) || !NEEDS_ESCAPE.test(key)
    ? key
    : key.replace(ESCAPED, encodeURIComponent);
}

// The usual key is printable ASCII without `%`: a char loop decides that far cheaper than the
// Unicode regex, which only non-ASCII keys (and those that need escaping) still go through.
function isPlainAscii(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x25) return false;
  }
  return true;
}

/**
 * The memcached key of `storeKey` under the namespace prefix `base`. A key that would pass
 * memcached's 250 bytes is replaced by its SHA-256 after `%#`, which no escaped key contains
 * (a `%` in one is always followed by two hex digits), so a hashed key meets no other.
 */
export function memcachedKey(base: string, storeKey: string): string {
  const key = base + storeKey;
  if (key.length <= SURELY_SHORT || Buffer.byteLength(key) <= MAX_KEY_BYTES) return key;
  return `${base}%#${createHash('sha256').update(storeKey).digest('hex')}`;
}
