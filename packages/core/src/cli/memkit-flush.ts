import { MemcachedClient } from '../client/index.js';
import { MemcachedError } from '../errors.js';

/**
 * What became of a flush on one server:
 * - `flushed`: it answered OK;
 * - `failed`: it certainly did not flush (refused the connection, or answered an error);
 * - `unknown`: no answer in time (or the connection broke after the command went out), so the
 *   flush may or may not have happened.
 */
export type FlushOutcome =
  | { server: string; outcome: 'flushed' }
  | { server: string; outcome: 'failed' | 'unknown'; code: string; reason: string };

/** Socket errors that mean the command never reached the server. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

function causeCode(err: MemcachedError): string | undefined {
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Sends `flush_all` to one server over its own connection and says what became of it. */
async function flushOne(server: string, timeoutMs: number): Promise<FlushOutcome> {
  const client = new MemcachedClient(server, {
    timeoutMs,
    connectTimeoutMs: timeoutMs,
    failureLimit: 1,
  });
  try {
    await client.flushAll();
    return { server, outcome: 'flushed' };
  } catch (err) {
    if (!(err instanceof MemcachedError)) throw err;
    const cause = causeCode(err);
    if (err.code === 'ERR_MEMCACHED_TIMEOUT') {
      return {
        server,
        outcome: 'unknown',
        code: err.code,
        reason: `no reply within ${timeoutMs} ms; the flush may have happened`,
      };
    }
    if (
      err.code === 'ERR_MEMCACHED_CONNECTION' &&
      (cause === undefined || !NEVER_SENT.has(cause))
    ) {
      return {
        server,
        outcome: 'unknown',
        code: err.code,
        reason: `the connection broke${cause ? ` (${cause})` : ''}; the flush may have happened`,
      };
    }
    const reason =
      err.code === 'ERR_MEMCACHED_CONNECTION'
        ? `cannot connect (${cause})`
        : err.code === 'ERR_MEMCACHED_SERVER_ERROR' || err.code === 'ERR_MEMCACHED_CLIENT_ERROR'
          ? `the server refused: ${err.message}`
          : err.message;
    return { server, outcome: 'failed', code: err.code, reason };
  } finally {
    await client.close();
  }
}

/**
 * Flushes every server separately, so one dead or hung node neither hides the others nor
 * turns their success into a failure.
 */
export function flushServers(
  servers: readonly string[],
  timeoutMs: number,
): Promise<FlushOutcome[]> {
  return Promise.all(servers.map((s) => flushOne(s, timeoutMs)));
}

/** Exit code of `memkit flush`: 0 all flushed, 1 any failed, else 3 if any is unknown. */
export function flushExitCode(outcomes: readonly FlushOutcome[]): number {
  if (outcomes.some((o) => o.outcome === 'failed')) return 1;
  if (outcomes.some((o) => o.outcome === 'unknown')) return 3;
  return 0;
}
