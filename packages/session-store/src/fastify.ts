import { fastifyPluginOptions, MemcachedClient } from '@memkit/core';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { MemcachedStore } from './memcached-store.js';
import type { MemcachedStoreOptions } from './options.js';

/** Options of {@link memcachedSessionStore}: the store's options. */
export type MemcachedSessionStorePluginOptions = MemcachedStoreOptions;

declare module 'fastify' {
  interface FastifyInstance {
    /** The memcached session store, to pass as @fastify/session's `store`. */
    memcachedSessionStore: MemcachedStore;
  }
}

const plugin: FastifyPluginAsync<MemcachedSessionStorePluginOptions> = async (
  fastify: FastifyInstance,
  options,
) => {
  if (fastify.hasDecorator('memcachedSessionStore')) {
    throw new Error(
      '@memkit/session-store is already registered on this instance (memcachedSessionStore exists).',
    );
  }
  // Fastify's own register() options are left out; `prefix` is refused (storage is `keyPrefix`).
  const storeOptions = fastifyPluginOptions(options, '@memkit/session-store');
  // An app that already has a client (`app.memcached`, from another memkit plugin) shares it
  // when no client/servers/backend was given; it stays the app's.
  const appClient = fastify.hasDecorator('memcached')
    ? (fastify as unknown as { memcached?: unknown }).memcached
    : undefined;
  const store = new MemcachedStore(
    storeOptions as MemcachedStoreOptions,
    appClient instanceof MemcachedClient ? appClient : undefined,
  );
  fastify.decorate('memcachedSessionStore', store);
  // Closes only a client the store created from `servers`; an injected or shared one is not ours.
  fastify.addHook('onClose', async () => {
    await store.close();
  });
};

/**
 * Fastify plugin that creates a {@link MemcachedStore}, exposes it as
 * `fastify.memcachedSessionStore` for @fastify/session's `store`, and closes it with the app.
 * @example
 * await app.register(memcachedSessionStore, { client });
 * await app.register(fastifySession, { secret, store: app.memcachedSessionStore, saveUninitialized: false });
 */
export const memcachedSessionStore = fp(plugin, {
  name: '@memkit/session-store',
  fastify: '5.x',
});

export default memcachedSessionStore;
