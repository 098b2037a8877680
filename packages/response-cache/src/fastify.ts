import type { TLSSocket } from 'node:tls';
import { booleanOption, fastifyPluginOptions, MemcachedClient } from '@memkit/core';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import type { CacheDecision, CacheRoute } from './cache-decision.js';
import type { CacheRequest } from './http-types.js';
import { replayMessages } from './internal/replay.js';
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

type Forward = Extract<CacheDecision, { action: 'forward' }>;
interface RequestState {
  decision: Forward;
}
// Per-request state in a WeakMap: no declaration merging on FastifyRequest, collected with it.
const states = new WeakMap<FastifyRequest, RequestState>();

function appendHook<H>(existing: H | H[] | undefined, hook: H): H[] {
  return existing === undefined
    ? [hook]
    : Array.isArray(existing)
      ? [...existing, hook]
      : [existing, hook];
}

const plugin: FastifyPluginAsync<MemcachedCacheOptions> = async (app, options) => {
  if (app.hasDecorator('responseCache')) {
    // A second registration would add a second lookup to every route.
    throw new Error(
      '@memkit/response-cache is already registered on this instance (responseCache exists); use per-route config.cache for other settings.',
    );
  }
  // Fastify's own register() options are left out; `prefix` is refused (storage is `keyPrefix`).
  const { global: globalOption = true, ...engineOptions } = fastifyPluginOptions(
    options,
    '@memkit/response-cache',
  );
  const global = booleanOption('global', globalOption);
  // An app that already has a client (another memkit plugin's `app.memcached`) shares it when
  // this plugin was given no storage of its own; it is then not ours to close.
  const appClient = app.hasDecorator('memcached')
    ? (app as unknown as { memcached?: unknown }).memcached
    : undefined;
  if (
    engineOptions.client === undefined &&
    engineOptions.servers === undefined &&
    engineOptions.backend === undefined &&
    appClient instanceof MemcachedClient
  ) {
    engineOptions.client = appClient;
  }
  const cache = new ResponseCache(engineOptions as ResponseCacheOptions);
  if (!app.hasDecorator('memcached') && cache.hasClient) app.decorate('memcached', cache.client);
  app.decorate('responseCache', cache);

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

  const onSend: onSendHookHandler = async (request, reply, payload) => {
    const state = states.get(request);
    if (state === undefined) return payload;
    states.delete(request);
    const { decision } = state;
    let body: Buffer;
    if (typeof payload === 'string') body = Buffer.from(payload);
    else if (Buffer.isBuffer(payload)) body = payload;
    else if (payload === null || payload === undefined) body = Buffer.alloc(0);
    else {
      // A stream: passed through untouched, never buffered, never stored.
      decision.abandon('stream');
      return payload;
    }
    const result = await decision.finish({
      status: reply.statusCode,
      headers: reply.getHeaders(),
      body,
    });
    if (result.replacement !== undefined) {
      for (const name of Object.keys(reply.getHeaders())) {
        if (!result.keep.has(name)) reply.removeHeader(name);
      }
      reply.code(result.replacement.status).headers(result.replacement.headers);
      return result.replacement.body;
    }
    reply.headers(result.headers);
    return payload;
  };

  const lookup =
    (route: CacheRoute): preHandlerHookHandler =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const preset = Object.keys(reply.getHeaders());
      const socket = request.socket as TLSSocket | undefined;
      const cacheReq: CacheRequest = {
        method: request.method,
        // The target as Fastify routed it: never a normalised copy.
        url: request.url,
        headers: request.headers,
        params: request.params as Record<string, string> | undefined,
        host: request.host,
        protocol: request.protocol,
        remoteAddress: socket?.remoteAddress,
        encrypted: socket?.encrypted === true,
        presetHeaders: preset.length === 0 ? undefined : preset,
      };
      const decision = await cache.begin(cacheReq, route);
      if (decision.action === 'serve') {
        const revalidation = decision.revalidate;
        if (revalidation !== undefined) {
          // stale-while-revalidate: the engine's replay, through the whole app, in the background.
          const { req, res, settle } = replayMessages(revalidation);
          try {
            app.routing(req, res);
          } catch {
            settle();
          }
        }
        const { status, headers, body } = decision.response;
        return reply.code(status).headers(headers).send(body);
      }
      if (decision.passthrough !== undefined) reply.headers(decision.passthrough);
      else states.set(request, { decision });
      return undefined;
    };

  // The lookup runs as the route's last preHandler, appended when the route is declared: every
  // onRequest hook (a rate limiter), every auth check (onRequest, preValidation or preHandler,
  // global or per route) runs before a hit is served, so a cached response never bypasses them.
  // The response is judged in the route's last onSend, after every app-level onSend hook
  // (@fastify/cookie serialising cookies, @fastify/session saving), so a Set-Cookie added there
  // is seen. Unmatched URLs (404) get no hook, so random paths never fill the cache. Computing
  // the route here also validates its settings at startup, not on its first request.
  app.addHook('onRoute', (routeOptions) => {
    const route = routeFor(routeOptions.config?.cache);
    if (route === undefined) return;
    routeOptions.preHandler = appendHook(routeOptions.preHandler, lookup(route));
    routeOptions.onSend = appendHook(routeOptions.onSend, onSend);
  });

  const abandon = async (request: FastifyRequest): Promise<void> => {
    const state = states.get(request);
    if (state === undefined) return;
    states.delete(request);
    state.decision.abandon();
  };
  app.addHook('onRequestAbort', abandon);
  app.addHook('onResponse', abandon);
  // Closes the client only if the cache created it from `servers`.
  app.addHook('onClose', async () => {
    await cache.close();
  });
};

/**
 * Fastify 5 plugin: decorates `app.memcached` and `app.responseCache`, caches GET/HEAD routes
 * (per route `config: { cache: { ttl, tags } }` or `config: { cache: false }`). Reuses
 * `app.memcached` when the app has one and no `client`/`servers`/`backend` is given.
 * @example
 * await app.register(memcachedCache, { servers: '127.0.0.1:11211', ttl: 60 });
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on a bad option; Error
 *   when registered twice on one instance.
 */
export const memcachedCache = fp(plugin, { name: '@memkit/response-cache', fastify: '5.x' });

export default memcachedCache;
