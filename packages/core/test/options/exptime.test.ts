import { describe, expect, it } from 'vitest';
import { MAX_RELATIVE_TTL_SECONDS, toExptime } from '../../src/index.js';

describe('toExptime: memcached’s exptime rule', () => {
  const now = 1_700_000_000_000;

  it('keeps TTLs up to 30 days relative and 0 as never', () => {
    expect(MAX_RELATIVE_TTL_SECONDS).toBe(2_592_000);
    expect(toExptime(0, now)).toBe(0);
    expect(toExptime(undefined, now)).toBe(0);
    expect(toExptime(60, now)).toBe(60);
    expect(toExptime(2_592_000, now)).toBe(2_592_000);
  });

  it('sends a TTL over 30 days as an absolute Unix time', () => {
    expect(toExptime(2_592_001, now)).toBe(1_700_000_000 + 2_592_001);
    expect(toExptime(31 * 86_400, now)).toBe(1_700_000_000 + 31 * 86_400);
  });

  it('expires negative TTLs at once', () => {
    expect(toExptime(-1, now)).toBe(-1);
    expect(toExptime(-500, now)).toBe(-1);
  });

  it('refuses a TTL that is not an integer', () => {
    expect(() => toExptime(1.5)).toThrow(RangeError);
    expect(() => toExptime(Number.NaN)).toThrow(RangeError);
  });
});
