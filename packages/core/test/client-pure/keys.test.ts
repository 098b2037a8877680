import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, toWireKey } from '../../src/client/keys.js';
import { MemcachedInvalidKeyError } from '../../src/errors.js';

function rejection(key: string, options?: { hashLongKeys?: boolean }): MemcachedInvalidKeyError {
  try {
    toWireKey(key, options);
  } catch (err) {
    expect(err).toBeInstanceOf(MemcachedInvalidKeyError);
    expect((err as MemcachedInvalidKeyError).code).toBe('ERR_MEMCACHED_INVALID_KEY');
    return err as MemcachedInvalidKeyError;
  }
  throw new Error(`key ${JSON.stringify(key)} was accepted`);
}

describe('toWireKey', () => {
  it('returns valid keys unchanged', () => {
    for (const key of ['a', 'user:42', 'x'.repeat(250), '!~{}"\'\\', 'clé', '日本語', '😀']) {
      expect(toWireKey(key)).toBe(key);
    }
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    expect(MAX_KEY_BYTES).toBe(250);
    expect(toWireKey('é'.repeat(125))).toBe('é'.repeat(125));
    expect(rejection('é'.repeat(126)).message).toMatch(/252 bytes.*250/);
    expect(toWireKey('😀'.repeat(62))).toBe('😀'.repeat(62));
    expect(() => toWireKey('😀'.repeat(63))).toThrow(MemcachedInvalidKeyError);
    expect(() => toWireKey('x'.repeat(251))).toThrow(MemcachedInvalidKeyError);
  });

  it('rejects the empty key', () => {
    expect(rejection('').message).toMatch(/empty/);
  });

  it('rejects whitespace so no key can inject a command', () => {
    for (const key of ['a b', 'a\r\nflush_all', 'a\n', '\tb', 'a\u00a0b', 'a\u2028b', 'a\u3000b']) {
      expect(rejection(key).message).toMatch(/whitespace|control/);
    }
    expect(rejection('get a\r\nflush_all').message).toMatch(/"get a/);
  });

  it('rejects control characters including DEL and C1', () => {
    for (const key of ['a\u0000', '\u0001', 'a\u001b[0m', 'a\u007f', 'a\u0085', 'a\u009f']) {
      expect(rejection(key).message).toMatch(/control character U\+00/);
    }
  });

  it('rejects lone surrogates, which would reach the server as U+FFFD', () => {
    expect(rejection('a\ud800b').message).toMatch(/surrogate/);
    expect(rejection('a\udc00').message).toMatch(/surrogate/);
    expect(rejection('a\ud800').message).toMatch(/surrogate/);
  });

  it('names the key, truncated, in the message', () => {
    const err = rejection(`${'k'.repeat(300)} `);
    expect(err.message).toContain(`"${'k'.repeat(40)}..."`);
    expect(err.message.length).toBeLessThan(200);
  });

  it('suggests hashLongKeys for long keys', () => {
    expect(rejection('x'.repeat(300)).message).toMatch(/hashLongKeys/);
  });

  describe('hashLongKeys', () => {
    it('replaces a long key by a prefix plus its SHA-256 digest, within 250 bytes', () => {
      const key = `session:${'x'.repeat(400)}`;
      const wire = toWireKey(key, { hashLongKeys: true });
      const digest = createHash('sha256').update(key).digest('hex');
      expect(wire.endsWith(`#${digest}`)).toBe(true);
      expect(wire.startsWith('session:xxx')).toBe(true);
      expect(Buffer.byteLength(wire)).toBeLessThanOrEqual(250);
      expect(toWireKey(wire)).toBe(wire);
    });

    it('gives different long keys different wire keys, and the same key the same one', () => {
      const a = 'a'.repeat(300);
      const b = `${'a'.repeat(299)}b`;
      expect(toWireKey(a, { hashLongKeys: true })).toBe(toWireKey(a, { hashLongKeys: true }));
      expect(toWireKey(a, { hashLongKeys: true })).not.toBe(toWireKey(b, { hashLongKeys: true }));
    });

    it('cuts the prefix on a character boundary', () => {
      const wire = toWireKey('€'.repeat(200), { hashLongKeys: true });
      expect(Buffer.byteLength(wire)).toBeLessThanOrEqual(250);
      expect(Buffer.from(wire, 'utf8').toString('utf8')).toBe(wire);
      expect(wire).toMatch(/^€+#[0-9a-f]{64}$/);
      const emoji = toWireKey('😀'.repeat(100), { hashLongKeys: true });
      expect(Buffer.from(emoji, 'utf8').toString('utf8')).toBe(emoji);
    });

    it('leaves short keys alone and still rejects invalid characters', () => {
      expect(toWireKey('short', { hashLongKeys: true })).toBe('short');
      expect(() => toWireKey(`${'x'.repeat(300)} y`, { hashLongKeys: true })).toThrow(
        MemcachedInvalidKeyError,
      );
      expect(() => toWireKey('', { hashLongKeys: true })).toThrow(MemcachedInvalidKeyError);
    });
  });

  it('rejects non-string keys from untyped callers', () => {
    expect(() => toWireKey(42 as unknown as string)).toThrow(MemcachedInvalidKeyError);
    expect(() => toWireKey(undefined as unknown as string)).toThrow(MemcachedInvalidKeyError);
  });
});
