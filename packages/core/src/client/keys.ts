import { createHash } from 'node:crypto';
import { MemcachedInvalidKeyError } from '../errors.js';

/** memcached's hard limit on a key, in bytes (`KEY_MAX_LENGTH` in memcached.h). */
export const MAX_KEY_BYTES = 250;

/** Options of {@link toWireKey}. */
export interface WireKeyOptions {
  /**
   * Replace keys longer than {@link MAX_KEY_BYTES} by a prefix of the key plus the SHA-256
   * digest of the whole key, instead of throwing.
   * @default false
   */
  hashLongKeys?: boolean | undefined;
}

// SHA-256 hex is 64 characters; one separator; the rest of the 250 bytes keeps a readable prefix
// so hashed keys still group under their namespace in `stats cachedump` and logs.
const DIGEST_HEX_CHARS = 64;
const HASHED_KEY_SEPARATOR = '#';
const HASHED_PREFIX_BYTES = MAX_KEY_BYTES - DIGEST_HEX_CHARS - HASHED_KEY_SEPARATOR.length;
const SHOWN_KEY_CHARS = 40;

/**
 * Validates a key and returns the string to put on the wire: the key itself or, with
 * `hashLongKeys` and a key over 250 bytes, a prefix of it plus `#` and its SHA-256 hex digest
 * (at most 250 bytes). A valid key is 1 to 250 bytes of well-formed UTF-8 with no whitespace
 * (ASCII or Unicode) and no control characters (C0, DEL, C1), so no key can inject a command.
 * @throws {MemcachedInvalidKeyError} naming the key and the rule it breaks.
 */
export function toWireKey(key: string, options?: WireKeyOptions): string {
  // Fast path: printable ASCII, where bytes equal UTF-16 code units.
  const length = typeof key === 'string' ? key.length : 0;
  if (length !== 0 && length <= MAX_KEY_BYTES) {
    let i = 0;
    for (; i < length; i++) {
      const c = key.charCodeAt(i);
      if (c <= 0x20 || c >= 0x7f) break;
    }
    if (i === length) return key;
  }
  return slowWireKey(key, options);
}

function slowWireKey(key: string, options: WireKeyOptions | undefined): string {
  if (typeof key !== 'string') {
    throw new MemcachedInvalidKeyError(`Invalid key: expected a string, got ${typeof key}.`);
  }
  if (key.length === 0)
    throw new MemcachedInvalidKeyError('Invalid key "": a key cannot be empty.');
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) {
      throw invalid(key, `it contains the control character U+${hex4(c)} at index ${i}`);
    }
    if (c === 0x20 || (c > 0x7f && isUnicodeSpace(c))) {
      throw invalid(key, `it contains whitespace (U+${hex4(c)}) at index ${i}`);
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = key.charCodeAt(i + 1);
      // A lone surrogate would be sent as U+FFFD, so two different keys would share an entry.
      if (c >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw invalid(key, `it contains a lone UTF-16 surrogate at index ${i} (not valid UTF-8)`);
      }
      i++;
    }
  }
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes <= MAX_KEY_BYTES) return key;
  if (options?.hashLongKeys === true) return hashedKey(key);
  throw invalid(
    key,
    `it is ${bytes} bytes of UTF-8, over memcached's limit of ${MAX_KEY_BYTES} (set hashLongKeys: true to hash long keys)`,
  );
}

function hashedKey(key: string): string {
  const digest = createHash('sha256').update(key, 'utf8').digest('hex');
  return `${utf8Prefix(key, HASHED_PREFIX_BYTES)}${HASHED_KEY_SEPARATOR}${digest}`;
}

/** The longest prefix of `key` that fits in `maxBytes` of UTF-8, cut on a code point boundary. */
function utf8Prefix(key: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < key.length) {
    const cp = key.codePointAt(i) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += cp >= 0x10000 ? 2 : 1;
  }
  return key.slice(0, i);
}

// Unicode White_Space code points above ASCII (U+0085 is caught as a C1 control first).
function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

function invalid(key: string, rule: string): MemcachedInvalidKeyError {
  const shown = key.length > SHOWN_KEY_CHARS ? `${key.slice(0, SHOWN_KEY_CHARS)}...` : key;
  return new MemcachedInvalidKeyError(`Invalid key ${JSON.stringify(shown)}: ${rule}.`);
}
