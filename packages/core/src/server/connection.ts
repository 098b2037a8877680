import type { Socket } from 'node:net';
import { asciiAuth } from './auth/ascii-auth.js';
import { REQUEST_MAGIC } from './binary/protocol.js';
import { type BinaryConnection, BinarySession } from './binary/session.js';
import type { CommandHandler, ServerContext } from './command.js';
import { DelayedWrites } from './delayed-writes.js';
import {
  hangsUpOn,
  isMultiGet,
  LINE_LIMIT,
  READ_BUFFER_SIZE,
  retrievalTokens,
  tokenize,
} from './line-rules.js';
import { OutputBuffer } from './output-buffer.js';
import { StreamedGet } from './streamed-get.js';

/**
 * Replies queued to a socket (written but not yet flushed by the kernel) above which we stop
 * reading from it until it drains: back-pressure for clients that pipeline without reading.
 */
export const OUTPUT_HIGH_WATER = 2 * 1024 * 1024;
/** Replies gathered from one read are written out early once they reach this size. */
const OUTPUT_BATCH_LIMIT = 256 * 1024;
/**
 * memcached's reqs_per_event (-R): it transmits queued replies after this many commands. The
 * point matters to clients only through which replies a failing multi-get discards.
 */
const REQS_PER_EVENT = 20;

const MODE_COMMAND = 0;
const MODE_DATA = 1;
const MODE_SWALLOW = 2;
/** Inside a get/gets line past LINE_LIMIT: keys are answered as they arrive (streamed-get.ts). */
const MODE_GET_LINE = 3;

/** What a connection needs from the server that owns it. */
export interface ConnectionHost {
  readonly commands: ReadonlyMap<string, CommandHandler>;
  /** When true, nothing is read from any socket (the `hang()` control). */
  readonly hung: boolean;
  /** Milliseconds every reply batch is held back (the `delay()` control). */
  readonly delayMs: number;
  /** Called once when the socket is gone. */
  connectionClosed(conn: Connection): void;
  /** Records the largest output this server ever held for one connection. */
  noteBuffered(outputBytes: number, inputBytes: number): void;
}

/**
 * One client socket: incremental line parsing on Buffers, data blocks of storage commands,
 * memcached's line-length rules, output batching and back-pressure. Implements the
 * {@link CommandContext} handed to command handlers.
 */
export class Connection implements BinaryConnection {
  noreply = false;
  /** Set once `-Y` authentication succeeded (always, without `asciiAuth`). */
  authenticated: boolean;
  /** The binary protocol, once this connection speaks it (see binary/). */
  private binary: BinarySession | undefined;
  /** `-B auto` and nothing read yet: the first byte picks the protocol, as in memcached. */
  private negotiating: boolean;
  /** Unix seconds of the last command, for `stats conns`. */
  lastCommandAt = 0;
  /** A small id standing in for memcached's fd in `stats conns`. */
  readonly id: number;
  private input: Buffer | undefined;
  private mode = MODE_COMMAND;
  private dataLength = 0;
  private dataFilled = 0;
  private dataValue: Buffer | undefined;
  private dataTerm = 0;
  private dataValid = true;
  private dataDone: ((value: Buffer | undefined) => void) | undefined;
  /** Bytes the store reserved for the value being read (see CommandContext.readData). */
  private dataReserved = 0;
  private swallowLeft = 0;
  private streamed: StreamedGet | undefined;
  private readonly out = new OutputBuffer();
  private closing = false;
  private closed = false;
  private pausedForOutput = false;
  private readonly delayed = new DelayedWrites(
    (data) => this.send(data),
    () => this.delayedDrained(),
  );
  private pendingBefore = 0;
  private commandsSinceFlush = 0;
  private waitedForData = false;
  /** Replies memcached would already have sent (see `transmit`), not yet written. */
  private committed: Buffer[] = [];
  private committedBytes = 0;
  /** How many bytes at the start of `out` count as already sent. */
  private transmitted = 0;

  constructor(
    readonly server: ServerContext,
    readonly socket: Socket,
    private readonly host: ConnectionHost,
    id: number,
    /** Plain TCP, fed through {@link receive} (see shared-reads.ts) rather than 'data'. */
    private readonly sharedReads = false,
  ) {
    this.id = id;
    const settings = server.settings;
    this.authenticated = settings.asciiAuth === undefined;
    this.negotiating = settings.bindingProtocol === 'auto';
    if (settings.bindingProtocol === 'binary') this.binary = new BinarySession(this);
    socket.setNoDelay(true);
    if (!sharedReads) socket.on('data', (chunk: Buffer) => this.receive(chunk, false));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => socket.destroy());
    socket.on('end', () => {
      // The client is done sending; answer what it sent, then close our side.
      this.closing = true;
      if (!this.delayed.pending && !this.closed) socket.end();
    });
    socket.on('close', () => this.onClose());
    if (host.hung) socket.pause();
  }

  // ---- CommandContext ----

  write(data: string): void {
    this.out.write(data);
  }

  writeBuffer(data: Buffer): void {
    this.out.writeBuffer(data);
  }

  reply(line: string): void {
    if (this.noreply) {
      this.noreply = false;
      return;
    }
    this.out.write(`${line}\r\n`);
  }

  error(line: string): void {
    this.noreply = false;
    this.out.write(`${line}\r\n`);
  }

  readData(length: number, done: (value: Buffer | undefined) => void, reserved = 0): void {
    this.mode = MODE_DATA;
    this.dataReserved = reserved;
    this.dataLength = length;
    this.dataFilled = 0;
    this.dataTerm = 0;
    this.dataValid = true;
    this.dataValue = undefined;
    this.dataDone = done;
  }

  swallow(length: number): void {
    this.mode = MODE_SWALLOW;
    this.swallowLeft = length + 2;
  }

  close(): void {
    this.closing = true;
  }

  hasPendingOutput(): boolean {
    return this.pendingBefore > 0;
  }

  discardPendingOutput(): void {
    this.keepTransmitted();
    this.pendingBefore = 0;
  }

  transmit(): void {
    // Only a mark: the bytes stay in the batch and leave with it in one write.
    this.transmitted = this.out.length;
  }

  outputBackedUp(): boolean {
    if (this.out.length + this.committedBytes >= OUTPUT_BATCH_LIMIT) this.flushOutput();
    if (this.socket.writableLength + this.delayed.bytes <= OUTPUT_HIGH_WATER) return false;
    this.pauseForOutput();
    return true;
  }

  /** Drops queued replies except those memcached would already have sent. */
  private keepTransmitted(): void {
    const keep = this.transmitted;
    this.transmitted = 0;
    if (keep === 0) {
      this.out.clear();
      return;
    }
    const all = this.out.take()!;
    this.committed.push(all.subarray(0, keep));
    this.committedBytes += keep;
  }

  // ---- controls ----

  /** Resumes reading after `hang()` ended. */
  unhang(): void {
    if (!this.pausedForOutput && !this.closed) {
      this.socket.resume();
      this.guardedProcess();
    }
  }

  /** Stops reading (the `hang()` control). */
  hang(): void {
    this.socket.pause();
  }

  /** Whether reading is paused because too many replies are queued. */
  get backPressured(): boolean {
    return this.pausedForOutput;
  }

  /** Bytes of replies held by this connection: queued in the socket or delayed. */
  bufferedOutput(): number {
    return this.socket.writableLength + this.delayed.bytes + this.out.length;
  }

  // ---- input ----

  /**
   * Takes bytes read from the socket. A `borrowed` chunk lives in a buffer the next read
   * overwrites, so whatever of it is still unparsed afterwards is copied.
   */
  receive(chunk: Buffer, borrowed: boolean): void {
    this.server.stats.bytesRead += chunk.length;
    if (this.closing) return;
    this.input = this.input === undefined ? chunk : Buffer.concat([this.input, chunk]);
    this.guardedProcess();
    const rest = this.input;
    if (borrowed && rest !== undefined && rest.buffer === chunk.buffer)
      this.input = Buffer.from(rest);
  }

  /**
   * A bug in a handler must never take down the process that embeds the server: it costs
   * this connection (as a crash would in memcached) and is logged.
   */
  private guardedProcess(): void {
    try {
      this.process();
    } catch (err) {
      this.server.settings.logger?.error(
        `memkit-server: closing connection ${this.id} after an internal error: ${
          err instanceof Error ? (err.stack ?? err.message) : String(err)
        }`,
      );
      this.keepTransmitted();
      this.out.write('SERVER_ERROR internal error\r\n');
      this.closing = true;
      this.input = undefined;
      this.flush();
      this.socket.destroySoon();
    }
  }

  private process(): void {
    const buf = this.input;
    if (buf === undefined || this.closing) return;
    if (this.host.hung) {
      this.socket.pause();
      return;
    }
    if (this.negotiating) {
      this.negotiating = false;
      if (buf[0] === REQUEST_MAGIC) this.binary = new BinarySession(this);
    }
    if (this.binary !== undefined) {
      const used = this.binary.process(buf, 0);
      this.input = used < buf.length ? buf.subarray(used) : undefined;
      if (!this.binary.midRequest) this.flush();
      return;
    }
    let pos = 0;
    const len = buf.length;
    const logLines = this.server.verbosity > 1;
    while (pos < len && !this.closing) {
      const mode = this.mode;
      if (mode === MODE_DATA) {
        pos = this.readDataBytes(buf, pos);
        continue;
      }
      if (mode === MODE_GET_LINE) {
        if (this.socket.writableLength + this.delayed.bytes > OUTPUT_HIGH_WATER) {
          this.pauseForOutput();
          break;
        }
        const streamed = this.streamed!;
        pos = streamed.feed(buf, pos, len);
        if (streamed.done) {
          this.streamed = undefined;
          this.mode = MODE_COMMAND;
          this.commandDone();
        }
        continue;
      }
      if (mode === MODE_SWALLOW) {
        const n = Math.min(len - pos, this.swallowLeft);
        pos += n;
        this.swallowLeft -= n;
        if (this.swallowLeft === 0) {
          this.mode = MODE_COMMAND;
          this.commandDone();
        }
        continue;
      }
      if (this.out.length + this.committedBytes >= OUTPUT_BATCH_LIMIT) this.flushOutput();
      const held = this.socket.writableLength + this.delayed.bytes;
      if (held > OUTPUT_HIGH_WATER) {
        this.pauseForOutput();
        break;
      }
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        // memcached's bound on a line without its newline: past 2048 bytes only a get/gets
        // may go on (read as it arrives); anything else closes the connection, unanswered.
        if (len - pos > LINE_LIMIT) {
          const keysAt = isMultiGet(buf, pos, len);
          if (keysAt < 0) {
            this.abort();
            return;
          }
          pos = this.startStreamedGet(buf, pos, keysAt);
          continue;
        }
        break;
      }
      if (nl - pos > READ_BUFFER_SIZE && isMultiGet(buf, pos, nl) < 0) {
        this.abort();
        return;
      }
      const end = nl - pos > 1 && buf[nl - 1] === 13 ? nl - 1 : nl;
      const tokens = logLines ? undefined : retrievalTokens(buf, pos, end);
      if (tokens !== undefined) {
        pos = nl + 1;
        this.run(tokens);
      } else {
        const line = buf.toString('latin1', pos, end);
        pos = nl + 1;
        this.execute(line);
      }
      if (this.mode === MODE_COMMAND) this.commandDone();
    }
    this.input = pos < len ? buf.subarray(pos) : undefined;
    if (this.input !== undefined) this.host.noteBuffered(0, this.input.length);
    this.commandsSinceFlush = 0;
    this.flush();
  }

  /** Switches to MODE_GET_LINE for the get/gets line at `pos`; returns where its keys start. */
  private startStreamedGet(buf: Buffer, pos: number, keysAt: number): number {
    const gets = buf[keysAt - 2] === 0x73;
    if (this.server.verbosity > 1)
      this.server.settings.logger?.debug(
        `<${this.id} ${buf.toString('latin1', pos, pos + 256)}... (long ${gets ? 'gets' : 'get'} line)`,
      );
    this.noreply = false;
    this.pendingBefore = this.out.length;
    this.lastCommandAt = this.server.clock.now();
    this.streamed = new StreamedGet(this, gets, OUTPUT_HIGH_WATER);
    this.mode = MODE_GET_LINE;
    return keysAt;
  }

  private readDataBytes(buf: Buffer, pos: number): number {
    const len = buf.length;
    const need = this.dataLength;
    if (this.dataFilled === 0 && this.dataValue === undefined) {
      if (len - pos >= need + 2) {
        // Whole block in this chunk: the common case, one copy.
        const value = Buffer.allocUnsafe(need);
        buf.copy(value, 0, pos, pos + need);
        const ok = buf[pos + need] === 13 && buf[pos + need + 1] === 10;
        this.finishData(ok ? value : undefined);
        return pos + need + 2;
      }
      this.dataValue = Buffer.allocUnsafe(need);
      // memcached sends what it has queued before it waits for the rest of a data block, and
      // reads that rest straight from the socket, so it sends this command's reply before
      // parsing what follows.
      this.flushOutput();
      this.commandsSinceFlush = 0;
      this.waitedForData = true;
    }
    const value = this.dataValue!;
    if (this.dataFilled < need) {
      const n = Math.min(need - this.dataFilled, len - pos);
      buf.copy(value, this.dataFilled, pos, pos + n);
      this.dataFilled += n;
      pos += n;
    }
    while (this.dataFilled === need && this.dataTerm < 2 && pos < len) {
      const expected = this.dataTerm === 0 ? 13 : 10;
      if (buf[pos] !== expected) this.dataValid = false;
      this.dataTerm++;
      pos++;
    }
    if (this.dataFilled === need && this.dataTerm === 2) {
      this.finishData(this.dataValid ? value : undefined);
    }
    return pos;
  }

  private finishData(value: Buffer | undefined): void {
    const done = this.dataDone!;
    this.mode = MODE_COMMAND;
    this.dataDone = undefined;
    this.dataValue = undefined;
    this.releaseReserved();
    this.pendingBefore = this.out.length;
    done(value);
    if (this.waitedForData) {
      this.waitedForData = false;
      this.transmit();
    }
    if (this.mode === MODE_COMMAND) this.commandDone();
  }

  private commandDone(): void {
    if (++this.commandsSinceFlush >= REQS_PER_EVENT) {
      this.transmit();
      this.commandsSinceFlush = 0;
    }
  }

  private execute(line: string): void {
    const server = this.server;
    // memcached reads the line as a C string: a NUL byte ends it.
    const nul = line.indexOf('\0');
    if (nul >= 0) line = line.slice(0, nul);
    if (server.verbosity > 1) server.settings.logger?.debug(`<${this.id} ${line}`);
    this.run(tokenize(line));
  }

  private run(tokens: string[]): void {
    this.noreply = false;
    this.pendingBefore = this.out.length;
    this.lastCommandAt = this.server.clock.now();
    if (!this.authenticated) {
      asciiAuth(this, tokens);
      return;
    }
    const name = tokens[0];
    if (name === undefined || name.length < 2) {
      this.out.write('ERROR\r\n');
      return;
    }
    const handler = this.host.commands.get(name);
    if (handler === undefined) {
      if (hangsUpOn(tokens)) this.abort();
      else this.out.write('ERROR\r\n');
      return;
    }
    handler(this, tokens);
  }

  // ---- output ----

  private flushOutput(): void {
    this.transmitted = 0;
    let data = this.out.take();
    if (this.committedBytes > 0) {
      if (data !== undefined) this.committed.push(data);
      const parts = this.committed;
      const total = this.committedBytes + (data?.length ?? 0);
      data = parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
      parts.length = 0;
      this.committedBytes = 0;
    }
    if (data === undefined) return;
    if (this.host.delayMs > 0 || this.delayed.pending) this.delay(data);
    else this.send(data);
  }

  private flush(): void {
    this.flushOutput();
    if (this.closing && !this.delayed.pending && !this.closed) this.socket.end();
  }

  private send(data: Buffer): void {
    if (this.closed) return;
    this.server.stats.bytesWritten += data.length;
    this.socket.write(data);
    const queued = this.socket.writableLength;
    if (queued > 0) this.host.noteBuffered(queued, 0);
    // Written through to the kernel and nothing else holds a view of the output block. (Only
    // on plain TCP: a TLS socket may keep the cleartext until its handshake is done.)
    else if (this.sharedReads && this.committedBytes === 0 && !this.delayed.pending)
      this.out.recycle();
  }

  private delay(data: Buffer): void {
    this.delayed.push(data, this.host.delayMs);
    this.host.noteBuffered(this.delayed.bytes + this.socket.writableLength, 0);
  }

  private delayedDrained(): void {
    if (this.closing && !this.closed) this.socket.end();
    else if (this.pausedForOutput) this.onDrain();
  }

  private pauseForOutput(): void {
    if (this.pausedForOutput) return;
    this.pausedForOutput = true;
    this.socket.pause();
  }

  private onDrain(): void {
    if (!this.pausedForOutput || this.closed) return;
    if (this.socket.writableLength + this.delayed.bytes > OUTPUT_HIGH_WATER / 2) return;
    this.pausedForOutput = false;
    if (!this.host.hung) this.socket.resume();
    this.guardedProcess();
  }

  /** memcached's conn_closing without a reply (garbage line, oversized line). */
  abort(): void {
    this.closing = true;
    this.input = undefined;
    this.keepTransmitted();
    // Replies memcached would already have transmitted still reach the client.
    if (this.committedBytes > 0) {
      const data = Buffer.concat(this.committed, this.committedBytes);
      this.committed = [];
      this.committedBytes = 0;
      this.send(data);
    }
    this.socket.destroySoon();
  }

  /** Destroys the socket now (dropConnections, server close). */
  destroy(): void {
    this.socket.destroy();
  }

  /** Gives the store back the room held for a value that is complete or abandoned. */
  private releaseReserved(): void {
    if (this.dataReserved === 0) return;
    this.server.store.releasePending(this.dataReserved);
    this.dataReserved = 0;
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.releaseReserved();
    this.dataValue = undefined;
    this.streamed = undefined;
    this.delayed.clear();
    this.committed = [];
    this.committedBytes = 0;
    this.input = undefined;
    this.host.connectionClosed(this);
  }
}
