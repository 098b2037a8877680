import type { CommandContext, ServerContext } from './command.js';
import { endGet, getKey, type ReplySink } from './commands/retrieval.js';
import { KEY_MAX_LENGTH } from './item.js';
import { OutputBuffer } from './output-buffer.js';

/** A key token is kept up to this many bytes: a longer one is too long whatever follows. */
const TOKEN_KEEP = KEY_MAX_LENGTH + 2;

/**
 * A `get`/`gets` line longer than memcached's 2048-byte bound that has not seen its newline
 * yet. memcached buffers such a line whole (it is the one line it lets grow); buffering it
 * here made every read re-copy and rescan the line, so 24 clients sending 7 MiB lines stalled
 * the server for seconds. Instead each key is looked up as soon as the space after it
 * arrives, so a connection holds one partial key (at most {@link TOKEN_KEEP} bytes) and the
 * replies, and every byte is looked at once.
 *
 * The replies are the ones the whole line would get: VALUE blocks in key order, then END; an
 * over-long key stops the lookups and answers `CLIENT_ERROR bad command line format` in place
 * of them; a NUL byte ends the line as it ends memcached's C string; `\r` before the newline
 * is not part of the last key. A key is read at the moment it arrives rather than when the
 * newline does, which no client can tell apart from a line that was merely sent faster.
 *
 * The VALUE blocks wait in a buffer of their own until the newline, since the connection sends
 * its output after every read and an over-long key later in the line must still cull them.
 * Past `holdLimit` bytes they are handed to the connection (and may be sent): memory stays
 * bounded, and only a line that both returns that much and then fails differs from memcached.
 */
export class StreamedGet implements ReplySink {
  private readonly token = Buffer.allocUnsafe(TOKEN_KEEP);
  private tokenLength = 0;
  private keys = 0;
  private silent = false;
  /** A NUL byte was seen: the rest of the line is ignored. */
  private ended = false;
  /** Whether the newline arrived and the command was answered. */
  done = false;

  private readonly held = new OutputBuffer();
  readonly server: ServerContext;

  /** `returnCas` is true for `gets`. */
  constructor(
    private readonly ctx: CommandContext,
    private readonly returnCas: boolean,
    private readonly holdLimit: number,
  ) {
    this.server = ctx.server;
  }

  /** ReplySink: VALUE header and trailer lines. */
  write(data: string): void {
    this.held.write(data);
  }

  /** ReplySink: value bytes. */
  writeBuffer(data: Buffer): void {
    this.held.writeBuffer(data);
    if (this.held.length >= this.holdLimit) this.release();
  }

  /** Hands the held replies to the connection. */
  private release(): void {
    const data = this.held.take();
    if (data !== undefined) this.ctx.writeBuffer(data);
  }

  /**
   * Consumes bytes from `pos`; returns where it stopped. When the newline was consumed the
   * command is answered and {@link done} is true.
   */
  feed(buf: Buffer, pos: number, len: number): number {
    const nl = buf.indexOf(10, pos);
    const end = nl < 0 || nl >= len ? len : nl;
    if (!this.ended) {
      let from = pos;
      for (let p = pos; p < end; p++) {
        const c = buf[p];
        if (c === 0x20) {
          this.append(buf, from, p);
          this.endToken();
          from = p + 1;
        } else if (c === 0) {
          // memcached reads the line as a C string: nothing after a NUL counts.
          this.append(buf, from, p);
          this.ended = true;
          break;
        }
      }
      if (!this.ended) this.append(buf, from, end);
    }
    if (end === len) return len;
    // The newline: a `\r` right before it belongs to the line ending, not to the key.
    const length = this.tokenLength;
    if (!this.ended && length > 0 && length <= TOKEN_KEEP && this.token[length - 1] === 13)
      this.tokenLength--;
    this.endToken();
    this.finish();
    return end + 1;
  }

  private append(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const have = this.tokenLength;
    if (have < TOKEN_KEEP) buf.copy(this.token, have, from, Math.min(to, from + TOKEN_KEEP - have));
    this.tokenLength = have + (to - from);
  }

  private endToken(): void {
    const length = this.tokenLength;
    if (length === 0) return;
    this.tokenLength = 0;
    if (this.silent) return;
    this.keys++;
    if (length > KEY_MAX_LENGTH) {
      // memcached stops at an over-long key; the keys before it were looked up.
      this.silent = true;
      return;
    }
    getKey(this, this.token.toString('latin1', 0, length), this.returnCas, false);
  }

  private finish(): void {
    this.done = true;
    if (this.keys === 0) {
      // `get` followed by nothing but spaces: memcached's WANT_TOKENS_MIN answer.
      this.ctx.error('ERROR');
      return;
    }
    if (this.silent) this.held.clear();
    else this.release();
    endGet(this.ctx, this.silent);
  }
}
