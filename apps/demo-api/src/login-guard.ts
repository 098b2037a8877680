import { createHash } from 'node:crypto';
import type { MemcachedClient } from '@memkit/core';
import { ipRateLimitKey, RateLimiter, type RateLimiterLogger } from '@memkit/rate-limiter';

/** The verdict on one login attempt. */
export interface LoginVerdict {
  allowed: boolean;
  /** Seconds until the tighter of the two limits lets this client try again; 0 when allowed. */
  retryAfterSeconds: number;
}

/** How strict {@link LoginGuard} is. */
export interface LoginGuardOptions {
  /** Attempts per window, per IP and per username. */
  limit: number;
  windowSeconds: number;
  /** Receives the limiters' outage and recovery messages. @default none */
  logger?: RateLimiterLogger | undefined;
}

/**
 * The strict limit on `POST /login` and `POST /api/sessions`, on top of the API limit: every
 * attempt (right or wrong) counts once against the client's IP and once against the username
 * tried, so neither one address guessing many passwords nor many addresses guessing one
 * account's get far. While memcached is down the counts live in process memory (the rate
 * limiter's fallback), so an outage does not open the door.
 */
export class LoginGuard {
  readonly #byIp: RateLimiter;
  readonly #byUser: RateLimiter;

  constructor(client: MemcachedClient, options: LoginGuardOptions) {
    const { limit, windowSeconds, logger } = options;
    const common = { client, limit, windowSeconds, ...(logger === undefined ? {} : { logger }) };
    this.#byIp = new RateLimiter({ ...common, keyPrefix: 'login-ip:' });
    this.#byUser = new RateLimiter({ ...common, keyPrefix: 'login-user:' });
  }

  /** Counts one attempt from `ip` for `username` (anything but a string counts by IP only). */
  async attempt(ip: string, username: unknown): Promise<LoginVerdict> {
    // By the client's /56 for IPv6, as the API limiter keys it: one customer's many addresses
    // are one client.
    const checks = [this.#byIp.consume(ipRateLimitKey(ip))];
    if (typeof username === 'string' && username !== '') {
      // Hashed: a username may hold anything, a memcached key may not.
      const key = createHash('sha256').update(username.trim().toLowerCase()).digest('hex');
      checks.push(this.#byUser.consume(key.slice(0, 32)));
    }
    const results = await Promise.all(checks);
    const refused = results.filter((r) => !r.allowed);
    if (refused.length === 0) return { allowed: true, retryAfterSeconds: 0 };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, ...refused.map((r) => Math.ceil(r.retryAfterSeconds))),
    };
  }

  /** Closes both limiters (the client is the caller's). */
  async close(): Promise<void> {
    await Promise.all([this.#byIp.close(), this.#byUser.close()]);
  }
}
