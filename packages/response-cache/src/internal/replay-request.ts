import { REVALIDATE_HEADER, type ReplayRequest } from '../cache-decision.js';
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
export function replayRequest(req: CacheRequest, revalidationToken: string): ReplayRequest {
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
