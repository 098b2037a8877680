import { describe, expect, it } from 'vitest';
import { ServerClock } from '../../src/server/clock.js';
import { decodeBase64Key, encodeBase64Key } from '../../src/server/meta/base64.js';
import { META_ERRORS, parseMetaFlags } from '../../src/server/meta/flags.js';
import { parseInt32, parseUint32, parseUint64 } from '../../src/server/meta/numbers.js';

describe('meta numbers parse like memcached 1.6.18 safe_strto*', () => {
  it('parseInt32 accepts signs and whitespace-terminated digits and truncates to 32 bits', () => {
    expect(parseInt32('T30', 1)).toBe(30);
    expect(parseInt32('T+30', 1)).toBe(30);
    expect(parseInt32('T-1', 1)).toBe(-1);
    expect(parseInt32('T4294967296', 1)).toBe(0);
    expect(parseInt32('T2147483648', 1)).toBe(-2147483648);
    expect(parseInt32('T-4294967296', 1)).toBe(0);
    expect(parseInt32('T', 1)).toBeUndefined();
    expect(parseInt32('T-', 1)).toBeUndefined();
    expect(parseInt32('T5x', 1)).toBeUndefined();
    expect(parseInt32('T99999999999999999999', 1)).toBeUndefined();
  });

  it('parseUint32 truncates and refuses a minus that makes the value negative', () => {
    expect(parseUint32('F4294967295', 1)).toBe(4294967295);
    expect(parseUint32('F4294967296', 1)).toBe(0);
    expect(parseUint32('F-1', 1)).toBeUndefined();
    expect(parseUint32('F-0', 1)).toBe(0);
    expect(parseUint32('Fx', 1)).toBeUndefined();
  });

  it('parseUint64 keeps full 64-bit precision', () => {
    expect(parseUint64('D18446744073709551615', 1)).toBe(18446744073709551615n);
    expect(parseUint64('D18446744073709551616', 1)).toBeUndefined();
    expect(parseUint64('D9007199254740991', 1)).toBe(9007199254740991);
    expect(parseUint64('D-5', 1)).toBeUndefined();
  });
});

describe('meta base64 keys decode like memcached base64.c', () => {
  it('round-trips arbitrary bytes', () => {
    const key = '\x00\x01\xff key';
    expect(decodeBase64Key(encodeBase64Key(key))).toBe(key);
  });

  it('skips bytes outside the alphabet but needs whole blocks', () => {
    expect(decodeBase64Key('Zm9v')).toBe('foo');
    expect(decodeBase64Key('Zm9v!!')).toBe('foo');
    expect(decodeBase64Key('Zm9')).toBeUndefined();
    expect(decodeBase64Key('')).toBeUndefined();
    expect(decodeBase64Key('====')).toBeUndefined();
    expect(decodeBase64Key('Zg==')).toBe('f');
    expect(decodeBase64Key('Zg==Zm9v')).toBe('f');
  });
});

describe('parseMetaFlags', () => {
  const clock = new ServerClock();
  const parse = (...flags: string[]) => parseMetaFlags(['mg', 'key', ...flags], 2, 'key', clock);

  it('reads values and converts TTLs to the server clock', () => {
    const f = parse('T30', 'N0', 'F7', 'C9', 'v', 'q', 'MD', 'D3', 'J4');
    expect(f.error).toBeUndefined();
    expect(f.exptime).toBe(clock.now() + 30);
    expect([f.vivify, f.autovivExptime, f.clientFlags, f.reqCas, f.hasCas]).toEqual([
      true,
      0,
      7,
      9,
      true,
    ]);
    expect([f.value, f.noReply, f.mode, f.delta, f.initial]).toEqual([true, true, 68, 3, 4]);
    expect(parse('T-1').exptime).toBe(1);
  });

  it('stops at duplicate and unknown flags, but a later bad value wins over an earlier one', () => {
    expect(parse('v', 'v').error).toBe(META_ERRORS.duplicate);
    expect(parse('Tx', 'z').error).toBe(META_ERRORS.invalid);
    expect(parse('Jx', 'Tx').error).toBe(META_ERRORS.badToken);
    expect(parse('Tx', 'Jx').error).toBe('CLIENT_ERROR invalid numeric initial value');
    expect(parse('Fx').error).toBe(META_ERRORS.format);
    expect(parse('\u00e9').error).toBe(META_ERRORS.duplicate);
  });

  it('decodes the key for b', () => {
    const f = parseMetaFlags(['mg', 'Zm9v', 'b'], 2, 'Zm9v', clock);
    expect([f.key, f.keyBinary, f.error]).toEqual(['foo', true, undefined]);
    expect(parseMetaFlags(['mg', 'Zm9', 'b'], 2, 'Zm9', clock).error).toBe(META_ERRORS.decodeKey);
  });
});
