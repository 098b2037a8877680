import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Revalidation } from '../cache-decision.js';

/**
 * Node's request and response for a stale-while-revalidate replay, detached from any client:
 * the socket reports the original client's address and TLS flag, so the framework resolves the
 * same `req.ip` and `req.protocol` (a rate limiter keys the refresh on the real client, never
 * on `unknown`; an http→https redirect is not produced for an https page). The response has no
 * socket: it goes nowhere but into the cache. `revalidation.done()` runs once it ends or fails.
 */
export function replayMessages(revalidation: Revalidation): {
  req: IncomingMessage;
  res: ServerResponse;
  settle: () => void;
} {
  const r = revalidation.request;
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: r.remoteAddress, enumerable: true });
  if (r.encrypted) Object.defineProperty(socket, 'encrypted', { value: true, enumerable: true });
  const req = new IncomingMessage(socket);
  req.method = r.method;
  req.url = r.url;
  req.headers = { ...r.headers };
  req.push(null);
  const res = new ServerResponse(req);
  let settled = false;
  const settle = (): void => {
    if (settled) return;
    settled = true;
    revalidation.done();
  };
  const end = res.end;
  res.end = function endThenSettle(this: ServerResponse, ...args: unknown[]) {
    const out = (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    settle();
    return out;
  } as ServerResponse['end'];
  return { req, res, settle };
}
