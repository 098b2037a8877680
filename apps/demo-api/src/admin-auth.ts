import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie a browser gets after opening the printed dashboard link. */
export const ADMIN_COOKIE = 'memkit_admin';

/** What the adapters need from a request to judge it. */
export interface AdminRequest {
  /** The `Authorization` header. */
  authorization: string | undefined;
  /** The `Cookie` header. */
  cookie: string | undefined;
  /** `?token=` of the URL, honoured on `GET /dashboard` only (the printed link). */
  queryToken: string | undefined;
}

/**
 * The verdict on one admin request:
 * - `allow`: go on;
 * - `login`: the printed link was opened: set `setCookie` and redirect to `location` (the same
 *   page without the token, so it leaves the address bar and the history);
 * - `deny`: answer 401 with `WWW-Authenticate: Bearer`.
 */
export type AdminVerdict =
  | { kind: 'allow' }
  | { kind: 'login'; setCookie: string; location: string }
  | { kind: 'deny' };

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The credential of the admin routes (flush, stats, `/metrics`, `/dashboard`, its data), as
 * Jupyter does it: `ADMIN_TOKEN`, or a token generated at start and printed in ready-to-open
 * URLs. Scripts and Prometheus send `Authorization: Bearer <token>`; a browser opens
 * `/dashboard?token=<token>` once and then carries an HttpOnly, SameSite=Strict cookie, which
 * holds an HMAC of the token rather than the token itself.
 */
export class AdminAuth {
  /** The token; print it, never log it. */
  readonly token: string;
  /** Whether the token was generated at start (no `ADMIN_TOKEN`). */
  readonly generated: boolean;
  readonly #cookie: string;

  constructor(token?: string) {
    this.generated = token === undefined;
    this.token = token ?? randomBytes(24).toString('base64url');
    this.#cookie = createHmac('sha256', this.token)
      .update('memkit admin cookie')
      .digest('base64url');
  }

  /** Judges a request to an admin route; `path` is the route's path without the query. */
  check(request: AdminRequest, path: string): AdminVerdict {
    const auth = request.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      return m !== null && equal(m[1]!, this.token) ? { kind: 'allow' } : { kind: 'deny' };
    }
    if (request.queryToken !== undefined) {
      if (path !== '/dashboard' || !equal(request.queryToken, this.token)) return { kind: 'deny' };
      return {
        kind: 'login',
        setCookie: `${ADMIN_COOKIE}=${this.#cookie}; Path=/; HttpOnly; SameSite=Strict`,
        location: path,
      };
    }
    const cookie = cookieValue(request.cookie, ADMIN_COOKIE);
    return cookie !== undefined && equal(cookie, this.#cookie)
      ? { kind: 'allow' }
      : { kind: 'deny' };
  }
}
