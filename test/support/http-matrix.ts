// One adapter × backend matrix for the middleware packages: every HTTP rule runs on Express 4,
// Express 5 and Fastify, each on the in-process memcached, a real memcached and a real Redis.
// A test file calls `describeMatrix(title, (cell) => { it(...) })`; the cell says which
// framework and storage it runs on and builds apps that are closed after each test.
import type { AddressInfo } from 'node:net';
import { type CacheBackend, MemcachedBackend, type MemcachedClient } from '@memkit/core';
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
}

/** A response as a test reads it. */
export interface MatrixResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** An HTTP client with a cookie jar, over a listening server (port 0). */
export interface MatrixAgent {
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

/** One cell of the matrix, handed to the suite body. */
export interface MatrixCell {
  readonly framework: Framework;
  readonly backendName: string;
  /** The started storage (valid inside tests). */
  storage(): MatrixStorage;
  /** A new Express app of this cell's major version (Express cells only). */
  express(): AnyExpress;
  /** A new Fastify app (Fastify cells only); closed after the test. */
  fastify(options?: FastifyServerOptions): FastifyInstance;
  /** Listens on port 0 and returns a client; the server is closed after the test. */
  serve(app: AnyExpress | FastifyInstance): Promise<MatrixAgent>;
  /** Runs `close` after the current test (middleware with clients of their own). */
  onCleanup(close: () => Promise<void> | void): void;
  /** A key prefix unique to this call, so tests never share counters or sessions. */
  prefix(name: string): string;
}

const MATRIX_BACKENDS = CACHE_BACKENDS.filter((b) => b.name !== 'ioredis-mock');

let unique = 0;

/**
 * Defines `body`'s tests once per framework × backend (9 cells), skipping backends whose binary
 * is missing outside CI. Backends start once per cell and stop after it.
 */
export function describeMatrix(title: string, body: (cell: MatrixCell) => void): void {
  for (const factory of MATRIX_BACKENDS) {
    for (const framework of FRAMEWORKS) {
      describe.skipIf(!factory.available)(`${title}: ${framework.name} on ${factory.name}`, () => {
        let started: TestCacheBackend | undefined;
        let storage: MatrixStorage | undefined;
        const cleanups: (() => Promise<void> | void)[] = [];
        beforeAll(async () => {
          started = await factory.start({ timeoutMs: 2000 });
          const backend = started.backend;
          storage =
            backend instanceof MemcachedBackend
              ? {
                  options: { client: backend.client },
                  backend,
                  kind: 'memcached',
                  client: backend.client,
                }
              : { options: { backend }, backend, kind: 'redis', client: undefined };
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
          async serve(app) {
            const url = await listen(app, cleanups);
            return agent(url, new Map());
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

async function listen(
  app: AnyExpress | FastifyInstance,
  cleanups: (() => Promise<void> | void)[],
): Promise<string> {
  if (isFastify(app)) {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return url.replace('localhost', '127.0.0.1');
  }
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function isFastify(app: AnyExpress | FastifyInstance): app is FastifyInstance {
  return typeof (app as FastifyInstance).inject === 'function';
}

function agent(base: string, jar: Map<string, string>): MatrixAgent {
  return {
    async request(method, path, headers = {}, body) {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(base + path, {
        method,
        headers: {
          ...(cookie === '' ? {} : { cookie }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body,
        redirect: 'manual',
      });
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        if (eq > 0) {
          const name = pair.slice(0, eq).trim();
          const value = pair.slice(eq + 1).trim();
          if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
          else jar.set(name, value);
        }
      }
      const out: Record<string, string | string[] | undefined> = {};
      res.headers.forEach((value, name) => {
        out[name] = value;
      });
      return { status: res.status, headers: out, text: await res.text() };
    },
    get cookie() {
      return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    },
    fork() {
      return agent(base, new Map(jar));
    },
  };
}
