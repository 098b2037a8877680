import { createHash } from 'node:crypto';

// Room for the prefix already counted and for the sliding window's ":<index>" suffix, well
// under memcached's 250-byte key limit.
const MAX_PLAIN_LENGTH = 200;
const PLAIN = /^[\x21-\x7e]+$/;

/**
 * The memcached key for a client key. Keys memcached would refuse (spaces, control or non-ASCII
 * characters, too long) are replaced by `#` and their SHA-256 rather than rejected: a key
 * generator's output should never turn into a 500. A plain key never starts with `#`, so a key
 * generator returning `#<hash of another key>` is hashed too and cannot share that key's counter.
 */
export function storageKey(prefix: string, key: string): string {
  const plain = prefix + key;
  if (plain.length <= MAX_PLAIN_LENGTH && PLAIN.test(key) && key[0] !== '#') return plain;
  return `${prefix}#${createHash('sha256').update(key).digest('base64url')}`;
}
