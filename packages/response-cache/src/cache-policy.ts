import CachePolicy from 'http-cache-semantics';
import { parseVary } from './cache-key.js';
import {
  type CacheRequest,
  flattenHeaders,
  headerString,
  type OriginResponse,
} from './http-types.js';

/** Cache-Control directives, lower-case names; a directive without a value maps to `true`. */
export type Directives = ReadonlyMap<string, string | true>;

/** Parses a Cache-Control header value. */
export function parseCacheControl(value: string | undefined): Directives {
  const out = new Map<string, string | true>();
  if (value === undefined) return out;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    const raw =
      eq === -1
        ? true
        : part
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    if (!out.has(name)) out.set(name, raw);
  }
  return out;
}

/** What a request asks of the cache (RFC 9111 §5.2.1). */
export type RequestMode =
  /** Not cacheable (method) or `no-store`: neither look up nor store. */
  | { kind: 'bypass'; reason: string }
  /** `no-cache`: go to the origin, store the fresh response. */
  | { kind: 'refresh' }
  /** Look up; an entry older than `maxAge` or fresh for less than `minFresh` is not used. */
  | { kind: 'lookup'; head: boolean; maxAge: number | undefined; minFresh: number | undefined };

function seconds(v: string | true | undefined): number | undefined {
  if (v === undefined || v === true) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const PLAIN_GET: RequestMode = Object.freeze({
  kind: 'lookup',
  head: false,
  maxAge: undefined,
  minFresh: undefined,
});
const PLAIN_HEAD: RequestMode = Object.freeze({
  kind: 'lookup',
  head: true,
  maxAge: undefined,
  minFresh: undefined,
});

/**
 * Classifies a request by method and, with `honorRequestNoCache`, its Cache-Control / Pragma.
 * Without it (the default, as in nginx and Varnish) request directives are ignored: a client's
 * `no-cache` must not let anyone force origin loads or overwrite a fresh entry.
 */
export function requestMode(req: CacheRequest, honorRequestNoCache = false): RequestMode {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return { kind: 'bypass', reason: 'method' };
  }
  // Most requests carry neither header: no parsing, no allocation.
  if (
    !honorRequestNoCache ||
    (req.headers['cache-control'] === undefined && req.headers.pragma === undefined)
  ) {
    return req.method === 'HEAD' ? PLAIN_HEAD : PLAIN_GET;
  }
  const ccHeader = headerString(req.headers, 'cache-control');
  const cc = parseCacheControl(ccHeader);
  if (cc.has('no-store')) return { kind: 'bypass', reason: 'request-no-store' };
  // RFC 9111 §5.4: Pragma: no-cache counts only when Cache-Control is absent.
  const pragma = ccHeader === undefined ? headerString(req.headers, 'pragma') : undefined;
  if (cc.has('no-cache') || (pragma !== undefined && /\bno-cache\b/i.test(pragma))) {
    return { kind: 'refresh' };
  }
  return {
    kind: 'lookup',
    head: req.method === 'HEAD',
    maxAge: seconds(cc.get('max-age')),
    minFresh: seconds(cc.get('min-fresh')),
  };
}

/** The verdict on one origin response. */
export type StoreDecision =
  | { store: false; reason: string }
  | {
      store: true;
      /** Freshness lifetime left, seconds. */
      ttl: number;
      /** Age of the response when stored, seconds. */
      age: number;
      /** Vary header names (lower-case, sorted), empty when the response does not vary. */
      vary: string[];
      /** End-to-end headers to store (hop-by-hop and the request's preset headers removed). */
      headers: Record<string, string | string[]>;
      /** The response says `public` or `s-maxage`: it may answer requests with `Cookie`/`Authorization`. */
      shared: boolean;
    };

/**
 * Why a request is personalised, or undefined: a `Cookie` or `Authorization` request is neither
 * answered from nor stored into the shared cache unless the response says `public`/`s-maxage`
 * (Varnish's default: such responses are usually built for that one user, and the origin
 * rarely says so with `private`).
 */
export function personalised(req: CacheRequest): 'cookie' | 'authorization' | undefined {
  if (req.headers.authorization !== undefined) return 'authorization';
  if (req.headers.cookie !== undefined) return 'cookie';
  return undefined;
}

// Never stored: hop-by-hop (RFC 9110 §7.6.1), and those the cache recomputes on every hit.
const NOT_STORED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'age',
  'date',
  'etag',
  'x-cache',
  'cache-status',
  'content-length',
]);

/**
 * Decides whether a response may be stored in a shared cache, and for how long.
 * `http-cache-semantics` owns RFC 9111's storability rules; this adds what it leaves to the cache:
 * a configured status set, never a `Set-Cookie` (even `public`: one user's cookie must never reach
 * another), `no-cache` responses (the engine does not revalidate with the origin), and the default
 * TTL when the origin gives no explicit freshness.
 */
export function decideStore(
  req: CacheRequest,
  res: OriginResponse,
  statusCodes: ReadonlySet<number>,
  defaultTtl: number,
  personal: string | undefined = undefined,
): StoreDecision {
  if (req.method !== 'GET') return { store: false, reason: 'method' };
  if (!statusCodes.has(res.status)) return { store: false, reason: 'status' };
  // Judged on the headers as they go out, preset ones included: a cookie set by an earlier
  // middleware or a session's header hook belongs to this user, and so does the body.
  if (res.headers['set-cookie'] !== undefined) return { store: false, reason: 'set-cookie' };
  const resHeaders = flattenHeaders(res.headers);
  const ccValue = resHeaders['cache-control'];
  const shared = ccValue !== undefined && /(?:^|[\s,])(?:public|s-maxage)\b/i.test(ccValue);
  if (personal !== undefined && !shared) return { store: false, reason: personal };
  const vary = parseVary(resHeaders.vary);
  if (vary.includes('*')) return { store: false, reason: 'vary-star' };
  const policy = new CachePolicy(
    { method: req.method, url: req.url, headers: flattenHeaders(req.headers) },
    { status: res.status, headers: resHeaders },
    { shared: true },
  );
  if (!policy.storable()) {
    const cc = parseCacheControl(resHeaders['cache-control']);
    const reason = cc.has('no-store')
      ? 'no-store'
      : cc.has('private')
        ? 'private'
        : req.headers.authorization !== undefined
          ? 'authorization'
          : 'not-storable';
    return { store: false, reason };
  }
  const cc = parseCacheControl(resHeaders['cache-control']);
  if (
    cc.has('no-cache') ||
    (resHeaders['cache-control'] === undefined && /no-cache/i.test(resHeaders.pragma ?? ''))
  ) {
    return { store: false, reason: 'no-cache' };
  }
  const explicit = cc.has('s-maxage') || cc.has('max-age') || resHeaders.expires !== undefined;
  const age = Math.max(0, Math.floor(policy.age()));
  let ttl: number;
  if (explicit) {
    // Whole seconds of age: the microseconds spent since the response arrived are not a second.
    ttl = Math.floor(policy.maxAge() - Math.floor(policy.age()));
    if (ttl <= 0) return { store: false, reason: 'expired' };
  } else {
    ttl = defaultTtl;
  }
  const preset = req.presetHeaders;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || NOT_STORED_HEADERS.has(lower)) continue;
    if (preset?.includes(lower)) continue;
    headers[lower] =
      typeof value === 'number' ? String(value) : typeof value === 'string' ? value : [...value];
  }
  return { store: true, ttl, age, vary, headers, shared };
}

/** Server-sent events never end: buffering them would hold the stream forever. */
export function streamReason(contentType: string | undefined): string | undefined {
  return contentType?.startsWith('text/event-stream') ? 'event-stream' : undefined;
}
