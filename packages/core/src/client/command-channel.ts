import { channel, tracingChannel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

/**
 * What the client publishes about one command on the `memkit:command` TracingChannel: the same
 * object goes through `start`, `end`, then `error` (with `error` set) or `asyncStart` /
 * `asyncEnd` (with `result` set) once the reply is in. `hits`, `misses` and `bytes` are filled
 * by then.
 */
export interface CommandEvent {
  /** The client that sent it, so a subscriber can follow one client among several. */
  readonly client: object;
  /** `performance.now()` when the command was sent. */
  readonly startTime: number;
  /** The client method called: `get`, `getMulti`, `set`, `metaGet`, `flushAll`, ... */
  readonly method: string;
  /** The memcached command sent: `get`, `gets`, `set`, `mg`, `ms`, `incr`, `flush_all`, ... */
  readonly operation: string;
  /** `"host:port"` of the server; undefined when the command went to several or to none. */
  server: string | undefined;
  /** Keys the command names (distinct keys for a multi-get). */
  readonly keyCount: number;
  /**
   * The key as the caller gave it (the first of a multi-get). Keys can hold personal data:
   * subscribers should record them only when asked to.
   */
  readonly key: string | undefined;
  /** Keys found, for reads (`get`, `gets`, `gat`, `getMulti`, `mg`); undefined for the rest. */
  hits: number | undefined;
  /** Keys not found, for reads; undefined for the rest. */
  misses: number | undefined;
  /** Value bytes sent (storage commands) or received (reads). */
  bytes: number;
  /** The failure, set before `error` is published. */
  error?: unknown;
  /** The call's result, set before `asyncStart` is published. */
  result?: unknown;
}

/** Name of the TracingChannel the client publishes every command on. */
export const COMMAND_CHANNEL = 'memkit:command';

/**
 * The client's TracingChannel (`memkit:command`): subscribe with
 * `diagnostics_channel.tracingChannel('memkit:command').subscribe({ start, asyncEnd, error })`.
 * Nothing is built or published while nobody subscribes.
 */
export const commandChannel = tracingChannel<unknown, CommandEvent>(COMMAND_CHANNEL);

/** Name of the channel {@link annotateActiveSpan} publishes on. */
export const ANNOTATE_CHANNEL = 'memkit:annotate';
const annotations = channel(ANNOTATE_CHANNEL);

/** Attributes a middleware adds to the current request's span. */
export type SpanAnnotation = Readonly<Record<string, string | number | boolean>>;

/**
 * Adds `attributes` to the active span (the request being served), for whoever traces: the
 * OpenTelemetry instrumentation of `@memkit/core/otel` subscribes to the `memkit:annotate`
 * channel. Free when nobody does, and no tracing import in the caller.
 * @example annotateActiveSpan({ 'memkit.cache.status': 'hit' });
 */
export function annotateActiveSpan(attributes: SpanAnnotation): void {
  if (annotations.hasSubscribers) annotations.publish(attributes);
}

/** A fresh event for a command about to be sent. */
export function commandEvent(
  client: object,
  method: string,
  operation: string,
  key: string | undefined,
  keyCount: number,
  bytes = 0,
): CommandEvent {
  return {
    client,
    startTime: performance.now(),
    method,
    operation,
    server: undefined,
    keyCount,
    key,
    hits: undefined,
    misses: undefined,
    bytes,
  };
}

/**
 * Publishes `event` for a command whose request is queued (`promise` settles with its reply):
 * `start` and `end` now, then `error` or `asyncStart`/`asyncEnd`. `settled` fills in what only
 * the reply tells (hits, bytes read) before those are published. Call only when
 * `commandChannel.hasSubscribers`.
 */
export function traceCommand<T>(
  event: CommandEvent,
  promise: Promise<T>,
  settled?: (event: CommandEvent, result: T) => void,
): Promise<T> {
  const ch = commandChannel;
  ch.start.publish(event);
  ch.end.publish(event);
  return promise.then(
    (result) => {
      settled?.(event, result);
      event.result = result;
      ch.asyncStart.publish(event);
      ch.asyncEnd.publish(event);
      return result;
    },
    (error: unknown) => {
      event.error = error;
      ch.error.publish(event);
      ch.asyncStart.publish(event);
      ch.asyncEnd.publish(event);
      throw error;
    },
  );
}
