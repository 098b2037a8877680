import type { MemcachedClient } from '@memkit/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { CacheDecision, CacheRoute } from './cache-decision.js';
import type { CacheRequest } from './http-types.js';
import type { ResponseCacheOptions, RouteCacheOptions } from './options.js';
import { ResponseCache } from './response-cache.js';

/** Options of the Fastify plugin: the engine's options plus `global`. */
export interface MemcachedCacheOptions extends ResponseCacheOptions {
  /**
   * Cache every GET/HEAD route unless it says `config: { cache: false }`; when `false`, only
   * routes with a `config.cache` object are cached.
   * @default true
   */
  global?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The memcached client (the plugin's, or the one it was given). */
    memcached: MemcachedClient;
    /** The response cache: `invalidate`, `invalidateTags`, `invalidatePrefix`, `stats`. */
    responseCache: ResponseCache;
  }
  interface FastifyContextConfig {
    /** Per-route response caching: settings, or `false` to never cache this route. */
    cache?: RouteCacheOptions | false;
  }
}

const kDecision = Symbol('memkit.responseCache.decision');
const kOwnHeaders = Symbol('memkit.responseCache.ownHeaders');
type Forward = Extract<CacheDecision, { action: 'forward' }>;
type WithDecision = FastifyRequest & {
  [kDecision]?: Forward | undefined;
  [kOwnHeaders]?: readonly string[] | undefined;
};

// Validators of the client's copy must not turn the background refresh into a 304.
const NOT_REPLAYED = ['if-none-match', 'if-modified-since', 'content-length', 'transfer-encoding'];

// Options Fastify itself reads from `register()`; they are not ours to validate.
const REGISTER_KEYS = new Set(['prefix', 'logLevel', 'logSerializers']);

const plugin: FastifyPluginAsync<MemcachedCacheOptions> = async (app, options) => {
  const { global = true, ...rest } = options;
  const engineOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (!REGISTER_KEYS.has(k)) engineOptions[k] = v;
  // Another memkit plugin may already have decorated a client: share it rather than open another.
  if (
    engineOptions.client === undefined &&
    engineOptions.servers === undefined &&
    engineOptions.backend === undefined &&
    app.hasDecorator('memcached')
  ) {
    engineOptions.client = app.memcached;
  }
  const cache = new ResponseCache(engineOptions as ResponseCacheOptions);
  if (!app.hasDecorator('memcached') && cache.hasClient) app.decorate('memcached', cache.client);
  if (!app.hasDecorator('responseCache')) app.decorate('responseCache', cache);

  const routes = new WeakMap<object, CacheRoute>();
  const defaultRoute = cache.route();
  const routeFor = (config: RouteCacheOptions | false | undefined): CacheRoute | undefined => {
    if (config === false || (config === undefined && !global)) return undefined;
    if (config === undefined) return defaultRoute;
    let route = routes.get(config);
    if (route === undefined) {
      route = cache.route(config);
      routes.set(config, route);
    }
    return route;
  };
  // The lookup runs as the route's last preHandler, appended when the route is declared: every
  // onRequest hook (a rate limiter), every auth check (onRequest, preValidation or preHandler,
  // global or per route) runs before a hit is served, so a cached response never bypasses them.
  // Unmatched URLs (404) get no hook, so random paths never fill memcached. Computing the route
  // here also validates its settings at startup, not on its first request.
  app.addHook('onRoute', (routeOptions) => {
    const route = routeFor(routeOptions.config?.cache);
    if (route === undefined) return;
    const hook = lookup(route);
    const existing = routeOptions.preHandler;
    routeOptions.preHandler =
      existing === undefined
        ? [hook]
        : Array.isArray(existing)
          ? [...existing, hook]
          : [existing, hook];
  });

  const lookup =
    (route: CacheRoute) =>
    async (request: WithDecision, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      const cacheReq: CacheRequest = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        params: request.params as Record<string, string> | undefined,
      };
      // Headers set by earlier hooks (a rate limiter's counters, CORS) describe this request,
      // not the resource: they are neither stored nor overwritten by a hit.
      const own = Object.keys(reply.getHeaders());
      const decision = await cache.begin(cacheReq, route);
      if (decision.action === 'serve') {
        const { status, body } = decision.response;
        let headers = decision.response.headers;
        if (own.length > 0) {
          headers = { ...headers };
          for (const name of own) delete headers[name];
        }
        const revalidation = decision.revalidate;
        if (revalidation !== undefined) {
          // stale-while-revalidate: replay the request in the background; its response is stored.
          const replayHeaders: Record<string, string | string[] | undefined> = {
            ...request.headers,
          };
          for (const name of NOT_REPLAYED) delete replayHeaders[name];
          replayHeaders[revalidation.header[0]] = revalidation.header[1];
          app
            .inject({ method: 'GET', url: request.url, headers: replayHeaders })
            .then(revalidation.done, revalidation.done);
        }
        return reply.code(status).headers(headers).send(body);
      }
      if (decision.passthrough !== undefined) reply.headers(decision.passthrough);
      else {
        request[kDecision] = decision;
        request[kOwnHeaders] = own;
      }
      return undefined;
    };

  app.addHook('onSend', async (request: WithDecision, reply, payload) => {
    const decision = request[kDecision];
    if (decision === undefined) return payload;
    request[kDecision] = undefined;
    let body: Buffer;
    if (typeof payload === 'string') body = Buffer.from(payload);
    else if (Buffer.isBuffer(payload)) body = payload;
    else if (payload === null || payload === undefined) body = Buffer.alloc(0);
    else {
      // A stream: passed through untouched, never buffered, never stored.
      decision.abandon('stream');
      return payload;
    }
    const own = request[kOwnHeaders] ?? [];
    const headers = reply.getHeaders();
    for (const name of own) delete headers[name];
    const result = await decision.finish({ status: reply.statusCode, headers, body });
    if (result.replacement !== undefined) {
      for (const name of Object.keys(reply.getHeaders())) {
        if (!own.includes(name)) reply.removeHeader(name);
      }
      const replacement = { ...result.replacement.headers };
      for (const name of own) delete replacement[name];
      reply.code(result.replacement.status).headers(replacement);
      return result.replacement.body;
    }
    reply.headers(result.headers);
    return payload;
  });

  const abandon = async (request: WithDecision): Promise<void> => {
    request[kDecision]?.abandon();
    request[kDecision] = undefined;
  };
  app.addHook('onRequestAbort', abandon);
  app.addHook('onResponse', abandon);
  app.addHook('onClose', async () => {
    await cache.close();
  });
};

/**
 * Fastify 5 plugin: decorates `app.memcached` and `app.responseCache`, caches GET/HEAD routes
 * (per route `config: { cache: { ttl, tags } }` or `config: { cache: false }`).
 * @example
 * await app.register(memcachedCache, { servers: '127.0.0.1:11211', ttl: 60 });
 */
export const memcachedCache = fp(plugin, { name: '@memkit/response-cache', fastify: '5.x' });

export default memcachedCache;
