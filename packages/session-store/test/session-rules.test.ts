import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, generationIsLive } from '../src/internal/envelope.js';
import { sessionFingerprint } from '../src/internal/fingerprint.js';
import { sessionTtl, touchIsDue } from '../src/internal/session-ttl.js';

const NOW = Date.UTC(2026, 0, 1);

describe('sessionTtl', () => {
  it('takes the cookie expires first, as express-session does', () => {
    const expires = new Date(NOW + 90_500).toISOString();
    expect(sessionTtl({ cookie: { expires, maxAge: 5000 } }, 86_400, NOW)).toBe(91);
  });

  it('takes maxAge (or originalMaxAge) when there is no expires', () => {
    expect(sessionTtl({ cookie: { maxAge: 60_000 } }, 86_400, NOW)).toBe(60);
    expect(sessionTtl({ cookie: { originalMaxAge: 120_000 } }, 86_400, NOW)).toBe(120);
  });

  it('falls back to the ttl option, a number or a function of the session', () => {
    expect(sessionTtl({ cookie: { expires: null } }, 300, NOW)).toBe(300);
    expect(sessionTtl({ role: 'admin' }, (s) => (s.role === 'admin' ? 60 : 600), NOW)).toBe(60);
  });

  it('never yields 0 for an expired cookie (0 would mean "never expires" to memcached)', () => {
    expect(sessionTtl({ cookie: { expires: new Date(NOW - 5000) } }, 300, NOW)).toBe(1);
  });

  it('rejects a ttl function that returns a non-positive or fractional number', () => {
    expect(() => sessionTtl({}, () => 0, NOW)).toThrow(RangeError);
    expect(() => sessionTtl({}, () => 2.5, NOW)).toThrow(RangeError);
  });
});

describe('touchIsDue', () => {
  const ttl = 1000;
  const written = NOW + ttl * 1000; // expiry as of a write at NOW

  it('skips touches that would move the expiry by less than touchAfter', () => {
    expect(touchIsDue(ttl, written, 100, NOW + 99_000)).toBe(false);
    expect(touchIsDue(ttl, written, 100, NOW + 100_000)).toBe(true);
  });

  it('defaults touchAfter to a tenth of the TTL', () => {
    expect(touchIsDue(ttl, written, undefined, NOW + 99_000)).toBe(false);
    expect(touchIsDue(ttl, written, undefined, NOW + 100_000)).toBe(true);
  });

  it('touches every time with touchAfter 0, and when the current expiry is unknown', () => {
    expect(touchIsDue(ttl, written, 0, NOW)).toBe(true);
    expect(touchIsDue(ttl, undefined, 100, NOW)).toBe(true);
  });
});

describe('envelope', () => {
  it('round-trips generation and payload, payload colons included', () => {
    expect(decodeEnvelope(encodeEnvelope(17, '{"a":"b:c"}'))).toEqual({
      generation: 17,
      payload: '{"a":"b:c"}',
    });
  });

  it('does not claim values written by other clients', () => {
    expect(decodeEnvelope('{"cookie":{}}')).toBeNull();
    expect(decodeEnvelope('m1:x:{}')).toBeNull();
  });

  it('retires sessions older than the namespace generation', () => {
    expect(generationIsLive(5, 5)).toBe(true);
    expect(generationIsLive(4, 5)).toBe(false);
    expect(generationIsLive(0, undefined)).toBe(true);
  });

  it('fails closed when the generation key vanished after a clear (no resurrection)', () => {
    expect(generationIsLive(1_700_000_000, undefined)).toBe(false);
  });
});

describe('sessionFingerprint', () => {
  it('ignores the cookie fields that move on every request', () => {
    const a = { user: 'u1', cookie: { expires: 'x', maxAge: 1, originalMaxAge: 60_000 } };
    const b = { user: 'u1', cookie: { expires: 'y', maxAge: 2, originalMaxAge: 60_000 } };
    expect(sessionFingerprint(a)).toBe(sessionFingerprint(b));
  });

  it('ignores the millisecond drift express-session puts in originalMaxAge (a flaky extra write)', () => {
    const stored = { user: 'u1', cookie: { originalMaxAge: 3_600_000 } };
    const resaved = { user: 'u1', cookie: { originalMaxAge: 3_599_999 } };
    expect(sessionFingerprint(resaved)).toBe(sessionFingerprint(stored));
  });

  it('sees data changes and cookie lifetime changes', () => {
    const base = { user: 'u1', cookie: { originalMaxAge: 60_000 } };
    expect(sessionFingerprint({ ...base, user: 'u2' })).not.toBe(sessionFingerprint(base));
    expect(sessionFingerprint({ ...base, cookie: { originalMaxAge: 1 } })).not.toBe(
      sessionFingerprint(base),
    );
  });
});
