import { createHash } from 'node:crypto';
import { headerString, type IncomingHeaders } from './http-types.js';

const SIMPLE_URL = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*$/;
const HASHES = new Map<string, string>();
const MAX_HASHES = 10_000;

/**
 * Normalizes a request URL for use as a cache key: path and query only (no host, no fragment),
 * dot segments resolved, percent-encoding as WHATWG URL writes it; query order is kept unless
 * `sortQuery`, because some origins treat `?a=1&b=2` and `?b=2&a=1` differently.
 */
export function normalizeUrl(url: string, sortQuery = false): string {
  // Fast path: an already-normal URL (no dot segments, escapes, fragment or odd characters)
  // is its own normal form; parsing it costs more than the rest of a cache hit.
  if (!sortQuery && SIMPLE_URL.test(url) && !url.includes('/.') && !url.endsWith('?')) return url;
  // Prefixing the origin keeps `//host/path` a path: as a relative reference it would name a host
  // and collide with `/path`.
  const parsed = new URL(url.startsWith('/') ? `http://memkit.invalid${url}` : url);
  if (sortQuery) parsed.searchParams.sort();
  const search = parsed.search === '?' ? '' : parsed.search;
  return parsed.pathname + search;
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
