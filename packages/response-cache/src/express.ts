import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { CacheDecision, CacheRoute, Revalidation } from './cache-decision.js';
import type { CacheRequest, CacheResponse } from './http-types.js';
import { replayMessages } from './internal/replay.js';
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
type TrustFn = (address: string | undefined, hop: number) => boolean;

/**
 * Express (4 or 5) middleware, per route or with `app.use`. Bodies sent with `res.json`,
 * `res.send` and `res.write`/`res.end` are all captured. The adapter only translates: every
 * caching rule is the engine's ({@link ResponseCache}).
 * @example
 * app.get('/api/users/:id', cacheResponse({ ttl: 1800 }), handler);
 * @throws MemcachedInvalidOptionError (`ERR_MEMCACHED_INVALID_OPTION`) on a bad option.
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
    const preset = res.getHeaderNames();
    const socket = req.socket as TLSSocket | undefined;
    const cacheReq: CacheRequest = {
      method: req.method,
      // The target as Express routed it: never a normalised copy.
      url: req.originalUrl || req.url,
      headers: req.headers,
      params: req.params as Record<string, string> | undefined,
      host: hostOf(req),
      protocol: req.protocol,
      remoteAddress: socket?.remoteAddress,
      encrypted: socket?.encrypted === true,
      presetHeaders: preset.length === 0 ? undefined : preset,
    };
    cache.begin(cacheReq, route).then((decision) => {
      if (decision.action === 'serve') {
        send(res, decision.response);
        if (decision.revalidate !== undefined) replay(req, decision.revalidate);
        return;
      }
      if (decision.passthrough !== undefined) {
        for (const [name, value] of Object.entries(decision.passthrough))
          res.setHeader(name, value);
      } else {
        capture(req, res, decision);
      }
      next();
    }, next);
  };
  return Object.assign(middleware, { cache });
}

/**
 * The host as Express resolves it (`req.host` in Express 5, `req.hostname` plus the port in 4):
 * `X-Forwarded-Host` only when `trust proxy` trusts the peer, else `Host`.
 */
function hostOf(req: Request): string | undefined {
  const header = req.headers['x-forwarded-host'];
  const forwarded = Array.isArray(header) ? header.join(',') : header;
  if (forwarded !== undefined && forwarded !== '') {
    const trust = req.app?.get('trust proxy fn') as TrustFn | undefined;
    if (trust?.(req.socket?.remoteAddress, 0)) {
      const comma = forwarded.indexOf(',');
      return comma === -1 ? forwarded : forwarded.slice(0, comma).trimEnd();
    }
  }
  return req.headers.host;
}

type Handle = (req: unknown, res: unknown, done: (err?: unknown) => void) => void;

/** Runs the engine's replay through the whole app (every middleware), in the background. */
function replay(req: Request, revalidation: Revalidation): void {
  const { req: fake, res, settle } = replayMessages(revalidation);
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

/** Sends a response the engine built (its headers already leave out the preset ones). */
function send(res: ServerResponse, response: CacheResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(wireBody(response.body), 'latin1');
}

const noop = (): void => {};

/** Headers a late hook may add that decide whether a response may be shared at all. */
const JUDGED_LATE = ['set-cookie', 'cache-control'] as const;

/**
 * Runs the header hooks installed below this middleware (`on-headers` listeners such as
 * express-session's cookie) as if the head went out now, without sending it: Node's
 * `_storeHeader`, the step that freezes the head, is shadowed for the call. The engine then
 * judges the headers the client will really get; the hooks fire once, so the real send later
 * does not run them again.
 */
function fireHeaderHooks(res: ServerResponse, writeHead: ServerResponse['writeHead']): void {
  if (res.headersSent) return;
  const own = res as unknown as { _storeHeader?: unknown };
  own._storeHeader = noop;
  try {
    writeHead.call(res, res.statusCode);
  } finally {
    delete own._storeHeader;
  }
}

function toBuffer(chunk: Chunk, encoding: unknown): Buffer {
  if (typeof chunk === 'string') {
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/**
 * Buffers the handler's response (status, headers, body) so the engine can store it, add its
 * headers, or swap in another response (a stale copy, a 304). What must not be buffered
 * (larger than the engine's `maxBodyBytes`, a stream it names) switches to pass-through.
 */
function capture(req: Request, res: Response, decision: Forward): void {
  const maxBodyBytes = decision.maxBodyBytes;
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
    if (!passthrough) {
      const type = this.getHeader('content-type');
      const stream = decision.streamReason(type === undefined ? undefined : String(type));
      if (stream !== undefined) toPassthrough(stream);
    }
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
    if (
      !this.headersSent &&
      req.method !== 'HEAD' &&
      this.statusCode !== 204 &&
      this.statusCode !== 304
    ) {
      this.setHeader('content-length', body.length);
    }
    // What the handler produced is what may be stored...
    const headers = this.getHeaders() as Record<string, string | number | string[] | undefined>;
    // ...but header hooks that run as the head goes out (express-session's cookie) decide whose
    // response it is. Transport changes they make (compression) stay out of the stored copy.
    fireHeaderHooks(this, original.writeHead);
    for (const name of JUDGED_LATE) {
      const value = this.getHeader(name);
      if (value !== undefined) headers[name] = value;
    }
    decision
      .finish({ status: this.statusCode, headers, body })
      .then(
        (result) => {
          if (result.replacement !== undefined) {
            for (const name of this.getHeaderNames()) {
              if (!result.keep.has(name)) this.removeHeader(name);
            }
            send(this, result.replacement);
            return;
          }
          // flushHeaders() may have sent the head already; the body still goes out.
          if (this.headersSent) {
            this.end(body);
            return;
          }
          for (const [name, value] of Object.entries(result.headers)) this.setHeader(name, value);
          this.end(body);
        },
        () => this.end(body),
      )
      .finally(() => callback?.());
    return this;
  } as Response['end'];
}
