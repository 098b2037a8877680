import { connect, type Socket } from 'node:net';

/**
 * A bare TCP client for server tests: send bytes, then wait for an exact reply terminator.
 * Deliberately protocol-agnostic so tests assert on the server's literal bytes.
 */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Opens a connection to `port` on 127.0.0.1. */
  static open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Writes raw bytes. */
  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Waits until the received bytes end with `terminator`; returns and consumes them. */
  async readUntil(terminator: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.buffered.toString('latin1');
      if (text.endsWith(terminator)) {
        this.buffered = Buffer.alloc(0);
        return text;
      }
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(text)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${JSON.stringify(terminator)}; got ${JSON.stringify(text)}`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends `data` and reads until `terminator`. */
  async request(data: string | Buffer, terminator = '\r\n'): Promise<string> {
    this.send(data);
    return this.readUntil(terminator);
  }

  /** Waits for the server to close the connection; returns what it sent before closing. */
  async untilClosed(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('server did not close the connection');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.buffered.toString('latin1');
  }

  /** Bytes received and not yet consumed. */
  pending(): string {
    return this.buffered.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}
