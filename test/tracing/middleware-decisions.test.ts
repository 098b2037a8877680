// The middleware put their decision on the request's span through core's `memkit:annotate`
// channel (no tracing import of their own); @memkit/core/otel turns it into span attributes
// (packages/core/test/otel). Here: what each middleware publishes, per request.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  ANNOTATE_CHANNEL,
  MemcachedClient,
  type MemcachedServer,
  type SpanAnnotation,
  startServer,
} from '@memkit/core';
import { rateLimiter } from '@memkit/rate-limiter';
import { cacheResponse } from '@memkit/response-cache';
import express, { type RequestHandler } from 'express5';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';

let server: MemcachedServer;
let client: MemcachedClient;
let published: SpanAnnotation[] = [];
const listener = (message: unknown) => published.push(message as SpanAnnotation);
const v5 = (middleware: unknown) => middleware as RequestHandler;

beforeAll(async () => {
  server = await startServer();
  client = new MemcachedClient(server.address, { timeoutMs: 5000 });
  subscribe(ANNOTATE_CHANNEL, listener);
});
afterEach(() => {
  published = [];
});
afterAll(async () => {
  unsubscribe(ANNOTATE_CHANNEL, listener);
  await client.close();
  await server.close();
});

it('the response cache publishes memkit.cache.status: miss, then hit, and bypass for a personalised (Authorization) request', async () => {
  const app = express();
  app.get('/a', v5(cacheResponse({ client, keyPrefix: 'trace-rc:', ttl: 60 })), (_req, res) => {
    res.json({ ok: true });
  });
  // The host (with its port) is part of the key: pin it, as supertest picks a new port per call.
  await request(app).get('/a').set('Host', 'example.test').expect(200);
  await request(app).get('/a').set('Host', 'example.test').expect(200);
  await request(app)
    .get('/a')
    .set('Host', 'example.test')
    .set('Authorization', 'Bearer someone')
    .expect(200);
  expect(published).toEqual([
    { 'memkit.cache.status': 'miss' },
    { 'memkit.cache.status': 'hit' },
    { 'memkit.cache.status': 'bypass' },
  ]);
});

it('the rate limiter publishes memkit.ratelimit.remaining for each request', async () => {
  const app = express();
  app.use(v5(rateLimiter({ limit: 2, windowSeconds: 60, client, keyPrefix: 'trace-rl:' })));
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  await request(app).get('/').expect(200);
  await request(app).get('/').expect(200);
  await request(app).get('/').expect(429);
  expect(published).toEqual([
    { 'memkit.ratelimit.remaining': 1 },
    { 'memkit.ratelimit.remaining': 0 },
    { 'memkit.ratelimit.remaining': 0 },
  ]);
});
