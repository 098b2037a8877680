import { Buffer } from 'node:buffer';
import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import { MemcachedSerializationError } from '@memkit/core';

// Keyv's default format (`@keyv/serialize`): JSON where a string that starts with `:` is written
// with one more `:` in front, and a Buffer as `":base64:<data>"`. Its reader is JSON.parse with
// a reviver, which calls back into JavaScript for every node of every value: about 2 µs for a
// small object, more than the store's whole round trip at concurrency 100. Here the same result
// comes from a plain JSON.parse and one walk that touches only strings starting with `:`
// (a third of the time). Writes use `@keyv/serialize` itself, so the bytes stored are Keyv's own.

const COLON = 0x3a;
const BASE64_PREFIX = ':base64:';
/**
 * Deeper values go to `@keyv/serialize` itself: V8's reviver runs out of stack at a depth
 * (about 2,800 here) this walk would still manage, and then Keyv's reader throws RangeError
 * where ours would return a value. Well below that, the two agree.
 */
const MAX_WALK_DEPTH = 500;
/** Thrown by the walk past MAX_WALK_DEPTH; never escapes decodeKeyvJson. */
const TOO_DEEP = Symbol('too deep');

/**
 * Keyv's envelope (or any value) in Keyv's default JSON format, exactly as Keyv writes it.
 * @throws MemcachedSerializationError on what that format cannot hold (a BigInt, a cycle).
 */
export function encodeKeyvJson(envelope: unknown): string {
  try {
    return defaultSerialize(envelope);
  } catch (error) {
    throw new MemcachedSerializationError("A value Keyv's JSON format cannot hold.", {
      cause: error,
    });
  }
}

/**
 * Reads Keyv's default JSON format: the same value `@keyv/serialize`'s `defaultDeserialize`
 * returns for every input, without its per-node reviver.
 * @throws MemcachedSerializationError when the stored text is not JSON.
 */
export function decodeKeyvJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MemcachedSerializationError('A stored Keyv value is not JSON.', { cause: error });
  }
  try {
    return revive(parsed, 0);
  } catch (error) {
    if (error === TOO_DEEP) return defaultDeserialize(text);
    throw error;
  }
}

function revive(value: unknown, depth: number): unknown {
  if (typeof value === 'string')
    return value.charCodeAt(0) === COLON ? unescapeColon(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_WALK_DEPTH) throw TOO_DEEP;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (needsWalk(item)) value[i] = revive(item, depth + 1);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    // JSON.parse makes only own properties; an enumerable one inherited from a polluted
    // Object.prototype is not this value's, and the reviver would not see it either.
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    if (!needsWalk(item)) continue;
    // An own `__proto__` (JSON.parse makes one) shadows Object.prototype's setter: this
    // assignment writes the property and never sets a prototype.
    record[key] = revive(item, depth + 1);
  }
  return record;
}

function needsWalk(item: unknown): boolean {
  return typeof item === 'string'
    ? item.charCodeAt(0) === COLON
    : typeof item === 'object' && item !== null;
}

function unescapeColon(text: string): string | Buffer {
  return text.startsWith(BASE64_PREFIX)
    ? Buffer.from(text.slice(BASE64_PREFIX.length), 'base64')
    : text.slice(1);
}
