import { IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CacheDecision, CacheRoute, Revalidation } from './cache-decision.js';
import type { CacheRequest, CacheResponse } from './http-types.js';
import type { ResponseCacheOptions, RouteCacheOptions } from './options.js';
import { ResponseCache } from './response-cache.js';

/**
 * Options of {@link cacheResponse}: an engine to share (`cache`) plus per-route settings, or the
 * full engine options when the middleware should create its own engine.
 */
export type CacheResponseOptions =
  | (RouteCacheOptions & {
      /** A shared engine (its client and invalidation serve every route using it). */
      cache: ResponseCache;
    })
  | (ResponseCacheOptions & { cache?: undefined });

/** Express middleware that caches responses; `.cache` is its engine (for invalidation, close). */
export interface CacheResponseMiddleware extends RequestHandler {
  /** The engine: `invalidate`, `invalidateTags`, `invalidatePrefix`, `stats`, `close`. */
  readonly cache: ResponseCache;
}

type Forward = Extract<CacheDecision, { action: 'forward' }>;
type Chunk = string | Buffer | Uint8Array;

/**
 * Express (4 or 5) middleware, per route or with `app.use`. Bodies sent with `res.json`,
 * `res.send` and `res.write`/`res.end` are all captured.
 * @example
 * app.get('/api/users/:id', cacheResponse({ ttl: 1800 }), handler);
 * @throws RangeError on a bad option.
 */
export function cacheResponse(options: CacheResponseOptions = {}): CacheResponseMiddleware {
  let cache: ResponseCache;
  let route: CacheRoute;
  if (options.cache !== undefined) {
    const { cache: shared, ...routeOptions } = options;
    cache = shared;
    route = cache.route(routeOptions);
  } else {
    const { cache: _unused, ...engineOptions } = options;
    cache = new ResponseCache(engineOptions);
    route = cache.route();
  }
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    // Headers set by middleware that ran before us (a rate limiter's counters, CORS) describe
    // this request, not the resource: they are neither stored nor overwritten by a hit.
    const own = res.getHeaderNames();
    const cacheReq: CacheRequest = {
      method: req.method,
      url: req.originalUrl || req.url,
      headers: req.headers,
      params: req.params as Record<string, string> | undefined,
    };
    cache.begin(cacheReq, route).then((decision) => {
      if (decision.action === 'serve') {
        send(res, decision.response, own);
        if (decision.revalidate !== undefined) replay(req, decision.revalidate);
        return;
      }
      if (decision.passthrough !== undefined) {
        for (const [name, value] of Object.entries(decision.passthrough))
          res.setHeader(name, value);
      } else {
        capture(req, res, decision, cache.options.maxBodyBytes, new Set(own));
      }
      next();
    }, next);
  };
  return Object.assign(middleware, { cache });
}

// Validators of the client's copy must not turn the background refresh into a 304.
const NOT_REPLAYED = ['if-none-match', 'if-modified-since', 'content-length', 'transfer-encoding'];

type Handle = (req: IncomingMessage, res: ServerResponse, done: (err?: unknown) => void) => void;

/**
 * Runs the request again through the whole app, detached from any client, so the handler
 * refreshes a stale entry in the background (stale-while-revalidate). The response has no
 * socket: it is captured by this middleware and stored, and goes nowhere else.
 */
function replay(req: Request, revalidation: Revalidation): void {
  const fake = new IncomingMessage(new Socket());
  fake.method = 'GET';
  fake.url = req.originalUrl || req.url;
  const headers: Record<string, string | string[] | undefined> = { ...req.headers };
  for (const name of NOT_REPLAYED) delete headers[name];
  headers[revalidation.header[0]] = revalidation.header[1];
  fake.headers = headers;
  fake.push(null);
  const res = new ServerResponse(fake);
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    revalidation.done();
  };
  const end = res.end;
  res.end = function endThenSettle(this: ServerResponse, ...args: unknown[]) {
    const out = (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    settle();
    return out;
  } as ServerResponse['end'];
  try {
    (req.app as unknown as { handle: Handle }).handle(fake, res, settle);
  } catch {
    settle();
  }
}

// Bodies up to this size are sent as a latin1 string (byte for byte the same): Node then writes
// head and body as one string, one plain write, instead of a writev of two chunks.
const STRING_BODY_BYTES = 16 * 1024;
const bodyStrings = new WeakMap<Buffer, string>();

/** The body as Node writes it best: a latin1 string when small (memoised per entry buffer). */
function wireBody(body: Buffer): Buffer | string {
  if (body.length > STRING_BODY_BYTES || body.length === 0) return body;
  let text = bodyStrings.get(body);
  if (text === undefined) {
    text = body.toString('latin1');
    bodyStrings.set(body, text);
  }
  return text;
}

function send(res: ServerResponse, response: CacheResponse, own: readonly string[]): void {
  const headers = response.headers;
  if (own.length === 0) {
    // Nothing set before us: Node takes the object as is, without validating each header again.
    res.writeHead(response.status, headers);
  } else {
    // What writeHead would do with earlier headers present, less a filtered copy.
    const names = Object.keys(headers);
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (!own.includes(name)) res.setHeader(name, headers[name] as string | string[]);
    }
    res.writeHead(response.status);
  }
  res.end(wireBody(response.body), 'latin1');
}

/** The response's headers less those set before the cache ran (see `own` in the middleware). */
function storedHeaders(res: ServerResponse, own: ReadonlySet<string>): OutgoingHttpHeaders {
  const headers = res.getHeaders();
  for (const name of own) delete headers[name];
  return headers;
}

/** Server-sent events never end: buffering them would hold the stream forever. */
function isEventStream(res: ServerResponse): boolean {
  return String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
}

function toBuffer(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/**
 * Buffers the handler's response (status, headers, body) so the engine can store it, add its
 * headers, or swap in a stale copy when the handler failed. Bodies over `maxBodyBytes` switch to
 * pass-through and are not stored.
 */
function capture(
  req: Request,
  res: Response,
  decision: Forward,
  maxBodyBytes: number,
  own: ReadonlySet<string>,
): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  type Loose = (...args: unknown[]) => unknown;
  const rawWrite = (...args: unknown[]): unknown => (original.write as Loose).apply(res, args);
  const rawEnd = (...args: unknown[]): unknown => (original.end as Loose).apply(res, args);
  const chunks: Buffer[] = [];
  let size = 0;
  let passthrough = false;
  let ended = false;
  const restore = (): void => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
  };
  res.on('close', () => {
    if (!ended) decision.abandon('client-closed');
  });

  const toPassthrough = (reason: string): void => {
    passthrough = true;
    decision.abandon(reason);
    restore();
    res.setHeader('x-cache', 'MISS');
    for (const c of chunks) rawWrite(c);
    chunks.length = 0;
  };

  res.writeHead = function writeHead(this: Response, status: number, ...rest: unknown[]) {
    // Headers are applied now but sent with the body, once the engine has seen it.
    this.statusCode = status;
    let headers = rest[0];
    if (typeof headers === 'string') {
      this.statusMessage = headers;
      headers = rest[1];
    }
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(headers[i], headers[i + 1]);
    } else if (headers !== null && typeof headers === 'object') {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) this.setHeader(name, value as string | string[]);
      }
    }
    return this;
  } as Response['writeHead'];

  res.write = function write(this: Response, chunk: Chunk, encoding?: unknown, cb?: unknown) {
    if (!passthrough && isEventStream(this)) toPassthrough('event-stream');
    if (passthrough) return rawWrite(chunk, encoding, cb) as boolean;
    const buf = toBuffer(chunk, encoding);
    chunks.push(buf);
    size += buf.length;
    if (size > maxBodyBytes) toPassthrough('too-large');
    const callback = typeof encoding === 'function' ? encoding : cb;
    if (typeof callback === 'function') process.nextTick(callback as () => void);
    return true;
  } as Response['write'];

  res.end = function end(this: Response, chunk?: unknown, encoding?: unknown, cb?: unknown) {
    ended = true;
    const callback = [chunk, encoding, cb].find((a) => typeof a === 'function') as
      | (() => void)
      | undefined;
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') {
      const buf = toBuffer(chunk as Chunk, encoding);
      if (passthrough) return rawEnd(buf, callback) as Response;
      chunks.push(buf);
    } else if (passthrough) {
      return rawEnd(callback) as Response;
    }
    const body = Buffer.concat(chunks);
    restore();
    decision
      .finish({ status: this.statusCode, headers: storedHeaders(this, own), body })
      .then(
        (result) => {
          if (result.replacement !== undefined) {
            for (const name of this.getHeaderNames()) if (!own.has(name)) this.removeHeader(name);
            send(this, result.replacement, [...own]);
            return;
          }
          // flushHeaders() may have sent the head already; the body still goes out.
          if (this.headersSent) {
            this.end(body);
            return;
          }
          for (const [name, value] of Object.entries(result.headers)) this.setHeader(name, value);
          if (req.method !== 'HEAD' && this.statusCode !== 204 && this.statusCode !== 304) {
            this.setHeader('content-length', body.length);
          }
          this.end(body);
        },
        () => this.end(body),
      )
      .finally(() => callback?.());
    return this;
  } as Response['end'];
}
