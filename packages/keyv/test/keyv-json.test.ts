// The store's reader of Keyv's JSON format against Keyv's own (`@keyv/serialize`): for every text
// the two must agree, value for value, Buffer for Buffer, error for error.
import { Buffer } from 'node:buffer';
import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import { MemcachedSerializationError } from '@memkit/core';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/conformance/lib/rng.js';
import { decodeKeyvJson, encodeKeyvJson } from '../src/internal/keyv-json.js';

const TRICKY_STRINGS = [
  '',
  ':',
  '::',
  ':x',
  '::x',
  ':base64:',
  ':base64:aGVsbG8=',
  '::base64:aGVsbG8=',
  ':base64:not base64!',
  'plain',
  'a":b',
  '{"value":1}',
  'é ü 😀',
  '\u0000\n\t"\\',
  '__proto__',
];
const TRICKY_KEYS = [
  'value',
  'expires',
  '__proto__',
  'constructor',
  ':k',
  '::k',
  '',
  'a b',
  '0',
  '1',
];

function generate(next: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const roll = next();
  if (depth > 4 || roll < 0.45) {
    const leaf = next();
    if (leaf < 0.35) return pick(TRICKY_STRINGS);
    if (leaf < 0.5)
      return `${pick([':', '', '::', ':base64:'])}${Math.floor(next() * 1e6).toString(36)}`;
    if (leaf < 0.6)
      return Buffer.from(
        Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * 256)),
      );
    if (leaf < 0.7) return Math.floor(next() * 2e9) - 1e9;
    if (leaf < 0.75) return next();
    if (leaf < 0.85) return next() < 0.5;
    if (leaf < 0.9) return null;
    if (leaf < 0.95) return new Date(Math.floor(next() * 2e12));
    return undefined;
  }
  if (roll < 0.7) {
    return Array.from({ length: Math.floor(next() * 5) }, () => generate(next, depth + 1));
  }
  const record: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) {
    Object.defineProperty(record, pick(TRICKY_KEYS), {
      value: generate(next, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return record;
}

/**
 * An exact picture of a decoded value: own keys in order, Buffers by their bytes, prototypes by
 * name. (toStrictEqual compares `constructor` properties by identity, which a decoded
 * `{"constructor": {...}}` key defeats.)
 */
function picture(value: unknown): string {
  if (Buffer.isBuffer(value)) return `Buffer(${value.toString('hex')})`;
  if (Array.isArray(value)) return `[${value.map(picture).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const proto = Object.getPrototypeOf(value) === Object.prototype ? '' : 'OTHER-PROTO';
    const keys = Reflect.ownKeys(value).map((key) => {
      const d = Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
      const flags = `${d.enumerable ? 'e' : ''}${d.writable ? 'w' : ''}${d.configurable ? 'c' : ''}`;
      return `${String(key)}/${flags}:${picture(d.value)}`;
    });
    return `${proto}{${keys.join(',')}}`;
  }
  return `${typeof value}:${String(JSON.stringify(value))}`;
}

function outcome(read: (text: string) => unknown, text: string): string {
  try {
    return picture(read(text));
  } catch (error) {
    return `throws ${(error as Error).constructor.name}`;
  }
}

describe("decodeKeyvJson reads Keyv's format as @keyv/serialize does", () => {
  it('agrees with defaultDeserialize on 5,000 generated envelopes', () => {
    for (let seed = 1; seed <= 5000; seed++) {
      const next = seededRandom(seed);
      const envelope = { value: generate(next, 0), expires: next() < 0.5 ? undefined : 1e12 };
      const text = defaultSerialize(envelope);
      expect(picture(decodeKeyvJson(text)), `seed ${seed}: ${text}`).toBe(
        picture(defaultDeserialize(text)),
      );
    }
  });

  it('agrees on hand-written texts: root strings, escapes, whitespace, duplicate keys', () => {
    const texts = [
      '":x"',
      '"::x"',
      '":base64:aGk="',
      '"plain"',
      '42',
      'null',
      'true',
      '[":a", "::b", [":c"], {"d": ":e"}]',
      '{ "value" : ":spaced" , "expires" : null }',
      '{"a":":first","a":":second"}',
      '{"__proto__":":p","x":{"__proto__":":base64:aGk="}}',
      '{"\\":k":":v"}',
      '{"value":"\\u003ax"}',
    ];
    for (const text of texts) {
      expect(picture(decodeKeyvJson(text)), text).toBe(picture(defaultDeserialize(text)));
    }
  });

  it('a `__proto__` key stays an own property and sets no prototype', () => {
    const text = '{"__proto__":":base64:aGk=","inner":{"__proto__":{"polluted":":yes"}}}';
    const ours = decodeKeyvJson(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(ours)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(ours, '__proto__')?.value).toEqual(Buffer.from('hi'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(picture(ours)).toBe(picture(defaultDeserialize(text)));
  });

  it('ignores enumerable properties a polluted Object.prototype lends, as the reviver does', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.lent = ':x';
    try {
      const text = '{"value":{"a":":b"}}';
      const ours = decodeKeyvJson(text) as { value: Record<string, unknown> };
      expect(Object.hasOwn(ours.value, 'lent')).toBe(false);
      expect(picture(ours)).toBe(picture(defaultDeserialize(text)));
    } finally {
      delete proto.lent;
    }
  });

  it('nesting deep enough to exhaust a JavaScript walk ends as Keyv would end it', () => {
    // Around V8's own limit (about 2,800 levels here) the reviver throws where a walk would not.
    for (const depth of [400, 600, 1_000, 2_500, 3_000, 5_000, 7_000, 200_000]) {
      for (const text of [
        `${'['.repeat(depth)}":x"${']'.repeat(depth)}`,
        `${'{"a":'.repeat(depth)}":x"${'}'.repeat(depth)}`,
      ]) {
        expect(outcome(decodeKeyvJson, text), `depth ${depth}`).toBe(
          outcome(defaultDeserialize, text),
        );
      }
    }
  });

  it('text that is not JSON fails with a typed serialization error', () => {
    for (const text of ['', '{', 'not json', '{"value":1}}']) {
      expect(() => defaultDeserialize(text)).toThrow(SyntaxError);
      let caught: unknown;
      try {
        decodeKeyvJson(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MemcachedSerializationError);
      expect((caught as MemcachedSerializationError).code).toBe('ERR_MEMCACHED_SERIALIZATION');
      expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it("refuses what the format cannot hold with a typed error, as Keyv's writer refuses it", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [{ value: 10n }, cyclic]) {
      expect(() => defaultSerialize(value)).toThrow();
      expect(() => encodeKeyvJson(value)).toThrow(MemcachedSerializationError);
    }
  });

  it("writes Keyv's own bytes", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const next = seededRandom(seed);
      const envelope = { value: generate(next, 0), expires: 1e12 };
      expect(encodeKeyvJson(envelope)).toBe(defaultSerialize(envelope));
    }
  });
});
