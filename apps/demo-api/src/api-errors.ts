import { MemcachedError } from '@memkit/core';

/** Every error body of the demo API: a sentence for people and a stable code for programs. */
export interface ApiErrorBody {
  error: string;
  code: string;
}

/** How a thrown error is answered, and whether it means memcached is unavailable. */
export interface ApiFailure {
  status: number;
  body: ApiErrorBody;
  /** True for a memcached outage (timeout, refused, no server): answered 503. */
  outage: boolean;
}

/** Builds an error body. */
export function apiError(error: string, code: string): ApiErrorBody {
  return { error, code };
}

/** Codes that mean "memcached is unavailable", as opposed to a bug (invalid key, bad option). */
const OUTAGE_CODES = new Set([
  'ERR_MEMCACHED_TIMEOUT',
  'ERR_MEMCACHED_CONNECTION',
  'ERR_MEMCACHED_NO_SERVERS',
  'ERR_MEMCACHED_SERVER_ERROR',
  'ERR_MEMCACHED_PROTOCOL',
  'ERR_MEMCACHED_CLOSED',
]);

/** The first {@link MemcachedError} in `err`'s cause chain (session stores wrap them). */
function memcachedErrorIn(err: unknown): MemcachedError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof MemcachedError) return e;
  }
  return undefined;
}

const BAD_JSON = new Set([
  'entity.parse.failed',
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
]);
const TOO_LARGE = new Set(['entity.too.large', 'FST_ERR_CTP_BODY_TOO_LARGE']);

/**
 * Maps what a route or a body parser threw to the contract's answer, the same on Express and
 * Fastify: a memcached outage is `503 { error: 'Cache unavailable', code }` with the client's
 * code and nothing else (no server address, no key); a malformed body is 400, an oversized one
 * 413, another content type than JSON 415; anything else is a bug, `500 ERR_INTERNAL`.
 */
export function failureOf(err: unknown): ApiFailure {
  const memcached = memcachedErrorIn(err);
  if (memcached !== undefined && OUTAGE_CODES.has(memcached.code)) {
    return { status: 503, body: apiError('Cache unavailable', memcached.code), outage: true };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    type?: unknown;
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
  };
  const tag = typeof e.type === 'string' ? e.type : typeof e.code === 'string' ? e.code : '';
  const status =
    typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : 500;
  const fail = (s: number, error: string, code: string): ApiFailure => ({
    status: s,
    body: apiError(error, code),
    outage: false,
  });
  if (BAD_JSON.has(tag) || (status === 400 && err instanceof SyntaxError)) {
    return fail(400, 'Malformed JSON body', 'ERR_BAD_JSON');
  }
  if (TOO_LARGE.has(tag) || status === 413)
    return fail(413, 'Body too large', 'ERR_BODY_TOO_LARGE');
  if (status === 415) {
    return fail(
      415,
      'Unsupported content type: send application/json',
      'ERR_UNSUPPORTED_MEDIA_TYPE',
    );
  }
  if (status >= 400 && status < 500) return fail(status, 'Bad request', 'ERR_BAD_REQUEST');
  return fail(500, 'Internal error', 'ERR_INTERNAL');
}
