import { randomUUID } from 'node:crypto';
import { type DestinationStream, type Logger, pino } from 'pino';
import type { ApiFailure } from './api-errors.js';

/** Where and how much the demos log. */
export interface DemoLoggerOptions {
  /** pino level. @default 'info' */
  level?: string;
  /** Where the JSON lines go. @default stdout */
  destination?: DestinationStream;
}

/** The demos' pino logger: one JSON object per line, with an ISO time. */
export function createDemoLogger(options: DemoLoggerOptions = {}): Logger {
  const config = {
    level: options.level ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

const SANE_ID = /^[\w.:-]{1,64}$/;

/**
 * The request id: the caller's `X-Request-Id` when it looks like one (so a proxy's id runs
 * through), else a new UUID. Both demos echo it in the `X-Request-Id` response header.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SANE_ID.test(value) ? value : randomUUID();
}

/** Who failed where, for the one log line a failed request gets. */
export interface FailedRequest {
  method: string;
  /** The route's pattern (`/api/sessions/:id`), not the URL: ids and tokens stay out of logs. */
  route: string;
  failure: ApiFailure;
  err: unknown;
}

/**
 * Writes one line per failed request (5xx) and, at most once per `intervalMs`, a
 * "memcached unavailable" warning with the number of failures since the last one, instead of a
 * stack trace per request. Outage lines carry the code only; a bug's line carries its stack.
 */
export class FailureLog {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastWarning = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(logger: Logger, options: { intervalMs?: number; now?: () => number } = {}) {
    this.#logger = logger;
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Logs `failed` on `log` (the request's child logger, which carries `reqId`). */
  request(log: Logger, failed: FailedRequest): void {
    const { failure } = failed;
    if (failure.status < 500) return;
    const fields = {
      method: failed.method,
      route: failed.route,
      status: failure.status,
      code: failure.body.code,
    };
    if (failure.outage) {
      log.error(fields, 'request failed: memcached unavailable');
      this.outage(failure.body.code);
    } else {
      log.error({ ...fields, err: failed.err }, 'request failed');
    }
  }

  /** Counts one memcached failure; warns when the last warning is `intervalMs` old. */
  outage(code: string): void {
    const now = this.#now();
    if (now - this.#lastWarning < this.#intervalMs) {
      this.#suppressed++;
      return;
    }
    this.#logger.warn(
      { code, failuresSinceLastWarning: this.#suppressed },
      'memcached unavailable',
    );
    this.#lastWarning = now;
    this.#suppressed = 0;
  }
}
