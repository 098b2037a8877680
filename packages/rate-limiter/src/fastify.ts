import { createHash } from 'node:crypto';
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
import { createClient } from './internal/shared-client.js';
import type { HttpRateLimitOptions } from './options.js';
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
  // One client for the global limit and every route's: created here when described by
  // `servers`, so it is closed exactly once, on onClose.
  const { servers, ...rest } = options;
  const owned = servers === undefined ? undefined : createClient(servers);
  const base: FastifyRateLimitOptions = owned === undefined ? rest : { ...rest, client: owned };
  const global = new HttpRateLimitPolicy<FastifyRequest>(base);

  if (!fastify.hasDecorator('rateLimiter')) fastify.decorate('rateLimiter', global.limiter);

  fastify.addHook('onRoute', (route) => {
    const config = route.config?.rateLimit;
    if (config === false) return;
    let policy = global;
    if (config !== undefined) {
      // Each limited route counts in its own keys, so its limit is independent of the others.
      const id = createHash('sha256')
        .update(`${String(route.method)} ${route.url}`)
        .digest('base64url');
      const prefix = `${global.limiter.options.prefix}${id.slice(0, 12)}:`;
      policy = new HttpRateLimitPolicy<FastifyRequest>({ ...base, ...config, prefix });
    }
    route.onRequest = appendHook(route.onRequest, onRequest(policy));
    // Refund hooks only on routes that can refund: a hook on every response is not free.
    if (policy.refunds) {
      route.onResponse = appendHook(route.onResponse, onResponse);
      route.onRequestAbort = appendHook(route.onRequestAbort, onRequestAbort);
    }
  });

  fastify.addHook('onClose', async () => {
    await owned?.close();
  });
};

function onRequest(policy: HttpRateLimitPolicy<FastifyRequest>): onRequestHookHandler {
  return async function rateLimitOnRequest(request: FastifyRequest, reply: FastifyReply) {
    const decision = await policy.decide(request, {
      ip: request.ip,
      forwardedFor: request.headers['x-forwarded-for'] !== undefined,
      // Fastify only defines `request.ips` when trustProxy is on.
      trustProxy: request.ips !== undefined,
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
