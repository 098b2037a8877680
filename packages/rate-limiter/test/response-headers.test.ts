import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from '../src/internal/response-headers.js';

const allowed = {
  allowed: true,
  limit: 100,
  remaining: 42,
  resetSeconds: 30,
  retryAfterSeconds: 0,
  degraded: false,
};
const now = 1_700_000_000_000;

describe('rateLimitHeaders', () => {
  it('sends the X-RateLimit headers with the reset as epoch seconds', () => {
    const h = rateLimitHeaders(
      allowed,
      { legacyHeaders: true, standardHeaders: false, windowSeconds: 60 },
      now,
    );
    expect(Object.fromEntries(h)).toEqual({
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '42',
      'X-RateLimit-Reset': String(1_700_000_000 + 30),
    });
  });

  it('sends the IETF draft-7 and draft-8 headers', () => {
    const d7 = rateLimitHeaders(
      allowed,
      { legacyHeaders: false, standardHeaders: 'draft-7', windowSeconds: 60 },
      now,
    );
    expect(Object.fromEntries(d7)).toEqual({
      'RateLimit-Policy': '100;w=60',
      RateLimit: 'limit=100, remaining=42, reset=30',
    });
    const d8 = rateLimitHeaders(
      allowed,
      { legacyHeaders: false, standardHeaders: 'draft-8', windowSeconds: 60 },
      now,
    );
    expect(Object.fromEntries(d8)).toEqual({
      'RateLimit-Policy': '"100-in-60s"; q=100; w=60',
      RateLimit: '"100-in-60s"; r=42; t=30',
    });
  });

  it('adds Retry-After only when denied', () => {
    const denied = { ...allowed, allowed: false, remaining: 0, retryAfterSeconds: 12 };
    const h = rateLimitHeaders(
      denied,
      { legacyHeaders: false, standardHeaders: false, windowSeconds: 60 },
      now,
    );
    expect(h).toEqual([['Retry-After', '12']]);
  });
});
