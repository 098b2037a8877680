// One adapter × backend matrix for the middleware packages: every HTTP rule runs on Express 4,
// Express 5 and Fastify, each on the in-process memcached, a real memcached and a real Redis.
// A test file calls `describeMatrix(title, (cell) => { it(...) })`; the cell says which
// framework and storage it runs on and builds apps that are closed after each test.
// Requests go over real HTTP with the path exactly as written (no client-side URL
// normalisation, so `/a/%2e%2e` and `/a\\b` reach the router as sent) and a fixed Host.
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CacheBackend,
  type ClientOptions,
  MemcachedBackend,
  MemcachedClient,
} from '@memkit/core';
import express4 from 'express';
import express5 from 'express5';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { CACHE_BACKENDS, type TestCacheBackend } from './cache-backends.js';

/** The frameworks every rule must hold on. */
export type FrameworkName = 'Express 4' | 'Express 5' | 'Fastify';

/** An Express application of either major version, as the middleware sees it. */
export type AnyExpress = ReturnType<typeof express4>;

/** One framework of the matrix. */
export interface Framework {
  readonly name: FrameworkName;
  readonly kind: 'express' | 'fastify';
}

export const FRAMEWORKS: readonly Framework[] = [
  { name: 'Express 4', kind: 'express' },
  { name: 'Express 5', kind: 'express' },
  { name: 'Fastify', kind: 'fastify' },
];

/** What a middleware is told about where its data lives, as a user would write it. */
export type StorageOptions = { client: MemcachedClient } | { backend: CacheBackend };

/** A started backend of the matrix. */
export interface MatrixStorage {
  /** `{ client }` on memcached (the usual way), `{ backend }` on Redis. */
  readonly options: StorageOptions;
  /** The same storage, to look at what a middleware wrote. */
  readonly backend: CacheBackend;
  /** `'memcached'` or `'redis'`. */
  readonly kind: 'memcached' | 'redis';
  /** The memcached client, when the storage is memcached. */
  readonly client: MemcachedClient | undefined;
  /** Moves expiry time forward (in-process memcached only). */
  readonly advanceClock: ((seconds: number) => void) | undefined;
  /** Stops answering, connections kept open, until `resume()` or the end of the test. */
  readonly hang: (() => void) | undefined;
  readonly resume: (() => void) | undefined;
}

/** A response as a test reads it. */
export interface MatrixResponse {
  status: number;
  /** As Node parses them: `set-cookie` is an array. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** An HTTP client over a listening server (port 0), with a cookie jar unless told otherwise. */
export interface MatrixAgent {
  /** Sends `path` as the request target byte for byte; a string body is sent as JSON. */
  request(
    method: string,
    path: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<MatrixResponse>;
  /** The cookies the server set, as a `Cookie` header value. */
  readonly cookie: string;
  /** A second client of the same server with its own (copied) cookie jar. */
  fork(): MatrixAgent;
}

/** How `serve()` talks to the app. */
export interface ServeOptions {
  /**
   * The Host header of every request unless a request gives its own. A fixed name, so apps on
   * different ports look like instances behind one load balancer. @default 'app.test'
   */
  host?: string;
  /** Keep the cookies the server sets and send them back. @default true */
  cookies?: boolean;
}

/** One cell of the matrix, handed to the suite body. */
export interface MatrixCell {
  readonly framework: Framework;
  readonly backendName: string;
  /** The started storage (valid inside tests). */
  storage(): MatrixStorage;
  /**
   * Storage options for one more app instance: a client of its own on memcached (closed after
   * the test), the shared backend on Redis (as a fleet shares one Redis).
   */
  connect(options?: ClientOptions): StorageOptions;
  /** A new Express app of this cell's major version (Express cells only). */
  express(): AnyExpress;
  /** A new Fastify app (Fastify cells only); closed after the test. */
  fastify(options?: FastifyServerOptions): FastifyInstance;
  /** Listens on port 0 and returns a client; the server is closed after the test. */
  serve(app: AnyExpress | FastifyInstance, options?: ServeOptions): Promise<MatrixAgent>;
  /** Runs `close` after the current test (middleware with clients of their own). */
  onCleanup(close: () => Promise<void> | void): void;
  /** A key prefix unique to this call, so tests never share counters or sessions. */
  prefix(name: string): string;
}

/** Which cells a suite runs on; by default all of them. */
export interface MatrixFilter {
  /** Backend names of `CACHE_BACKENDS`, e.g. `['in-process memcached']` for clock and faults. */
  backends?: readonly string[];
  frameworks?: readonly FrameworkName[];
}

const MATRIX_BACKENDS = CACHE_BACKENDS.filter((b) => b.name !== 'ioredis-mock');

let unique = 0;

/**
 * Defines `body`'s tests once per framework × backend (9 cells, or those `only` names),
 * skipping backends whose binary is missing outside CI. Backends start once per cell and stop
 * after it.
 */
export function describeMatrix(
  title: string,
  body: (cell: MatrixCell) => void,
  only: MatrixFilter = {},
): void {
  for (const factory of MATRIX_BACKENDS) {
    if (only.backends !== undefined && !only.backends.includes(factory.name)) continue;
    for (const framework of FRAMEWORKS) {
      if (only.frameworks !== undefined && !only.frameworks.includes(framework.name)) continue;
      describe.skipIf(!factory.available)(`${title}: ${framework.name} on ${factory.name}`, () => {
        let started: TestCacheBackend | undefined;
        let storage: MatrixStorage | undefined;
        const cleanups: (() => Promise<void> | void)[] = [];
        beforeAll(async () => {
          // Generous: a loaded machine must not turn a slow answer into a fail-open.
          started = await factory.start({ timeoutMs: 5000 });
          storage = matrixStorage(started, cleanups);
        });
        afterEach(async () => {
          // Last opened, first closed: servers before the middleware that own clients.
          for (const close of cleanups.splice(0).reverse()) await close();
        });
        afterAll(async () => {
          await started?.stop();
        });
        const cell: MatrixCell = {
          framework,
          backendName: factory.name,
          storage() {
            if (storage === undefined) throw new Error('storage() is only valid inside a test');
            return storage;
          },
          connect(options = {}) {
            if (started === undefined) throw new Error('connect() is only valid inside a test');
            if (started.address === undefined) return { backend: started.backend };
            const client = new MemcachedClient(started.address, options);
            cleanups.push(() => client.close());
            return { client };
          },
          express() {
            if (framework.kind !== 'express') throw new Error(`${framework.name} is not Express`);
            return (framework.name === 'Express 5' ? express5() : express4()) as AnyExpress;
          },
          fastify(options) {
            if (framework.kind !== 'fastify') throw new Error(`${framework.name} is not Fastify`);
            const app = Fastify(options);
            cleanups.push(() => app.close());
            return app;
          },
          async serve(app, options = {}) {
            const port = await listen(app, cleanups);
            return agent(
              port,
              options.host ?? 'app.test',
              options.cookies === false ? undefined : new Map(),
            );
          },
          onCleanup(close) {
            cleanups.push(close);
          },
          prefix(name) {
            return `m${process.pid}-${++unique}-${name}:`;
          },
        };
        body(cell);
      });
    }
  }
}

function matrixStorage(
  started: TestCacheBackend,
  cleanups: (() => Promise<void> | void)[],
): MatrixStorage {
  const { backend, hang, resume } = started;
  const controls = {
    advanceClock: started.advanceClock,
    // A test that hangs the backend gets it back at its end, before its apps are closed.
    hang:
      hang === undefined || resume === undefined
        ? undefined
        : () => {
            hang();
            cleanups.push(resume);
          },
    resume,
  };
  return backend instanceof MemcachedBackend
    ? {
        options: { client: backend.client },
        backend,
        kind: 'memcached',
        client: backend.client,
        ...controls,
      }
    : { options: { backend }, backend, kind: 'redis', client: undefined, ...controls };
}

async function listen(
  app: AnyExpress | FastifyInstance,
  cleanups: (() => Promise<void> | void)[],
): Promise<number> {
  if (isFastify(app)) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    return (app.server.address() as AddressInfo).port;
  }
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

function isFastify(app: AnyExpress | FastifyInstance): app is FastifyInstance {
  return typeof (app as FastifyInstance).inject === 'function';
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function keepCookies(jar: Map<string, string>, lines: string[]): void {
  for (const line of lines) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0) {
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  }
}

// node:http rather than fetch: fetch resolves `..`, `%2e%2e` and `\\` in the path and will
// not send a Host header of the test's choosing.
function agent(port: number, host: string, jar: Map<string, string> | undefined): MatrixAgent {
  return {
    request(method, path, headers = {}, body) {
      const cookie = jar === undefined ? '' : cookieHeader(jar);
      const all: Record<string, string> = {
        host,
        ...(cookie === '' ? {} : { cookie }),
        ...(body === undefined
          ? {}
          : {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(body)),
            }),
        ...headers,
      };
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: all }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (jar !== undefined) keepCookies(jar, res.headers['set-cookie'] ?? []);
            const data = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: data,
              text: data.toString('utf8'),
            });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    get cookie() {
      return jar === undefined ? '' : cookieHeader(jar);
    },
    fork() {
      return agent(port, host, jar === undefined ? undefined : new Map(jar));
    },
  };
}
