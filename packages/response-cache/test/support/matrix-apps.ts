import type { ClientOptions } from '@memkit/core';
import type { FastifyInstance } from 'fastify';
import type {
  AnyExpress,
  MatrixCell,
  MatrixResponse,
  StorageOptions,
} from '../../../../test/support/http-matrix.js';
import {
  cacheResponse,
  memcachedCache,
  ResponseCache,
  type ResponseCacheOptions,
  type RouteCacheOptions,
} from '../../src/index.js';

/** What a test handler sees of the request. */
export interface HandlerRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  params: Record<string, string>;
  /** The framework's resolved protocol and host name (trust-proxy aware). */
  protocol: string;
  hostname: string;
  ip: string | undefined;
}

/** What a test handler answers; `via` picks the Express sending API (Fastify always sends). */
export interface HandlerResult {
  status?: number;
  headers?: Record<string, string | string[]>;
  body: string | Buffer | Record<string, unknown>;
  via?: 'json' | 'send' | 'write';
}

/** A route of the test app, written once for both frameworks. */
export interface RouteSpec {
  path: string;
  methods?: ('GET' | 'POST')[];
  cache?: RouteCacheOptions | false;
  handler: (req: HandlerRequest) => HandlerResult | Promise<HandlerResult>;
}

/** One app instance of the cell's framework with its own engine; closed after the test. */
export interface TestApp {
  /**
   * Sends a request over real HTTP with the path exactly as given and no cookie jar. The Host
   * header is `app.test` unless given: every instance of a fleet sees the load balancer's host,
   * whatever port each test app listens on.
   */
  request(
    method: 'GET' | 'HEAD' | 'POST',
    url: string,
    headers?: Record<string, string>,
  ): Promise<MatrixResponse>;
  cache: ResponseCache;
}

/** Framework settings, plugins and storage a test needs around the cache. */
export interface AppEnv {
  /** Express `trust proxy` / Fastify `trustProxy` (`true`, or an address/subnet name such as `loopback`). */
  trustProxy?: boolean | string;
  /** Express: middleware mounted before the routes (and so before the cache). */
  express?: (app: AnyExpress) => void;
  /** Fastify: plugins and hooks registered after the cache plugin, before the routes. */
  fastify?: (app: FastifyInstance) => Promise<void>;
  /** Options of the app's own memcached client (see `MatrixCell.connect`). */
  client?: ClientOptions;
  /** Where entries live instead of the cell's storage (a server that is not there, say). */
  storage?: StorageOptions;
}

/** The cache's options a test chooses; the storage comes from the cell. */
export type CacheOptions = Omit<ResponseCacheOptions, 'client' | 'servers' | 'backend'>;

/**
 * Builds `routes` on the cell's framework behind the response cache: `cacheResponse` per route
 * on Express, the `memcachedCache` plugin with `config.cache` on Fastify. Each app gets its own
 * client (as each instance of a fleet does) and, unless `options` names one, its own key
 * prefix, so tests never see each other's entries.
 */
export async function cacheApp(
  cell: MatrixCell,
  routes: RouteSpec[],
  options: CacheOptions = {},
  env: AppEnv = {},
): Promise<TestApp> {
  const storage = env.storage ?? cell.connect(env.client);
  options = { keyPrefix: cell.prefix('rc'), ...options };
  const serve = { cookies: false };
  if (cell.framework.kind === 'express') {
    const cache = new ResponseCache({ ...options, ...storage });
    cell.onCleanup(() => cache.close());
    const app = cell.express();
    if (env.trustProxy !== undefined) app.set('trust proxy', env.trustProxy);
    env.express?.(app);
    for (const spec of routes) expressRoute(app, spec, cache);
    const agent = await cell.serve(app, serve);
    return { cache, request: (method, url, headers) => agent.request(method, url, headers) };
  }
  const app = cell.fastify({ trustProxy: env.trustProxy ?? false });
  await app.register(memcachedCache, { ...options, ...storage });
  await env.fastify?.(app);
  for (const spec of routes) {
    app.route({
      method: spec.methods ?? ['GET'],
      url: spec.path,
      config: spec.cache === undefined ? {} : { cache: spec.cache },
      handler: async (req, reply) => {
        const r = await spec.handler(handlerRequest(req, req.url));
        reply.code(r.status ?? 200);
        for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
        return r.body;
      },
    });
  }
  const agent = await cell.serve(app, serve);
  return {
    cache: app.responseCache,
    request: (method, url, headers) => agent.request(method, url, headers),
  };
}

function expressRoute(app: AnyExpress, spec: RouteSpec, cache: ResponseCache): void {
  const middleware = spec.cache === false ? [] : [cacheResponse({ ...(spec.cache ?? {}), cache })];
  for (const method of spec.methods ?? ['GET']) {
    const register = method === 'GET' ? app.get.bind(app) : app.post.bind(app);
    register(spec.path, ...middleware, async (req, res, next) => {
      try {
        const r = await spec.handler(handlerRequest(req, req.originalUrl));
        res.status(r.status ?? 200);
        for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
        if (r.via === 'write') {
          const buf = Buffer.isBuffer(r.body) ? r.body : Buffer.from(String(r.body));
          const half = buf.length >> 1;
          res.write(buf.subarray(0, half));
          res.end(buf.subarray(half));
        } else if (r.via === 'json' || (!Buffer.isBuffer(r.body) && typeof r.body === 'object')) {
          res.json(r.body);
        } else {
          res.send(r.body);
        }
      } catch (err) {
        next(err);
      }
    });
  }
}

/** What both frameworks' requests tell a handler; `url` is the raw target each one routed. */
function handlerRequest(
  req: Omit<HandlerRequest, 'url' | 'params' | 'hostname'> & {
    params: unknown;
    hostname: string | undefined;
  },
  url: string,
): HandlerRequest {
  const { method, headers, protocol, hostname, ip } = req;
  return {
    method,
    url,
    headers,
    params: req.params as Record<string, string>,
    protocol,
    hostname: hostname ?? '',
    ip,
  };
}

/** The cell's `cacheApp`, for suites that build many apps. */
export function cacheApps(
  cell: MatrixCell,
): (routes: RouteSpec[], options?: CacheOptions, env?: AppEnv) => Promise<TestApp> {
  return (routes, options, env) => cacheApp(cell, routes, options, env);
}

/** A promise released by the test, so "the handler is still running" needs no sleeping. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
