import { fastifyPluginOptions, MemcachedClient, resolveBackend } from '@memkit/core';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAbortHookHandler,
  onRequestHookHandler,
  onResponseHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { type Charge, HttpRateLimitPolicy } from './internal/http-policy.js';
import { type HttpRateLimitOptions, resolveHttpRateLimitOptions } from './options.js';
import type { RateLimiter } from './rate-limiter.js';

/** Options of the Fastify plugin: the engine's plus the HTTP ones, typed for Fastify. */
export type FastifyRateLimitOptions = HttpRateLimitOptions<FastifyRequest>;

/** Per-route overrides in `config.rateLimit`; the rest comes from the plugin's options. */
export type RouteRateLimitOptions = Partial<
  Pick<
    FastifyRateLimitOptions,
    | 'limit'
    | 'windowSeconds'
    | 'algorithm'
    | 'burst'
    | 'cost'
    | 'keyGenerator'
    | 'skip'
    | 'allowList'
    | 'skipFailedRequests'
    | 'skipSuccessfulRequests'
  >
>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's own limit, or `false` to leave the route unlimited. */
    rateLimit?: RouteRateLimitOptions | false;
  }
  interface FastifyInstance {
    /** The engine behind the plugin's global limit (`consume`, `get`, `reset`). */
    rateLimiter: RateLimiter;
  }
}

// Per-request state lives in a WeakMap keyed by the request: it needs no declaration merging on
// FastifyRequest and is collected with the request.
const charges = new WeakMap<
  FastifyRequest,
  { policy: HttpRateLimitPolicy<FastifyRequest>; charge: Charge }
>();

const plugin: FastifyPluginAsync<FastifyRateLimitOptions> = async (fastify, options) => {
  if (fastify.hasDecorator('rateLimiter')) {
    // A second registration would add a second set of hooks: every request counted twice.
    throw new Error(
      '@memkit/rate-limiter is already registered on this instance (rateLimiter exists); use per-route config.rateLimit for other limits.',
    );
  }
  // Fastify's own register() options are left out; `prefix` is refused (storage is `keyPrefix`).
  const engineOptions = fastifyPluginOptions(options, '@memkit/rate-limiter');
  const given = engineOptions as unknown as FastifyRateLimitOptions;
  // One storage for the global limit and every route's. An app that already has a client
  // (`app.memcached`, decorated by another memkit plugin) shares it; one created from `servers`
  // is this plugin's and is closed with the app.
  const appClient = fastify.hasDecorator('memcached')
    ? (fastify as unknown as { memcached?: unknown }).memcached
    : undefined;
  // Every option (and the client/servers/backend choice) is validated before anything connects.
  resolveHttpRateLimitOptions(given);
  const storage = resolveBackend(given, {
    defaultClient: appClient instanceof MemcachedClient ? appClient : undefined,
  });
  const { client: _client, servers: _servers, ...rest } = given;
  const base: FastifyRateLimitOptions = { ...rest, backend: storage.backend };
  const globalPolicy = new HttpRateLimitPolicy<FastifyRequest>(base);
  const policies = [globalPolicy];
  const permissive = trustsEveryProxy(fastify);

  fastify.decorate('rateLimiter', globalPolicy.limiter);

  fastify.addHook('onRoute', (route) => {
    const config = route.config?.rateLimit;
    if (config === false) return;
    // Each route with its own settings counts in its own keys (the engine's `scope`), so its
    // limit is independent of the others and of the global one.
    const policy =
      config === undefined
        ? globalPolicy
        : new HttpRateLimitPolicy<FastifyRequest>({
            ...base,
            ...config,
            scope: `${String(route.method)} ${route.url}`,
          });
    if (policy !== globalPolicy) policies.push(policy);
    route.onRequest = appendHook(route.onRequest, onRequest(policy, permissive));
    // Refund hooks only on routes that can refund: a hook on every response is not free.
    if (policy.refunds) {
      route.onResponse = appendHook(route.onResponse, onResponse);
      route.onRequestAbort = appendHook(route.onRequestAbort, onRequestAbort);
    }
  });

  fastify.addHook('onClose', async () => {
    // The limiters give up their key prefixes; the storage closes only if created here.
    await Promise.all(policies.map((p) => p.limiter.close()));
    await storage.close();
  });
};

/**
 * Whether the app was created with `trustProxy: true`. Fastify keeps its options under a
 * private symbol only; when that is not found no warning is given, which is the safe side.
 */
function trustsEveryProxy(fastify: object): boolean {
  for (let o: object | null = fastify; o !== null; o = Object.getPrototypeOf(o)) {
    const symbol = Object.getOwnPropertySymbols(o).find((s) => s.description === 'fastify.options');
    if (symbol !== undefined) {
      const options = (o as Record<symbol, unknown>)[symbol];
      return (options as { trustProxy?: unknown } | undefined)?.trustProxy === true;
    }
  }
  return false;
}

function onRequest(
  policy: HttpRateLimitPolicy<FastifyRequest>,
  permissiveTrustProxy: boolean,
): onRequestHookHandler {
  return async function rateLimitOnRequest(request: FastifyRequest, reply: FastifyReply) {
    const decision = await policy.decide(request, {
      ip: request.ip,
      forwardedFor: request.headers['x-forwarded-for'] !== undefined,
      // Fastify only defines `request.ips` when trustProxy is on.
      trustProxy: request.ips !== undefined,
      permissiveTrustProxy,
    });
    if (decision.action === 'skip') return;
    for (const [name, value] of decision.headers) reply.header(name, value);
    if (decision.action === 'reject') {
      return reply.code(decision.status).type(decision.contentType).send(decision.body);
    }
    if (policy.refunds) charges.set(request, { policy, charge: decision.charge });
  };
}

function appendHook<H>(existing: H | H[] | undefined, hook: H): H[] {
  return existing === undefined
    ? [hook]
    : Array.isArray(existing)
      ? [...existing, hook]
      : [existing, hook];
}

const onResponse: onResponseHookHandler = async function rateLimitOnResponse(request, reply) {
  const state = charges.get(request);
  charges.delete(request);
  if (state !== undefined) await settle(state, reply.statusCode, true);
};

const onRequestAbort: onRequestAbortHookHandler = async function rateLimitOnRequestAbort(request) {
  const state = charges.get(request);
  charges.delete(request);
  if (state !== undefined) await settle(state, 0, false);
};

async function settle(
  state: { policy: HttpRateLimitPolicy<FastifyRequest>; charge: Charge },
  statusCode: number,
  finished: boolean,
): Promise<void> {
  try {
    await state.policy.settle(state.charge, statusCode, finished);
  } catch (error) {
    state.policy.logger?.warn({ err: error }, 'rate limiter: refund failed');
  }
}

/**
 * Fastify plugin limiting each client, with per-route `config: { rateLimit: {...} | false }`.
 *
 * @example
 * await app.register(rateLimit, { limit: 100, windowSeconds: 3600 });
 */
export const rateLimit = fp(plugin, { name: '@memkit/rate-limiter', fastify: '5.x' });

export default rateLimit;
