import { connect, type Socket } from 'node:net';

/**
 * A raw TCP connection for protocol tests: bytes in, bytes out, no client library in between.
 * Replies are read up to a marker instead of waiting for silence, so tests never sleep.
 */
export class RawConnection {
  private buffer = '';
  private waiter: (() => void) | undefined;
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiter?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiter?.();
    });
    socket.on('error', () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  /** Connects to 127.0.0.1:`port`. */
  static async open(port: number): Promise<RawConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawConnection(socket);
  }

  /** Writes bytes (strings are sent as latin1). */
  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Resolves with everything received up to and including `marker` (consumed). */
  async readUntil(marker: string): Promise<string> {
    for (;;) {
      const at = this.buffer.indexOf(marker);
      if (at >= 0) {
        const out = this.buffer.slice(0, at + marker.length);
        this.buffer = this.buffer.slice(at + marker.length);
        return out;
      }
      if (this.ended)
        throw new Error(
          `connection closed before ${JSON.stringify(marker)}: ${JSON.stringify(this.buffer)}`,
        );
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
  }

  /**
   * Sends `request` followed by `mn` and returns the replies before `MN`. memcached answers
   * `mn` in order, so this is everything `request` produced, including nothing at all.
   */
  async exchange(request: string | Buffer): Promise<string> {
    this.send(request);
    this.send('mn\r\n');
    const out = await this.readUntil('MN\r\n');
    return out.slice(0, -4);
  }

  /** Resolves once the server has closed the connection, with what it sent before. */
  async closed(): Promise<string> {
    while (!this.ended) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
    const out = this.buffer;
    this.buffer = '';
    return out;
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }
}
