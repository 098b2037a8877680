import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of a memcached that records every request line the client sends. */
export interface CommandCounter {
  /** `"host:port"` of the proxy, for a client's server list. */
  address: string;
  /** Request lines seen so far (data blocks of storage commands excluded). */
  lines: string[];
  close(): Promise<void>;
}

/** Starts a {@link CommandCounter} on an ephemeral port in front of `target` (`"host:port"`). */
export async function startCommandCounter(target: string): Promise<CommandCounter> {
  const [host, port] = target.split(':') as [string, string];
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = createConnection(Number(port), host);
    sockets.add(inbound).add(outbound);
    let pending = '';
    // Bytes of a storage command's data block still to skip, plus its \r\n.
    let skip = 0;
    inbound.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (;;) {
        if (skip > 0) {
          const n = Math.min(skip, pending.length);
          pending = pending.slice(n);
          skip -= n;
          if (skip > 0) break;
        }
        const end = pending.indexOf('\r\n');
        if (end < 0) break;
        const line = pending.slice(0, end);
        pending = pending.slice(end + 2);
        lines.push(line);
        const storage = /^(set|add|replace|append|prepend|cas) \S+ \d+ \d+ (\d+)/.exec(line);
        if (storage) skip = Number(storage[2]) + 2;
        const meta = /^ms \S+ (\d+)/.exec(line);
        if (meta) skip = Number(meta[1]) + 2;
      }
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', end).on('error', end);
    outbound.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('proxy has no port');
  return {
    address: `127.0.0.1:${address.port}`,
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
