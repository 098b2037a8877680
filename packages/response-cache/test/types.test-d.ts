import type { MemcachedClient } from '@memkit/core';
import Fastify from 'fastify';
import { expectTypeOf } from 'vitest';
import { cacheResponse, memcachedCache, type ResponseCache } from '../src/index.js';

// Type-level checks only (run by `tsc`): the Fastify declaration merging and adapter shapes.
const app = Fastify();
void app.register(memcachedCache, { servers: '127.0.0.1:11211', ttl: 60, global: false });
expectTypeOf(app.memcached).toEqualTypeOf<MemcachedClient>();
expectTypeOf(app.responseCache).toEqualTypeOf<ResponseCache>();
app.get('/a', { config: { cache: { ttl: 5, tags: ['a'] } } }, async () => 'a');
app.get('/b', { config: { cache: false } }, async () => 'b');
// @ts-expect-error: ttl is a number of seconds
app.get('/c', { config: { cache: { ttl: '5' } } }, async () => 'c');

const mw = cacheResponse({ ttl: 1800 });
expectTypeOf(mw.cache).toEqualTypeOf<ResponseCache>();
// @ts-expect-error: a shared engine takes route settings only, not a second client
cacheResponse({ cache: mw.cache, servers: 'x:1' });
