// Keyv keys are whatever the application passes (cache-manager's wrap keys, URLs, sentences);
// memcached refuses whitespace and control characters in a key. Those, and `%` so no two keys
// can meet, are percent-encoded; every other key goes to memcached unchanged.
const NEEDS_ESCAPE = /[\s\u0000-\u001f\u007f-\u009f%]/u;
const ESCAPED = /[\s\u0000-\u001f\u007f-\u009f%]/gu;

/** The memcached form of a Keyv key: itself unless it holds a character memcached refuses. */
export function toStoreKey(key: string): string {
  if (typeof key !== 'string') {
    throw new TypeError(`Invalid key: expected a string, got ${typeof key}.`);
  }
  return NEEDS_ESCAPE.test(key) ? key.replace(ESCAPED, encodeURIComponent) : key;
}
