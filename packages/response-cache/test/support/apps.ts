import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CacheBackend, MemcachedClient } from '@memkit/core';
import express from 'express';
import express5 from 'express5';
import Fastify, { type FastifyInstance } from 'fastify';
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

/** A response as the tests look at it. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** One app instance (Express or Fastify) with its own client and engine. */
export interface TestApp {
  /**
   * Sends a request over real HTTP with the path exactly as given (no client-side URL
   * normalisation). The Host header is `app.test` unless given: every instance of a fleet sees
   * the load balancer's host, whatever port each test app listens on.
   */
  request(
    method: 'GET' | 'HEAD' | 'POST',
    url: string,
    headers?: Record<string, string>,
  ): Promise<TestResponse>;
  cache: ResponseCache;
  close(): Promise<void>;
}

/** Where an app stores entries: a memcached address (a client per app) or a shared backend. */
export type TestStore = string | { backend: CacheBackend };

/** Framework settings and plugins a test needs around the cache. */
export interface AppEnv {
  /** Express `trust proxy` / Fastify `trustProxy` (`true`, or an address/subnet name such as `loopback`). */
  trustProxy?: boolean | string;
  /** Express: middleware mounted before the routes (and so before the cache). */
  express?: (app: express.Express) => void;
  /** Fastify: plugins and hooks registered after the cache plugin, before the routes. */
  fastify?: (app: FastifyInstance) => Promise<void>;
}

/** Builds an app for one framework. */
export type AppFactory = (
  store: TestStore,
  routes: RouteSpec[],
  options?: Omit<ResponseCacheOptions, 'client' | 'servers' | 'backend'>,
  clientOptions?: { timeoutMs?: number; failureLimit?: number; retryDelayMs?: number },
  env?: AppEnv,
) => Promise<TestApp>;

function storage(
  store: TestStore,
  clientOptions: { timeoutMs?: number; failureLimit?: number; retryDelayMs?: number },
): { option: { client: MemcachedClient } | { backend: CacheBackend }; close(): Promise<void> } {
  if (typeof store !== 'string') return { option: store, close: async () => {} };
  const client = new MemcachedClient(store, clientOptions);
  return { option: { client }, close: () => client.close() };
}

function send(
  port: number,
  method: string,
  url: string,
  headers: Record<string, string>,
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path: url, headers: { host: 'app.test', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

type ExpressLike = typeof express;

const expressFactory =
  (make: ExpressLike): AppFactory =>
  async (store, routes, options = {}, clientOptions = {}, env = {}) => {
    const s = storage(store, clientOptions);
    const cache = new ResponseCache({ ...options, ...s.option });
    const app = make();
    if (env.trustProxy !== undefined) app.set('trust proxy', env.trustProxy);
    env.express?.(app);
    for (const spec of routes) {
      const middleware =
        spec.cache === false ? [] : [cacheResponse({ ...(spec.cache ?? {}), cache })];
      for (const method of spec.methods ?? ['GET']) {
        const register = method === 'GET' ? app.get.bind(app) : app.post.bind(app);
        register(spec.path, ...middleware, async (req, res, next) => {
          try {
            const r = await spec.handler({
              method: req.method,
              url: req.originalUrl,
              headers: req.headers,
              params: req.params as Record<string, string>,
              protocol: req.protocol,
              hostname: req.hostname ?? '',
              ip: req.ip,
            });
            res.status(r.status ?? 200);
            for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
            if (r.via === 'write') {
              const buf = Buffer.isBuffer(r.body) ? r.body : Buffer.from(String(r.body));
              const half = buf.length >> 1;
              res.write(buf.subarray(0, half));
              res.end(buf.subarray(half));
            } else if (
              r.via === 'json' ||
              (!Buffer.isBuffer(r.body) && typeof r.body === 'object')
            ) {
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
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    return {
      cache,
      request: (method, url, headers = {}) => send(port, method, url, headers),
      async close() {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await cache.close();
        await s.close();
      },
    };
  };

const fastifyApp: AppFactory = async (
  store,
  routes,
  options = {},
  clientOptions = {},
  env = {},
) => {
  const s = storage(store, clientOptions);
  const app = Fastify({ trustProxy: env.trustProxy ?? false });
  await app.register(memcachedCache, { ...options, ...s.option });
  await env.fastify?.(app);
  for (const spec of routes) {
    app.route({
      method: spec.methods ?? ['GET'],
      url: spec.path,
      config: spec.cache === undefined ? {} : { cache: spec.cache },
      handler: async (req, reply) => {
        const r = await spec.handler({
          method: req.method,
          url: req.url,
          headers: req.headers,
          params: req.params as Record<string, string>,
          protocol: req.protocol,
          hostname: req.hostname,
          ip: req.ip,
        });
        reply.code(r.status ?? 200);
        for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
        return r.body;
      },
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return {
    cache: app.responseCache,
    request: (method, url, headers = {}) => send(port, method, url, headers),
    async close() {
      await app.close();
      await s.close();
    },
  };
};

/** Every adapter on every supported framework major, so every rule is proven on each. */
export const ADAPTERS: { name: string; create: AppFactory }[] = [
  { name: 'express 4', create: expressFactory(express) },
  { name: 'express 5', create: expressFactory(express5 as unknown as ExpressLike) },
  { name: 'fastify', create: fastifyApp },
];
