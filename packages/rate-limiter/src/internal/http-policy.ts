import { STATUS_CODES } from 'node:http';
import {
  type HttpRateLimitOptions,
  type ResolvedHttpRateLimitOptions,
  resolveHttpRateLimitOptions,
} from '../options.js';
import { RateLimiter } from '../rate-limiter.js';
import { clientIpKey } from './client-ip.js';
import { isOutage } from './outage-error.js';
import { rateLimitHeaders } from './response-headers.js';

/** What an adapter knows about a request beyond the request object itself. */
export interface RequestFacts {
  /** The framework's client IP (already trust-proxy aware). */
  ip: string | undefined;
  /** Whether the request carries `X-Forwarded-For`. */
  forwardedFor: boolean;
  /** Whether the framework is configured to trust proxies. */
  trustProxy: boolean;
  /**
   * Whether it trusts every `X-Forwarded-For` hop (Express `trust proxy` = `true`): then any
   * client picks its own IP, and so its own rate-limit key, by sending the header.
   */
  permissiveTrustProxy: boolean;
}

/** Units charged to a key, kept to refund them after the response when configured to. */
export interface Charge {
  key: string;
  cost: number;
}

/** What the adapter must do with a request. */
export type HttpDecision =
  | { action: 'skip' }
  | { action: 'pass'; headers: Array<[string, string]>; charge: Charge }
  | {
      action: 'reject';
      status: number;
      headers: Array<[string, string]>;
      contentType: string;
      body: string;
    };

/**
 * Everything the Express middleware and the Fastify plugin share: keys, skips, cost, headers,
 * the 429 / 503 bodies and refunds. The adapters only translate requests and responses.
 */
export class HttpRateLimitPolicy<Req> {
  /** The engine that counts. */
  readonly limiter: RateLimiter;
  readonly #o: ResolvedHttpRateLimitOptions<Req>;
  #warnedForwardedFor = false;
  #checkedTrustProxy = false;

  constructor(options: HttpRateLimitOptions<Req>) {
    this.#o = resolveHttpRateLimitOptions(options);
    this.limiter = new RateLimiter(this.#o.engine);
  }

  /** Decides one request. Non-memcached errors (e.g. from a `keyGenerator`) are thrown. */
  async decide(req: Req, facts: RequestFacts): Promise<HttpDecision> {
    const o = this.#o;
    if (!this.#checkedTrustProxy) this.#checkTrustProxy(facts);
    if (o.skip !== undefined && (await o.skip(req))) return { action: 'skip' };
    const key =
      o.keyGenerator === undefined
        ? this.#ipKey(facts)
        : await this.#generatedKey(req, o.keyGenerator);
    if (o.allowList.has(key) || (facts.ip !== undefined && o.allowList.has(facts.ip))) {
      return { action: 'skip' };
    }
    const cost = typeof o.cost === 'function' ? await o.cost(req) : o.cost;
    if (!Number.isSafeInteger(cost) || cost < 0) {
      throw new RangeError(`Invalid cost: expected a non-negative integer, got ${String(cost)}.`);
    }
    if (cost === 0) return { action: 'skip' };
    let result: Awaited<ReturnType<RateLimiter['consume']>>;
    try {
      result = await this.limiter.consume(key, cost);
    } catch (error) {
      if (!isOutage(error)) throw error;
      // failOpen: false — the limiter cannot vouch for the request, so it is not served.
      return {
        action: 'reject',
        status: 503,
        headers: [['Retry-After', '1']],
        contentType: 'application/json; charset=utf-8',
        body: JSON.stringify({
          error: 'Service Unavailable',
          message: 'Rate limiter unavailable. Try again later.',
        }),
      };
    }
    const headers = rateLimitHeaders(result, this.#headerSettings(), this.limiter.options.now());
    if (result.allowed) return { action: 'pass', headers, charge: { key, cost } };
    return {
      action: 'reject',
      status: o.statusCode,
      headers,
      ...this.#body(result.retryAfterSeconds),
    };
  }

  /**
   * Called once the response is done: refunds the request's units when `skipFailedRequests`
   * or `skipSuccessfulRequests` says it should not count. `finished` is false when the client
   * went away before the response was sent, which counts as failed.
   */
  async settle(charge: Charge, statusCode: number, finished: boolean): Promise<void> {
    const failed = !finished || statusCode >= 400;
    if ((failed && this.#o.skipFailedRequests) || (!failed && this.#o.skipSuccessfulRequests)) {
      await this.limiter.refund(charge.key, charge.cost);
    }
  }

  /** Whether `settle` can do anything, so adapters only listen for the response end if so. */
  get refunds(): boolean {
    return this.#o.skipFailedRequests || this.#o.skipSuccessfulRequests;
  }

  /** The logger given in the options, for adapters' own warnings. */
  get logger(): HttpRateLimitOptions<Req>['logger'] {
    return this.#o.engine.logger;
  }

  async #generatedKey(req: Req, generate: (req: Req) => string | Promise<string>): Promise<string> {
    const key = await generate(req);
    if (typeof key !== 'string' || key === '') {
      throw new RangeError(`keyGenerator returned ${String(key)}: expected a non-empty string.`);
    }
    return key;
  }

  /** Once, at the first request (as express-rate-limit's ERR_ERL_PERMISSIVE_TRUST_PROXY). */
  #checkTrustProxy(facts: RequestFacts): void {
    this.#checkedTrustProxy = true;
    if (!facts.permissiveTrustProxy) return;
    this.#o.engine.logger?.warn(
      { code: 'ERR_RATE_LIMIT_PERMISSIVE_TRUST_PROXY' },
      "rate limiter: 'trust proxy' is true, so every X-Forwarded-For hop is trusted and any " +
        'client can choose its own IP (and rate-limit key) by sending that header. Set ' +
        "'trust proxy' to the number of proxies in front of the app (e.g. 1) or their subnet.",
    );
  }

  #ipKey(facts: RequestFacts): string {
    if (facts.forwardedFor && !facts.trustProxy && !this.#warnedForwardedFor) {
      this.#warnedForwardedFor = true;
      this.#o.engine.logger?.warn(
        { ip: facts.ip },
        'rate limiter: X-Forwarded-For is set but trust proxy is off, so every client behind ' +
          'the proxy shares one limit. Enable trust proxy if the app runs behind a proxy.',
      );
    }
    return facts.ip === undefined ? 'unknown' : clientIpKey(facts.ip, this.#o.ipv6Subnet);
  }

  #headerSettings() {
    return {
      legacyHeaders: this.#o.legacyHeaders,
      standardHeaders: this.#o.standardHeaders,
      windowSeconds: this.#o.engine.windowSeconds,
    };
  }

  #body(retryAfterSeconds: number): { contentType: string; body: string } {
    const status = this.#o.statusCode;
    const title = STATUS_CODES[status] ?? 'Too Many Requests';
    const detail = `Rate limit exceeded. Try again in ${retryAfterSeconds} seconds.`;
    if (this.#o.responseFormat === 'problem+json') {
      return {
        contentType: 'application/problem+json; charset=utf-8',
        body: JSON.stringify({ type: 'about:blank', title, status, detail }),
      };
    }
    return {
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ error: title, message: detail }),
    };
  }
}
