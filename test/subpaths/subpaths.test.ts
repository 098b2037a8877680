// Each middleware package has `./express` and `./fastify` subpath exports next to the root, and
// core has `./testing`; they resolve to the same objects as the root exports.
import * as core from '@memkit/core';
import { cacheBackendConformance } from '@memkit/core/testing';
import * as rateLimiterRoot from '@memkit/rate-limiter';
import * as rateLimiterExpress from '@memkit/rate-limiter/express';
import * as rateLimiterFastify from '@memkit/rate-limiter/fastify';
import * as sessionRoot from '@memkit/session-store';
import * as sessionExpress from '@memkit/session-store/express';
import * as sessionFastify from '@memkit/session-store/fastify';
import { describe, expect, it } from 'vitest';

describe('subpath exports', () => {
  it('@memkit/rate-limiter/express and /fastify are the root’s adapters', () => {
    expect(rateLimiterExpress.rateLimiter).toBe(rateLimiterRoot.rateLimiter);
    expect(rateLimiterFastify.rateLimit).toBe(rateLimiterRoot.rateLimit);
    expect(rateLimiterFastify.default).toBe(rateLimiterRoot.rateLimit);
  });

  it('@memkit/session-store/express and /fastify are the root’s store and plugin', () => {
    expect(sessionExpress.MemcachedStore).toBe(sessionRoot.MemcachedStore);
    expect(sessionFastify.memcachedSessionStore).toBe(sessionRoot.memcachedSessionStore);
    expect(sessionFastify.default).toBe(sessionRoot.memcachedSessionStore);
  });

  it('@memkit/core/testing exports the CacheBackend conformance suite', () => {
    expect(typeof cacheBackendConformance).toBe('function');
    expect(typeof core.toExptime).toBe('function');
  });
});
