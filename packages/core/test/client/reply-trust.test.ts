import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import {
  MemcachedClient,
  MemcachedProtocolError,
  type MemcachedServer,
  startServer,
} from '../../src/index.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/**
 * A fake memcached: `answer` gets each request line (without \r\n) and returns the bytes to
 * send back, or undefined to stay silent.
 */
async function fakeServer(answer: (line: string, socket: Socket) => string | undefined) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let nl = pending.indexOf('\r\n'); nl >= 0; nl = pending.indexOf('\r\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        const reply = answer(line, socket);
        if (reply !== undefined) socket.write(Buffer.from(reply, 'latin1'));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

function client(address: string, options: ConstructorParameters<typeof MemcachedClient>[1] = {}) {
  const c = new MemcachedClient(address, { timeoutMs: 2000, ...options });
  cleanup.push(() => c.close());
  return c;
}

async function memkit(): Promise<MemcachedServer> {
  const s = await startServer();
  cleanup.push(() => s.close());
  return s;
}

describe('the client bounds what a reply may announce', () => {
  test('a VALUE header announcing 1 GiB is a protocol error, not an allocation', async () => {
    let connections = 0;
    const address = await fakeServer((line, socket) => {
      if (line.startsWith('get ')) {
        connections++;
        return 'VALUE k 0 1073741000\r\n';
      }
      socket.destroy();
      return undefined;
    });
    const c = client(address);
    const before = process.memoryUsage().arrayBuffers;
    await expect(c.get('k')).rejects.toBeInstanceOf(MemcachedProtocolError);
    expect(connections).toBe(1);
    // Nothing near the announced size was reserved for the value.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  test('values up to maxValueSize are read; a bigger stored one is refused', async () => {
    const server = await memkit();
    const writer = client(server.address, { serializer: 'buffer', maxValueSize: 4096 });
    await writer.set('fits', Buffer.alloc(1000, 1));
    await writer.set('big', Buffer.alloc(4096, 2));
    const reader = client(server.address, { serializer: 'buffer', maxValueSize: 1000 });
    expect(await reader.get('fits')).toEqual(Buffer.alloc(1000, 1));
    await expect(reader.get('big')).rejects.toBeInstanceOf(MemcachedProtocolError);
    // The connection was replaced: the next request works.
    expect(await reader.get('fits')).toEqual(Buffer.alloc(1000, 1));
  });
});

describe('meta replies are matched to their requests by opaque', () => {
  test('one spurious reply fails the connection instead of shifting replies to the wrong caller', async () => {
    let injected = false;
    const address = await fakeServer((line) => {
      const m = /^mg (\S+) .*(O\S+)$/.exec(line);
      if (m === null) return undefined;
      const [, key, opaque] = m;
      // Before the first real reply, a reply nobody asked for (as seen: another request's bytes).
      const spurious = injected ? '' : 'VA 6 Ostray\r\nsecret\r\n';
      injected = true;
      return `${spurious}VA ${key!.length} ${opaque}\r\n${key}\r\n`;
    });
    const c = client(address);
    const results = await Promise.allSettled([
      c.metaGet('sess:alice', ['v']),
      c.metaGet('sess:carol', ['v']),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(MemcachedProtocolError);
    }
    // Later requests, on a new connection, get their own replies.
    const again = await c.metaGet('sess:bob', ['v']);
    expect(again.value?.toString()).toBe('sess:bob');
    expect(again.flags).toEqual({});
  });

  test('against memkit-server, the opaque is sent, checked and not shown to the caller', async () => {
    const server = await memkit();
    const c = client(server.address);
    await c.metaSet('m', 'value', ['T60']);
    const hit = await c.metaGet('m', ['v', 'f']);
    expect(hit.value?.toString()).toBe('value');
    expect(hit.flags).toEqual({ f: '0' });
    const miss = await c.metaGet('nope', ['v']);
    expect(miss.status).toBe('EN');
    // A caller's own opaque is used, and returned.
    const own = await c.metaGet('m', ['v', 'Omine']);
    expect(own.flags.O).toBe('mine');
    expect(await c.incr('counter', 1, { initial: 5 })).toBe(5);
    expect(await c.decr('counter', 2, { initial: 5 })).toBe(3);
  });
});
