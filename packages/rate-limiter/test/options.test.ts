import { MemcachedInvalidOptionError } from '@memkit/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_LIMITER_OPTIONS,
  resolveHttpRateLimitOptions,
  resolveRateLimiterOptions,
} from '../src/options.js';

describe('resolveRateLimiterOptions', () => {
  it('applies the defaults', () => {
    const o = resolveRateLimiterOptions({ limit: 100, windowSeconds: 3600 });
    expect(o).toMatchObject({
      limit: 100,
      windowSeconds: 3600,
      algorithm: DEFAULT_RATE_LIMITER_OPTIONS.algorithm,
      burst: 100,
      keyPrefix: undefined,
      failOpen: true,
      fallback: true,
    });
    expect(Object.isFrozen(o)).toBe(true);
  });

  it.each([
    [{ limit: 0, windowSeconds: 1 }, 'Invalid option "limit": expected a positive integer, got 0.'],
    [
      { limit: 1, windowSeconds: -1 },
      'Invalid option "windowSeconds": expected a positive integer, got -1.',
    ],
    [{ limit: 1.5, windowSeconds: 1 }, 'Invalid option "limit"'],
    [{ limit: 1, windowSeconds: 1, algorithm: 'token-bucket' }, 'Invalid option "algorithm"'],
    [{ limit: 1, windowSeconds: 1, keyPrefix: 'has space' }, 'Invalid option "keyPrefix"'],
    [{ limit: 1, windowSeconds: 1, failOpen: 'yes' }, 'Invalid option "failOpen"'],
    [{ limit: 1, windowSeconds: 1, max: 5 }, 'Invalid option "max": unknown option.'],
    [{ limit: 1, windowSeconds: 1, client: {}, servers: 'a:1' }, 'Invalid option "servers"'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveRateLimiterOptions(options as never)).toThrow(MemcachedInvalidOptionError);
    expect(() => resolveRateLimiterOptions(options as never)).toThrow(message);
  });
});

describe('resolveHttpRateLimitOptions', () => {
  it('applies the HTTP defaults and maps standardHeaders: true to the latest draft', () => {
    const o = resolveHttpRateLimitOptions({ limit: 5, windowSeconds: 60, standardHeaders: true });
    expect(o).toMatchObject({
      cost: 1,
      legacyHeaders: true,
      standardHeaders: 'draft-8',
      statusCode: 429,
      responseFormat: 'json',
      ipv6Subnet: 56,
    });
  });

  it.each([
    [{ cost: 0 }, 'Invalid option "cost"'],
    [{ statusCode: 200 }, 'Invalid option "statusCode"'],
    [{ ipv6Subnet: 200 }, 'Invalid option "ipv6Subnet"'],
    [{ standardHeaders: 'draft-3' }, 'Invalid option "standardHeaders"'],
    [{ responseFormat: 'xml' }, 'Invalid option "responseFormat"'],
    [{ allowList: '1.2.3.4' }, 'Invalid option "allowList"'],
    [{ keyGenerator: 'ip' }, 'Invalid option "keyGenerator"'],
    [{ windowMs: 1000 }, 'Invalid option "windowMs": unknown option.'],
  ])('rejects %j', (extra, message) => {
    expect(() =>
      resolveHttpRateLimitOptions({ limit: 5, windowSeconds: 60, ...(extra as object) }),
    ).toThrow(message);
    expect(() =>
      resolveHttpRateLimitOptions({ limit: 5, windowSeconds: 60, ...(extra as object) }),
    ).toThrow(MemcachedInvalidOptionError);
  });
});
