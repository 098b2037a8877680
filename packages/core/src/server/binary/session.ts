import type { CommandContext } from '../command.js';
import { READ_BUFFER_SIZE } from '../line-rules.js';
import { dispatch } from './dispatch.js';
import {
  decodeHeader,
  defaultErrorText,
  encodeResponse,
  HEADER_SIZE,
  Opcode,
  QUIET_OF,
  REQUEST_MAGIC,
  type RequestHeader,
} from './protocol.js';

/** What a binary session needs from the connection it speaks for. */
export interface BinaryConnection extends CommandContext {
  /** memcached's conn_closing: replies not yet transmitted are dropped, the socket closed now. */
  abort(): void;
  /** True (and reading paused until the client reads) when too many replies are queued. */
  outputBackedUp(): boolean;
  /** Server-clock second of the last command, for `stats conns`. */
  lastCommandAt: number;
}

/** One decoded request: its header, the opcode it is handled as, extras and key. */
export interface BinaryRequest {
  readonly header: RequestHeader;
  /** The loud opcode a quiet one stands for (GETQ → GET); the opcode itself otherwise. */
  readonly command: number;
  /** Set for the quiet opcodes: success replies are left out (errors are not). */
  readonly noreply: boolean;
  /** The extras bytes (a copy: at most 255). */
  readonly extras: Buffer;
  /** The key bytes as a latin1 string, one char per byte, as the store keys items. */
  readonly key: string;
}

/**
 * memcached's reqs_per_event: after this many requests from one read it transmits what is
 * queued, which decides what a later close still delivers.
 */
const REQS_PER_EVENT = 20;

const STATE_HEAD = 0;
const STATE_VALUE = 1;
const STATE_SWALLOW = 2;
const STATE_CLOSED = 3;

/**
 * The binary protocol on one connection, as memcached 1.6.18's try_read_command_binary and
 * conn_nread/conn_swallow states run it: a 24-byte header with its extras and key is decoded
 * and dispatched; a storage command's value is then read into a buffer of its own (never
 * parsed), anything refused is swallowed by its announced length. Bytes in, replies out through
 * the {@link BinaryConnection}; nothing here touches a socket.
 */
export class BinarySession {
  /** SASL: whether this connection has authenticated (only asked when SASL is on). */
  authenticated = false;
  /** SASL: whether a SASL_AUTH started a conversation a SASL_STEP may continue. */
  saslStarted = false;
  /**
   * SASL: Cyrus SASL's `doneflag` on memcached's per-connection sasl_conn: set by a completed
   * PLAIN exchange, it makes every later step fail until a failed SASL_AUTH clears it.
   */
  saslDone = false;
  private state = STATE_HEAD;
  /**
   * The value read so far, as copies of what arrived: memory grows with the bytes a client
   * actually sends, not with the length its header announces.
   */
  private parts: Buffer[] = [];
  private valueLength = 0;
  private filled = 0;
  private valueDone: ((value: Buffer) => void) | undefined;
  private swallowLeft = 0;
  private sinceTransmit = 0;
  /** The value or skip in progress spans reads (see `midRequest`). */
  private waited = false;

  constructor(readonly conn: BinaryConnection) {}

  /**
   * Whether a value is being read or skipped. memcached does not transmit queued replies
   * while it waits for the rest of one (conn_nread, conn_swallow), only while it waits for a
   * header, so replies stay queued meanwhile: a close before the value is complete loses them.
   */
  get midRequest(): boolean {
    return this.state === STATE_VALUE || this.state === STATE_SWALLOW;
  }

  /**
   * After a value or skip that spanned reads memcached's read buffer is empty, so it transmits
   * before it parses on: what is queued then survives a later close.
   */
  private afterWait(): void {
    if (!this.waited) return;
    this.waited = false;
    this.transmit();
  }

  /**
   * Consumes bytes from `pos` of `buf` and returns the position up to which they were used;
   * the caller keeps the rest (an unfinished header) and passes it again with more bytes.
   */
  process(buf: Buffer, pos: number): number {
    const end = buf.length;
    while (pos < end) {
      const state = this.state;
      if (state === STATE_CLOSED) return end;
      if (state === STATE_VALUE) {
        pos = this.fill(buf, pos, end);
        continue;
      }
      if (state === STATE_SWALLOW) {
        const n = Math.min(end - pos, this.swallowLeft);
        pos += n;
        this.swallowLeft -= n;
        if (this.swallowLeft === 0) {
          this.state = STATE_HEAD;
          this.afterWait();
        }
        continue;
      }
      if (end - pos < HEADER_SIZE) break;
      if (buf[pos] !== REQUEST_MAGIC) {
        // memcached: "Invalid magic", conn_closing without a reply.
        this.state = STATE_CLOSED;
        this.conn.abort();
        return end;
      }
      const extrasLength = buf[pos + 4] as number;
      const keyLength = buf.readUInt16BE(pos + 2);
      const headEnd = pos + HEADER_SIZE + extrasLength + keyLength;
      if (headEnd - pos > READ_BUFFER_SIZE && end - pos >= READ_BUFFER_SIZE) {
        // memcached reads header, extras and key into its 16 KB read buffer; when they do not
        // fit, the full buffer reads as end of stream and the connection closes, no reply.
        this.state = STATE_CLOSED;
        this.conn.abort();
        return end;
      }
      if (headEnd > end) break;
      if (this.conn.outputBackedUp()) break;
      const header = decodeHeader(buf, pos);
      const keyAt = pos + HEADER_SIZE + extrasLength;
      const quiet = QUIET_OF.get(header.opcode);
      const request: BinaryRequest = {
        header,
        command: quiet ?? header.opcode,
        noreply: quiet !== undefined,
        extras: Buffer.from(buf.subarray(pos + HEADER_SIZE, keyAt)),
        key: buf.toString('latin1', keyAt, headEnd),
      };
      pos = headEnd;
      this.conn.lastCommandAt = this.conn.server.clock.now();
      dispatch(this, request);
      if (this.state === STATE_HEAD) this.commandDone();
    }
    if (this.midRequest) this.waited = true;
    return pos;
  }

  /** Reads the next `length` bytes as a value and hands them over (memcached's conn_nread). */
  readValue(length: number, done: (value: Buffer) => void): void {
    if (length === 0) {
      done(Buffer.alloc(0));
      return;
    }
    this.parts = [];
    this.valueLength = length;
    this.filled = 0;
    this.valueDone = done;
    this.state = STATE_VALUE;
  }

  /** Discards the next `length` bytes (memcached's conn_swallow). */
  swallow(length: number): void {
    if (length <= 0) return;
    this.swallowLeft = length;
    this.state = STATE_SWALLOW;
  }

  /** Closes once the queued replies are sent (memcached's close_after_write). */
  closeAfterWrite(): void {
    this.state = STATE_CLOSED;
    this.conn.close();
  }

  /** Sends what is queued before anything else is parsed (NOOP's pipeline flush). */
  transmit(): void {
    this.sinceTransmit = 0;
    this.conn.transmit();
  }

  /** memcached's write_bin_response: a success reply, left out for quiet requests. */
  respond(
    request: BinaryRequest,
    parts: {
      cas?: bigint | number;
      extras?: Buffer;
      key?: Buffer | string;
      value?: Buffer | string;
    } = {},
  ): void {
    const cmd = request.command;
    if (request.noreply && cmd !== Opcode.GET && cmd !== Opcode.GETK) return;
    this.send(request, 0, parts);
  }

  /**
   * memcached's write_bin_error: always sent, quiet or not, with the status's default text
   * unless given one; then `swallow` bytes of the request body are skipped, or, without a
   * swallow, what is queued is transmitted.
   */
  error(request: BinaryRequest, status: number, text?: string, swallow = 0): void {
    this.send(request, status, { value: text ?? defaultErrorText(status) });
    // memcached goes to conn_mwrite after an error it does not swallow for, so the error and
    // everything queued before it are transmitted before anything else is parsed.
    if (swallow > 0) this.swallow(swallow);
    else this.transmit();
  }

  /** Queues one reply packet to `request` with any status. */
  send(
    request: BinaryRequest,
    status: number,
    parts: {
      cas?: bigint | number;
      extras?: Buffer;
      key?: Buffer | string;
      value?: Buffer | string;
    },
  ): void {
    this.conn.writeBuffer(
      encodeResponse({
        opcode: request.header.opcode,
        status,
        opaque: request.header.opaque,
        cas: parts.cas,
        extras: parts.extras,
        key: parts.key,
        value: parts.value,
      }),
    );
  }

  private fill(buf: Buffer, pos: number, end: number): number {
    const n = Math.min(this.valueLength - this.filled, end - pos);
    // A copy: `buf` may be the server's shared read buffer, reused by the next read.
    this.parts.push(Buffer.from(buf.subarray(pos, pos + n)));
    this.filled += n;
    if (this.filled === this.valueLength) this.finishValue();
    return pos + n;
  }

  private finishValue(): void {
    const parts = this.parts;
    const value =
      parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.valueLength);
    const done = this.valueDone as (value: Buffer) => void;
    this.parts = [];
    this.valueDone = undefined;
    this.state = STATE_HEAD;
    done(value);
    this.afterWait();
    if (this.state === STATE_HEAD) this.commandDone();
  }

  private commandDone(): void {
    if (++this.sinceTransmit >= REQS_PER_EVENT) this.transmit();
  }
}
