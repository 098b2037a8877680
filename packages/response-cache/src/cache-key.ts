import { createHash } from 'node:crypto';
import { headerString, type IncomingHeaders } from './http-types.js';

const HASHES = new Map<string, string>();
const MAX_HASHES = 10_000;

/**
 * The request target as it goes into a key: exactly what the router saw. Nothing is decoded or
 * resolved: a WHATWG-normalised copy would file `/page/%2e%2e` (routed with `name=".."`) under
 * `/`, and `/page\victim` or `/page/x/../other` under another route's URL, letting anyone poison
 * those pages. With `sortQuery`, the query's `&`-separated parts are sorted by parameter name, stably.
 */
export function keyTarget(url: string, sortQuery = false): string {
  if (!sortQuery) return url;
  const q = url.indexOf('?');
  if (q === -1) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '');
  // By name only, and stably: repeated parameters (`t=b&t=a`, or `%74=b&t=a`, which parsers
  // decode to the same name) are an ordered list to the handler, so their order stays.
  const names = new Map<string, string>();
  for (const p of parts) names.set(p, paramName(p));
  parts.sort((x, y) => {
    const a = names.get(x) as string;
    const b = names.get(y) as string;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return parts.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${parts.join('&')}`;
}

/** A query part's parameter name as parsers see it: decoded, up to `[` (qs's `a[]` is `a`). */
function paramName(part: string): string {
  const eq = part.indexOf('=');
  let name = (eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' ');
  try {
    name = decodeURIComponent(name);
  } catch {
    // Malformed escapes stay raw, as qs and querystring leave them.
  }
  const bracket = name.indexOf('[');
  return bracket === -1 ? name : name.slice(0, bracket);
}

/** The path of a request target (no query), raw. */
export function targetPath(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * The origin part of a default key: protocol and host as the framework resolved them (RFC 9111
 * §4 keys on the target URI, host included), lower-cased.
 */
export function keyOrigin(protocol: string | undefined, host: string | undefined): string {
  return `${(protocol ?? 'http').toLowerCase()}://${(host ?? '').toLowerCase()}`;
}

// RFC 3986 authority characters without userinfo's `@`: a Host with `/`, `?`, `#`, `\\` or
// spaces is no host, and in a key it would read as part of the path.
const HOST_CHARS = /^[A-Za-z0-9._~!$&'()*+,;=:%[\]-]*$/;

/**
 * Whether a resolved host can go into a default key. `Host: app.test/page` on `GET /x` would
 * otherwise produce the key of `GET /page/x` on `app.test`, and store `/x`'s page there.
 */
export function keyableHost(host: string | undefined): boolean {
  return host === undefined || HOST_CHARS.test(host);
}

/**
 * The default primary key: origin, raw target and the values of the `keyHeaders` (each on its
 * own line, so no value can imitate another part).
 */
export function primaryKey(
  origin: string,
  target: string,
  keyHeaders: readonly string[],
  headers: IncomingHeaders,
): string {
  let key = origin + target;
  for (const name of keyHeaders) {
    const value = headerString(headers, name);
    key += `\n${name}=${value === undefined ? '' : value}`;
  }
  return key;
}

/**
 * The memcached key of a primary cache key. Hashed because URLs may exceed memcached's 250-byte
 * key limit and contain characters keys cannot.
 */
export function memcachedKey(prefix: string, kind: string, key: string): string {
  // Hot keys are hashed once; the memo is bounded and simply restarts when full.
  let hash = HASHES.get(key);
  if (hash === undefined) {
    hash = createHash('sha1').update(key).digest('base64url');
    if (HASHES.size >= MAX_HASHES) HASHES.clear();
    HASHES.set(key, hash);
  }
  return `${prefix}${kind}:${hash}`;
}

/** The header names a `Vary` value lists, lower-case, sorted, without duplicates; `*` kept. */
export function parseVary(vary: string | undefined): string[] {
  if (vary === undefined) return [];
  const names = new Set<string>();
  for (const part of vary.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') names.add(name);
  }
  return [...names].sort();
}

/**
 * The secondary key of one variant: the primary key, the pointer's generation and the request's
 * values of the Vary headers (whitespace-normalized so `en,fr` equals `en, fr`).
 */
export function variantKey(
  primary: string,
  generation: string,
  vary: readonly string[],
  headers: IncomingHeaders,
): string {
  const parts = [primary, generation];
  for (const name of vary) {
    const value = headerString(headers, name);
    parts.push(`${name}=${value === undefined ? '' : value.replace(/\s*,\s*/g, ',').trim()}`);
  }
  return parts.join('\n');
}
