import { createHash } from 'node:crypto';

/**
 * The strong validator served with an entry: the origin's when it is strong, else a hash of the
 * body. A weak origin tag (Express's default `W/"..."`) is replaced because a shared cache that
 * stores exact bytes can vouch for byte equality.
 */
export function strongEtag(originEtag: string | undefined, body: Buffer): string {
  if (originEtag !== undefined && /^"[^"]*"$/.test(originEtag.trim())) return originEtag.trim();
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Whether `If-None-Match` matches `etag` by weak comparison (RFC 9110 §13.1.2), which is what
 * decides a 304 for GET and HEAD.
 */
export function ifNoneMatchMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const trimmed = ifNoneMatch.trim();
  if (trimmed === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const candidate of trimmed.split(',')) {
    if (candidate.trim().replace(/^W\//, '') === opaque) return true;
  }
  return false;
}
