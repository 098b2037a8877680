import { MemcachedAuthError, type MemcachedError } from '../errors.js';
import type { InFlight } from './in-flight.js';
import type { ClientCredentials } from './options.js';

/**
 * memcached's ASCII authentication (`-Y`): a `set` whose data is `<user> <password>`, sent
 * first on every new connection. memcached ignores the key, flags and exptime; a server
 * without `-Y` stores the token under this key like any value.
 */
export const AUTH_KEY = '_auth';

/** The request bytes that authenticate a connection. */
export function authRequestText(auth: ClientCredentials): string {
  const token = Buffer.from(`${auth.username} ${auth.password}`, 'utf8').toString('latin1');
  return `set ${AUTH_KEY} 0 0 ${token.length}\r\n${token}\r\n`;
}

/**
 * The reply to the authentication `set`: `STORED` lets the connection's other requests
 * through; anything else (memcached's `CLIENT_ERROR authentication failure`, a server error,
 * a timeout) closes the connection, failing every request on it with a MemcachedAuthError.
 */
export class AuthRequest implements InFlight {
  constructor(
    readonly deadline: number,
    private readonly server: string,
    private readonly refused: (error: MemcachedAuthError) => void,
  ) {}

  /** @throws MemcachedAuthError on any reply but STORED (the connection then closes). */
  onReply(line: string): boolean {
    if (line !== 'STORED') {
      throw new MemcachedAuthError(
        `${this.server} refused the credentials: ${JSON.stringify(line.slice(0, 80))}`,
        { server: this.server },
      );
    }
    return true;
  }

  fail(error: MemcachedError): void {
    // An error reply (CLIENT_ERROR ...) is the refusal; a lost connection is not about auth.
    if (
      error.code === 'ERR_MEMCACHED_CLIENT_ERROR' ||
      error.code === 'ERR_MEMCACHED_SERVER_ERROR'
    ) {
      this.refused(
        new MemcachedAuthError(`${this.server} refused the credentials: ${error.message}`, {
          server: this.server,
          cause: error,
        }),
      );
    }
  }
}
