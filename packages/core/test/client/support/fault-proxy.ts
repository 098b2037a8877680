import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a memcached, with switches to break the server→client direction the
 * way real failures do: hold replies (a hung server), cut a reply after N bytes, drop every
 * connection, or send garbage.
 */
export class FaultProxy {
  readonly host = '127.0.0.1';
  port = 0;
  /** Replies are buffered instead of forwarded while true. */
  holding = false;
  /** When set, forward this many more reply bytes, then close the client connection. */
  cutAfterBytes: number | undefined;
  /** Client connections accepted so far. */
  accepted = 0;
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; held: Buffer[] }>();

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server?.listen(0, this.host, resolve));
    const addr = this.server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    return this;
  }

  /** Stops forwarding replies (requests still reach memcached). */
  hold(): void {
    this.holding = true;
  }

  /** Forwards every held reply and resumes. */
  release(): void {
    this.holding = false;
    for (const pair of this.pairs) {
      for (const chunk of pair.held) pair.client.write(chunk);
      pair.held = [];
    }
  }

  /** Sends bytes to every client as if the server had. */
  inject(bytes: string): void {
    for (const pair of this.pairs) pair.client.write(bytes);
  }

  /** Destroys every client connection. */
  dropAll(): void {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    const pair = { client, upstream, held: [] as Buffer[] };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (this.holding) {
        pair.held.push(chunk);
        return;
      }
      if (this.cutAfterBytes !== undefined) {
        const n = Math.min(this.cutAfterBytes, chunk.length);
        this.cutAfterBytes -= n;
        client.write(chunk.subarray(0, n));
        if (this.cutAfterBytes === 0) {
          this.cutAfterBytes = undefined;
          client.end(() => end());
        }
        return;
      }
      client.write(chunk);
    });
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  }
}
