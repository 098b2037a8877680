// The README's NestJS wiring: CacheModule.register({ stores: [createKeyv(...)] }).
// The module is declared by calling Nest's @Module decorator as a function, which is what the
// README's decorator syntax compiles to.
import 'reflect-metadata';
import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Cache } from 'cache-manager';
import Keyv from 'keyv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKeyv, KeyvMemkit } from '../src/index.js';

let server: MemcachedServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server.close();
});

it('CacheModule.register with a createKeyv store caches in memcached', async () => {
  class AppModule {}
  Module({
    imports: [
      CacheModule.register({
        stores: [createKeyv(server.address, { namespace: 'nest' })],
        ttl: 60_000,
      }),
    ],
  })(AppModule);

  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const cache = app.get<Cache>(CACHE_MANAGER);
  await cache.set('greeting', { hello: 'world' });
  expect(await cache.get('greeting')).toEqual({ hello: 'world' });
  // It is really in memcached, in Keyv's format: another client reads it through a plain Keyv.
  const other = new MemcachedClient(server.address);
  const direct = new Keyv({ store: new KeyvMemkit(other), namespace: 'nest' });
  expect(await direct.get('greeting')).toEqual({ hello: 'world' });
  await other.close();
  await cache.disconnect();
  await app.close();
});
