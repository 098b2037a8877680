/** Header values as Node, Express and Fastify hand them over. */
export type HeaderValue = string | number | readonly string[] | undefined;

/** Headers keyed by lower-case name. */
export type IncomingHeaders = Readonly<Record<string, HeaderValue>>;

/** What the engine needs of a request; adapters build it from their framework's request. */
export interface CacheRequest {
  /** `GET`, `HEAD`, ... (upper case). */
  readonly method: string;
  /**
   * The request target exactly as the framework routed it (`req.originalUrl`, Fastify's
   * `request.url`): never normalised, so `/a/%2e%2e` and `/a/../b` stay what the router saw.
   */
  readonly url: string;
  /** Request headers, lower-case names. */
  readonly headers: IncomingHeaders;
  /** Route parameters, when the framework parsed them (for `key` and `tags` functions). */
  readonly params?: Readonly<Record<string, string>> | undefined;
  /**
   * The host as the framework resolved it, port included when the client sent one (the `Host`
   * header, or `X-Forwarded-Host` when the app trusts the proxy). Part of the key.
   * @default the `Host` header
   */
  readonly host?: string | undefined;
  /** `http` or `https` as the framework resolved it (`X-Forwarded-Proto` behind a trusted proxy). @default 'http' */
  readonly protocol?: string | undefined;
  /** The client's address as the socket saw it; a stale-while-revalidate replay carries it. */
  readonly remoteAddress?: string | undefined;
  /** Whether the connection is TLS; a replay carries it so the framework resolves the same protocol. */
  readonly encrypted?: boolean | undefined;
  /**
   * Response headers already set when the cache ran (a rate limiter's counters, CORS, a cookie):
   * they describe this request, so they are never stored and a hit never overwrites them.
   */
  readonly presetHeaders?: readonly string[] | undefined;
}

/** A response produced by the route handler, body fully buffered. */
export interface OriginResponse {
  readonly status: number;
  /**
   * Every header the response goes out with, as it goes out (after the framework's header
   * hooks ran), including those named in the request's `presetHeaders`.
   */
  readonly headers: IncomingHeaders;
  readonly body: Buffer;
}

/** A response for the adapter to send as is. */
export interface CacheResponse {
  readonly status: number;
  /** Final headers, lower-case names. */
  readonly headers: Record<string, string | string[]>;
  /** Empty for 304; for HEAD, present but never written (Node drops HEAD bodies). */
  readonly body: Buffer;
}

/** The first value of a header as a string, or undefined. */
export function headerString(headers: IncomingHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return v.length === 0 ? undefined : v.join(', ');
}

/** Headers as plain strings (`http-cache-semantics` wants `Record<string, string>`). */
export function flattenHeaders(headers: IncomingHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const v = headerString(headers, name);
    if (v !== undefined && value !== undefined) out[name.toLowerCase()] = v;
  }
  return out;
}
