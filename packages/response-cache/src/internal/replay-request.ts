import { randomBytes } from 'node:crypto';
import {
  type ForwardDecision,
  REVALIDATE_HEADER,
  type ReplayRequest,
  type Revalidation,
} from '../cache-decision.js';
import type { CacheRequest } from '../http-types.js';

// Validators of the client's copy must not turn the background refresh into a 304; the body
// headers describe a request body a GET replay does not have.
const NOT_REPLAYED = new Set([
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'content-length',
  'transfer-encoding',
]);

/** The request a stale-while-revalidate refresh replays (see {@link ReplayRequest}). */
function replayRequest(req: CacheRequest, revalidationToken: string): ReplayRequest {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_REPLAYED.has(name)) continue;
    headers[name] = typeof value === 'number' ? String(value) : (value as string | string[]);
  }
  headers[REVALIDATE_HEADER] = revalidationToken;
  return {
    method: 'GET',
    url: req.url,
    headers,
    remoteAddress: req.remoteAddress,
    encrypted: req.encrypted === true,
  };
}

/**
 * Refreshes waiting for their replay: the token a replay carries (random, known only to this
 * process) hands it the refresh its original request won, once.
 */
export class PendingRevalidations {
  readonly #pending = new Map<string, ForwardDecision>();

  /** Registers `refresh` and returns what the adapter replays. */
  create(refresh: ForwardDecision, req: CacheRequest): Revalidation {
    const token = randomBytes(18).toString('base64url');
    this.#pending.set(token, refresh);
    return {
      request: replayRequest(req, token),
      done: () => {
        const left = this.#pending.get(token);
        if (left === undefined) return;
        this.#pending.delete(token);
        left.abandon('replay-missed');
      },
    };
  }

  /** The refresh a request's token names, taken out; undefined for any other request. */
  take(token: unknown): ForwardDecision | undefined {
    if (typeof token !== 'string') return undefined;
    const pending = this.#pending.get(token);
    if (pending !== undefined) this.#pending.delete(token);
    return pending;
  }
}
