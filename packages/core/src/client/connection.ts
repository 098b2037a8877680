import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  MemcachedAuthError,
  MemcachedClientError,
  MemcachedConnectionError,
  type MemcachedError,
  MemcachedProtocolError,
  MemcachedServerError,
  MemcachedTimeoutError,
} from '../errors.js';
import { ReplyParser, type ValueHandler } from '../protocol/reply-parser.js';
import { AuthRequest, authRequestText } from './auth-request.js';
import { GetBatch, type GetSink, MAX_BATCH_KEYS } from './get-batch.js';
import type { InFlight } from './in-flight.js';
import type { ClientCredentials } from './options.js';
import { RequestQueue } from './request-queue.js';
import type { ServerAddress } from './server-list.js';

/** What a connection needs to know about its settings. */
export interface ConnectionSettings {
  readonly connectTimeoutMs: number;
  readonly tls: ConnectionOptions | undefined;
  /** Largest value block a reply may announce; a bigger one is a protocol error. */
  readonly maxValueSize: number;
  /** Sent first on every new connection (memcached's ASCII authentication). */
  readonly auth: ClientCredentials | undefined;
}

/** How a connection reports to its server node. */
export interface ConnectionOwner {
  /** A reply arrived: the server is alive. */
  onReplyReceived(): void;
  /** The socket connected (and finished its TLS handshake). */
  onConnected(connection: Connection): void;
  /** The connection is gone. `error` is undefined for a close we asked for. */
  onClosed(connection: Connection, error: MemcachedError | undefined): void;
}

// Values up to this size are appended to the pending request text as latin1 instead of being
// written as separate buffers: one string and one Buffer.from per flush beat many small writes.
const INLINE_VALUE_BYTES = 4096;
const READ_BUFFER_BYTES = 64 * 1024;
const RESOLVED = Promise.resolve();
/**
 * Microtask turns a flush waits: a caller up to three async functions deeper than the first
 * request of the tick (each `await` of a promise from another async function is a turn or two)
 * still shares the write; each turn costs about one percent of a lone get.
 */
const FLUSH_HOPS = 4;
/**
 * The first multi-get of a tick is written as soon as it holds this many keys, not at the tick's
 * flush: memcached starts on it while the tick is still producing the rest, and answers it in a
 * read of its own. A hundred callers in lockstep so fall into cohorts, one's reply parsed while
 * another's request is served, instead of all waiting on one round trip (`pnpm bench:client`,
 * get at concurrency 100: 1.6x the throughput of one write per tick). Only the first: each early
 * write is a syscall, and big multi-gets lose more to many writes than they gain.
 */
const EARLY_WRITE_KEYS = 50;

/**
 * One socket to one server: requests are pipelined, replies matched to them through a FIFO.
 * Everything enqueued before the flush (a few microtask turns after the first request of a
 * tick) goes out in one write, and those `get`s as one `get`: synchronous calls, and callers
 * resumed by the same socket read, share it. The tick's first multi-get is written at once when
 * it reaches EARLY_WRITE_KEYS keys, with what was queued before it.
 * A request that outlives its deadline destroys the connection: past a lost reply the FIFO can
 * no longer be trusted, so every other request on it fails too rather than risk mis-delivery.
 */
export class Connection {
  readonly server: string;
  private readonly address: ServerAddress;
  private readonly settings: ConnectionSettings;
  private readonly owner: ConnectionOwner;
  private socket: Socket | undefined;
  private state: 'connecting' | 'open' | 'closed' = 'connecting';
  private readonly parser: ReplyParser;
  private readonly queue = new RequestQueue();
  private out = '';
  private parts: (string | Buffer)[] = [];
  private batch: GetBatch | undefined;
  private flushScheduled = false;
  /** This tick's first multi-get has been written early (see EARLY_WRITE_KEYS). */
  private wroteEarly = false;
  private timer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private endWhenIdle: (() => void) | undefined;
  /** The buffer every read lands in (plain TCP only): blocks in it are lent, not given. */
  private readBuffer: Buffer | undefined;
  /** Microtask turns left before the scheduled flush (see scheduleFlush). */
  private hopsLeft = 0;
  private readonly hopBound = (): void => {
    if (--this.hopsLeft > 0) RESOLVED.then(this.hopBound);
    else this.flush();
  };
  private readonly onTimerBound = () => this.onTimer();

  constructor(address: ServerAddress, settings: ConnectionSettings, owner: ConnectionOwner) {
    this.address = address;
    this.server = address.id;
    this.settings = settings;
    this.owner = owner;
    this.parser = new ReplyParser(
      (line, block, start, end) => this.onReply(line, block, start, end),
      // A reply header is believed only up to maxValueSize: a corrupt or hostile
      // `VALUE k 0 1073741000` is refused before anything is allocated for it.
      { onValue: this.onValue, maxDataBytes: settings.maxValueSize },
    );
    this.open();
  }

  /** Requests waiting for replies (including those not yet written). */
  get pending(): number {
    return this.queue.length + (this.batch === undefined ? 0 : 1);
  }

  /** False once the connection has failed or been closed: the owner drops it. */
  get usable(): boolean {
    return this.state !== 'closed';
  }

  /**
   * Enqueues a request with its bytes; `data` is a value block (its `\r\n` is added), as a
   * Buffer or as a string whose characters are its bytes (latin1).
   */
  send(request: InFlight, text: string, data?: Buffer | string): void {
    if (this.state === 'closed') {
      request.fail(
        new MemcachedConnectionError(`Connection to ${this.server} is closed`, this.opts()),
      );
      return;
    }
    if (this.batch !== undefined) this.sealBatch();
    this.out += text;
    if (typeof data === 'string') {
      this.out += data;
      this.out += '\r\n';
    } else if (data !== undefined) {
      if (data.length <= INLINE_VALUE_BYTES) {
        this.out += data.toString('latin1');
        this.out += '\r\n';
      } else {
        if (this.out !== '') this.parts.push(this.out);
        this.parts.push(data);
        this.out = '\r\n';
      }
    }
    this.push(request);
  }

  /** Adds a key to this tick's multi-get; `wireKey` is already in latin1 form. */
  get(wireKey: string, sink: GetSink): void {
    if (this.state === 'closed') {
      sink.joined();
      sink.fail(
        new MemcachedConnectionError(`Connection to ${this.server} is closed`, this.opts()),
      );
      return;
    }
    let batch = this.batch;
    if (batch === undefined) {
      batch = this.batch = new GetBatch(sink.deadline, wireKey, sink);
      this.armTimer(sink.deadline);
      this.scheduleFlush();
    } else {
      batch.add(wireKey, sink);
    }
    const keys = batch.keys.length;
    if (keys >= EARLY_WRITE_KEYS && !this.wroteEarly && this.state === 'open') {
      this.wroteEarly = true;
      this.sealBatch();
      this.writeQueued();
    } else if (keys >= MAX_BATCH_KEYS) {
      this.sealBatch();
    }
  }

  /** Closes once every request in flight has settled (or timed out). */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.state === 'closed') return resolve();
      this.endWhenIdle = resolve;
      if (this.pending === 0) this.close(undefined);
    });
  }

  /** Fails every request in flight with `error` and closes the socket. */
  destroy(error: MemcachedError): void {
    this.close(error);
  }

  private opts() {
    return { server: this.server };
  }

  private open(): void {
    const { host, port } = this.address;
    const tls = this.settings.tls;
    let socket: Socket;
    if (tls) {
      socket = tlsConnect({ servername: isIp(host) ? undefined : host, ...tls, host, port });
      socket.on('data', (chunk: Buffer) => this.onData(chunk, chunk.length));
    } else {
      // Reading into one reused buffer (`onread`) skips the stream machinery and an allocation
      // per read: a large share of a small request's cost. Requests copy the bytes they keep
      // past the read and decode the rest in place (see onReply).
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
      this.readBuffer = readBuffer;
      socket = netConnect({
        host,
        port,
        onread: {
          buffer: readBuffer,
          callback: (bytes: number) => {
            this.onData(readBuffer, bytes);
            return true;
          },
        },
      });
    }
    this.socket = socket;
    socket.setNoDelay(true);
    this.connectTimer = setTimeout(() => {
      this.close(
        new MemcachedTimeoutError(
          `Could not connect to ${this.server} within ${this.settings.connectTimeoutMs} ms`,
          this.opts(),
        ),
      );
    }, this.settings.connectTimeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(this.connectTimer);
      if (this.state !== 'connecting') return;
      this.state = 'open';
      socket.setKeepAlive(true, 60_000);
      if (this.settings.auth !== undefined) this.authenticate(this.settings.auth);
      this.owner.onConnected(this);
      this.flush();
    });
    socket.on('error', (err: Error) => {
      this.close(
        new MemcachedConnectionError(`Connection to ${this.server} failed: ${err.message}`, {
          ...this.opts(),
          cause: err,
        }),
      );
    });
    socket.on('close', () => {
      this.close(
        new MemcachedConnectionError(
          `Connection to ${this.server} closed by the server`,
          this.opts(),
        ),
      );
    });
  }

  /** Puts the authentication `set` before everything queued while connecting. */
  private authenticate(auth: ClientCredentials): void {
    const request = new AuthRequest(
      performance.now() + this.settings.connectTimeoutMs,
      this.server,
      (error) => this.close(error),
    );
    this.queue.unshift(request);
    const text = authRequestText(auth);
    if (this.parts.length > 0) this.parts.unshift(text);
    else this.out = text + this.out;
    this.armTimer(request.deadline);
  }

  private onData(chunk: Buffer, length: number): void {
    try {
      this.parser.push(chunk, length);
    } catch (err) {
      const error =
        err instanceof MemcachedProtocolError || err instanceof MemcachedAuthError
          ? err
          : new MemcachedProtocolError(`Bad reply from ${this.server}`, {
              ...this.opts(),
              cause: err,
            });
      this.close(error);
    }
  }

  private push(request: InFlight): void {
    this.queue.push(request);
    this.armTimer(request.deadline);
    this.scheduleFlush();
  }

  private sealBatch(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    this.out += batch.encode();
    this.queue.push(batch);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Microtasks, not process.nextTick: a tick costs a trip through Node's tick queue and its
    // unhandled-rejection sweep, a fifth of a lone get's CPU (queueMicrotask and setImmediate
    // cost nearly as much). The flush waits FLUSH_HOPS turns of the microtask queue, so callers
    // resumed by the same socket read join this write even from a few async functions deeper.
    this.hopsLeft = FLUSH_HOPS;
    RESOLVED.then(this.hopBound);
  }

  private flush(): void {
    this.flushScheduled = false;
    this.wroteEarly = false;
    if (this.batch !== undefined) this.sealBatch();
    this.writeQueued();
  }

  /** Writes everything queued so far, in order (a no-op until the socket is open). */
  private writeQueued(): void {
    if (this.state !== 'open' || this.socket === undefined) return;
    try {
      this.write(this.socket);
    } catch (err) {
      // Often runs as a promise reaction: a throw would surface as an unhandled rejection.
      this.close(
        new MemcachedConnectionError(`Writing to ${this.server} failed`, {
          ...this.opts(),
          cause: err,
        }),
      );
    }
  }

  private write(socket: Socket): void {
    if (this.parts.length === 0) {
      if (this.out === '') return;
      socket.write(this.out, 'latin1');
    } else {
      const parts = this.parts;
      if (this.out !== '') parts.push(this.out);
      socket.cork();
      for (const part of parts) {
        if (typeof part === 'string') socket.write(part, 'latin1');
        else socket.write(part);
      }
      socket.uncork();
      this.parts = [];
    }
    this.out = '';
  }

  private onReply(line: string, block: Buffer | undefined, start: number, end: number): void {
    const request = this.queue.peek();
    if (request === undefined) {
      throw new MemcachedProtocolError(
        `Reply with no request waiting: ${JSON.stringify(line.slice(0, 80))}`,
        this.opts(),
      );
    }
    const c = line.charCodeAt(0);
    // 'S'ERVER_ERROR, 'C'LIENT_ERROR, 'E'RROR: every request may end in one of these.
    if ((c === 0x53 || c === 0x43 || c === 0x45) && line !== 'END' && isErrorLine(line)) {
      this.shift();
      request.fail(errorFor(line, this.server));
    } else if (
      // A block inside the read buffer is overwritten by the next read: requests copy what
      // they keep. The parser's own blocks (values split across reads) are theirs to keep.
      request.onReply(line, block, start, end, block !== undefined && block === this.readBuffer)
    ) {
      this.shift();
    }
    this.owner.onReplyReceived();
  }

  /** The parser's VALUE lines: as bytes to a request that reads them so, else decoded. */
  private readonly onValue: ValueHandler = (lineBytes, lineStart, lineEnd, block, start, end) => {
    const request = this.queue.peek();
    if (request?.onValue !== undefined) {
      request.onValue(lineBytes, lineStart, lineEnd, block, start, end, block === this.readBuffer);
      this.owner.onReplyReceived();
    } else {
      this.onReply(lineBytes.toString('latin1', lineStart, lineEnd), block, start, end);
    }
  };

  private shift(): void {
    this.queue.shift();
    if (this.queue.length === 0 && this.endWhenIdle !== undefined && this.batch === undefined) {
      this.close(undefined);
    }
  }

  private armTimer(deadline: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(this.onTimerBound, Math.max(0, deadline - performance.now()) + 1);
  }

  private onTimer(): void {
    this.timer = undefined;
    const oldest = this.queue.peek() ?? this.batch;
    if (oldest === undefined || this.state === 'closed') return;
    const late = performance.now() - oldest.deadline;
    if (late < 0) {
      this.armTimer(oldest.deadline);
      return;
    }
    this.close(
      new MemcachedTimeoutError(
        `Request to ${this.server} timed out (no reply by its deadline; the connection was reset)`,
        this.opts(),
      ),
    );
  }

  private close(error: MemcachedError | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    clearTimeout(this.connectTimer);
    this.timer = undefined;
    if (this.batch !== undefined) this.sealBatch();
    const failed = this.queue.drain();
    this.out = '';
    this.parts = [];
    this.parser.reset();
    // Nothing is in flight on a graceful close, so the socket is simply closed: a half-close
    // (end) would leave it to the server to finish, and a TLS peer may never do so.
    this.socket?.destroy();
    const failure =
      error ?? new MemcachedConnectionError(`Connection to ${this.server} was closed`, this.opts());
    for (const request of failed) request.fail(failure);
    this.owner.onClosed(this, error);
    this.endWhenIdle?.();
    this.endWhenIdle = undefined;
  }
}

function isErrorLine(line: string): boolean {
  return (
    line === 'ERROR' ||
    line.startsWith('ERROR ') ||
    line.startsWith('SERVER_ERROR') ||
    line.startsWith('CLIENT_ERROR')
  );
}

function errorFor(line: string, server: string): MemcachedError {
  if (line.startsWith('SERVER_ERROR')) {
    return new MemcachedServerError(`${server} answered ${line}`, { server });
  }
  return new MemcachedClientError(`${server} answered ${line}`, { server });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
