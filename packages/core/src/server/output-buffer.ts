const CHUNK = 16 * 1024;
/** Values at least this long are queued by reference instead of copied. */
const COPY_LIMIT = 4 * 1024;
/** Strings up to this length are copied by a JS loop rather than a call into C++. */
const SHORT_STRING = 64;

/**
 * Gathers the replies of one batch of pipelined commands so they leave in one socket write:
 * strings are written as latin1 straight into a Buffer, small values copied after them, large
 * values kept by reference. Batches are carved from one 16 KiB block until it is used up, so a
 * typical request/response costs one small Buffer view and no copying beyond the value.
 */
export class OutputBuffer {
  /** Completed pieces of the current batch, when it spans blocks or holds large values. */
  private chunks: Buffer[] = [];
  private block: Buffer = Buffer.allocUnsafe(CHUNK);
  /** Start of the current batch's bytes in `block`. */
  private start = 0;
  private pos = 0;
  /** Bytes queued since the last `take()`. */
  length = 0;

  /** Appends a latin1 string. */
  write(s: string): void {
    const n = s.length;
    if (this.pos + n > this.block.length) this.grow(n);
    const block = this.block;
    let pos = this.pos;
    if (n <= SHORT_STRING) {
      // Reply lines are short: a JIT-compiled copy loop beats the native call Buffer#write makes.
      for (let i = 0; i < n; i++) block[pos++] = s.charCodeAt(i);
    } else {
      pos += block.write(s, pos, n, 'latin1');
    }
    this.pos = pos;
    this.length += n;
  }

  /** Appends bytes. */
  writeBuffer(b: Buffer): void {
    const n = b.length;
    if (n >= COPY_LIMIT) {
      this.seal();
      this.chunks.push(b);
    } else {
      if (this.pos + n > this.block.length) this.grow(n);
      b.copy(this.block, this.pos);
      this.pos += n;
    }
    this.length += n;
  }

  /** Moves the pending bytes of `block` into `chunks`. */
  private seal(): void {
    if (this.pos === this.start) return;
    this.chunks.push(this.block.subarray(this.start, this.pos));
    this.start = this.pos;
  }

  private grow(n: number): void {
    this.seal();
    this.block = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.start = 0;
    this.pos = 0;
  }

  /** Removes and returns everything queued, as one Buffer (or undefined when empty). */
  take(): Buffer | undefined {
    const total = this.length;
    if (total === 0) return undefined;
    this.length = 0;
    if (this.chunks.length === 0) {
      const out = this.block.subarray(this.start, this.pos);
      this.start = this.pos;
      return out;
    }
    this.seal();
    const chunks = this.chunks;
    this.chunks = [];
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  }

  /**
   * Starts the next batch at the beginning of the current block again. Only valid once every
   * Buffer handed out by `take()` is no longer referenced (the socket wrote it synchronously):
   * reusing the block instead of allocating fresh ones keeps external memory flat, which is
   * what otherwise drives V8 into a full GC every few hundred milliseconds under load.
   */
  recycle(): void {
    if (this.length !== 0 || this.chunks.length !== 0) return;
    this.start = 0;
    this.pos = 0;
  }

  /** Drops everything queued. */
  clear(): void {
    this.chunks = [];
    this.pos = this.start;
    this.length = 0;
  }
}
