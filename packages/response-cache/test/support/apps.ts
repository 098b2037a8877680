import type { AddressInfo } from 'node:net';
import { MemcachedClient } from '@memkit/core';
import express from 'express';
import Fastify from 'fastify';
import request from 'supertest';
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
  request(
    method: 'GET' | 'HEAD' | 'POST',
    url: string,
    headers?: Record<string, string>,
  ): Promise<TestResponse>;
  cache: ResponseCache;
  client: MemcachedClient;
  close(): Promise<void>;
}

/** Builds an app for one framework. */
export type AppFactory = (
  address: string,
  routes: RouteSpec[],
  options?: Omit<ResponseCacheOptions, 'client' | 'servers'>,
  clientOptions?: { timeoutMs?: number; failureLimit?: number; retryDelayMs?: number },
) => Promise<TestApp>;

const expressApp: AppFactory = async (address, routes, options = {}, clientOptions = {}) => {
  const client = new MemcachedClient(address, clientOptions);
  const cache = new ResponseCache({ ...options, client });
  const app = express();
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
          });
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
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    cache,
    client,
    async request(method, url, headers = {}) {
      const agent = request(base);
      let test =
        method === 'GET' ? agent.get(url) : method === 'HEAD' ? agent.head(url) : agent.post(url);
      // Every instance of a fleet sees the same Host (the load balancer's); the listening
      // ports of two test apps differ, so the tests name a host the way a client would.
      test = test.set('host', 'app.test');
      for (const [k, v] of Object.entries(headers)) test = test.set(k, v);
      const res = await test.buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      const body = Buffer.isBuffer(res.body) ? res.body : Buffer.alloc(0);
      return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await cache.close();
      await client.close();
    },
  };
};

const fastifyApp: AppFactory = async (address, routes, options = {}, clientOptions = {}) => {
  const client = new MemcachedClient(address, clientOptions);
  const app = Fastify();
  await app.register(memcachedCache, { ...options, client });
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
        });
        reply.code(r.status ?? 200);
        for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
        return r.body;
      },
    });
  }
  await app.ready();
  return {
    cache: app.responseCache,
    client,
    async request(method, url, headers = {}) {
      const res = await app.inject({ method, url, headers });
      return {
        status: res.statusCode,
        headers: res.headers as Record<string, string | string[] | undefined>,
        body: res.rawPayload,
        text: res.payload,
      };
    },
    async close() {
      await app.close();
      await client.close();
    },
  };
};

/** Both adapters, so every rule is proven on each. */
export const ADAPTERS: { name: string; create: AppFactory }[] = [
  { name: 'express', create: expressApp },
  { name: 'fastify', create: fastifyApp },
];
