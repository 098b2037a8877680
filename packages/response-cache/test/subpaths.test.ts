import { describe, expect, it } from 'vitest';

describe('package entry points', () => {
  it('exports the Express middleware from ./express and the Fastify plugin from ./fastify', async () => {
    const root = await import('@memkit/response-cache');
    const expressEntry = await import('@memkit/response-cache/express');
    const fastifyEntry = await import('@memkit/response-cache/fastify');
    expect(expressEntry.cacheResponse).toBe(root.cacheResponse);
    expect(fastifyEntry.memcachedCache).toBe(root.memcachedCache);
    expect(fastifyEntry.default).toBe(root.memcachedCache);
  });
});
