import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import {
  ANNOTATE_CHANNEL,
  type CommandEvent,
  commandChannel,
  type SpanAnnotation,
} from '../client/command-channel.js';
import { MemcachedError } from '../errors.js';

/** Options of {@link MemkitInstrumentation}. */
export interface MemkitInstrumentationConfig extends InstrumentationConfig {
  /**
   * Put the key in `db.query.text` (`get user:42`). Keys can hold personal data, so they are
   * left out unless asked for.
   * @default false
   */
  recordKeys?: boolean;
}

const PACKAGE = '@memkit/core';
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string })
  .version;

/**
 * OpenTelemetry instrumentation of memkit's client: a CLIENT span per memcached command,
 * following the database semantic conventions (`db.system.name` `memcached`,
 * `db.operation.name`, `server.address`, `server.port`, `db.operation.batch.size`, `error.type`
 * with the `MemcachedError` code), built from the `memkit:command` TracingChannel; and the
 * middleware's decisions (`memkit.cache.status`, `memkit.ratelimit.remaining`) as attributes of
 * the active span. Patches nothing: it only subscribes while enabled.
 * @example
 * registerInstrumentations({ instrumentations: [new MemkitInstrumentation()] });
 */
export class MemkitInstrumentation extends InstrumentationBase<MemkitInstrumentationConfig> {
  // Set by enable(), which the base constructor calls before this class's own fields would be
  // initialised: `declare` keeps the field from being reset to undefined after it.
  declare private handlers:
    | {
        start(message: unknown): void;
        asyncEnd(message: unknown): void;
        annotate(message: unknown): void;
      }
    | undefined;
  constructor(config: MemkitInstrumentationConfig = {}) {
    super(PACKAGE, VERSION, config);
  }

  /** No module to patch: the client publishes its commands itself. */
  protected init(): [] {
    return [];
  }

  override enable(): void {
    super.enable();
    if (this.handlers !== undefined) return;
    // Spans of commands in flight, by their event (the one object the channel hands out).
    const spans = new WeakMap<CommandEvent, Span>();
    this.handlers = {
      start: (message) => this.onStart(message as CommandEvent, spans),
      asyncEnd: (message) => this.onEnd(message as CommandEvent, spans),
      annotate: (message) => {
        trace.getActiveSpan()?.setAttributes(message as SpanAnnotation);
      },
    };
    commandChannel.start.subscribe(this.handlers.start);
    commandChannel.asyncEnd.subscribe(this.handlers.asyncEnd);
    subscribe(ANNOTATE_CHANNEL, this.handlers.annotate);
  }

  override disable(): void {
    super.disable();
    const handlers = this.handlers;
    if (handlers === undefined) return;
    this.handlers = undefined;
    commandChannel.start.unsubscribe(handlers.start);
    commandChannel.asyncEnd.unsubscribe(handlers.asyncEnd);
    unsubscribe(ANNOTATE_CHANNEL, handlers.annotate);
  }

  private onStart(event: CommandEvent, spans: WeakMap<CommandEvent, Span>): void {
    const attributes: Record<string, string | number> = {
      'db.system.name': 'memcached',
      'db.operation.name': event.operation,
    };
    const server = event.server;
    if (server !== undefined) {
      const colon = server.lastIndexOf(':');
      attributes['server.address'] = server.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      attributes['server.port'] = Number(server.slice(colon + 1));
    }
    if (event.keyCount > 1) attributes['db.operation.batch.size'] = event.keyCount;
    if (this.getConfig().recordKeys === true && event.key !== undefined) {
      attributes['db.query.text'] =
        event.keyCount > 1
          ? `${event.operation} ${event.key} …`
          : `${event.operation} ${event.key}`;
    }
    const span = this.tracer.startSpan(
      event.operation,
      { kind: SpanKind.CLIENT, attributes },
      context.active(),
    );
    spans.set(event, span);
  }

  private onEnd(event: CommandEvent, spans: WeakMap<CommandEvent, Span>): void {
    const span = spans.get(event);
    if (span === undefined) return;
    spans.delete(event);
    if (event.hits !== undefined) {
      span.setAttribute('memkit.hits', event.hits);
      span.setAttribute('memkit.misses', event.misses ?? 0);
    }
    if (event.bytes > 0) span.setAttribute('memkit.bytes', event.bytes);
    const error = event.error;
    if (error !== undefined) {
      const type =
        error instanceof MemcachedError
          ? error.code
          : error instanceof Error
            ? error.name
            : '_OTHER';
      span.setAttribute('error.type', type);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      if (error instanceof Error) span.recordException(error);
    }
    span.end();
  }
}
