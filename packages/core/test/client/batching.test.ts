import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MemcachedClient } from '../../src/index.js';

/**
 * A memcached stand-in that records every command line it receives and answers each `get` with
 * one write holding all its hits (value: the key itself), so a test can see how the client
 * grouped its requests on the wire.
 */
class RecordingServer {
  readonly commands: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      let pending = '';
      socket.on('data', (chunk) => {
        pending += chunk.toString('latin1');
        for (let nl = pending.indexOf('\r\n'); nl >= 0; nl = pending.indexOf('\r\n')) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 2);
          this.commands.push(line);
          const [command, ...keys] = line.split(' ');
          if (command !== 'get') {
            socket.write('ERROR\r\n');
            continue;
          }
          const hits = keys.map((k) => `VALUE ${k} 0 ${k.length}\r\n${k}\r\n`).join('');
          socket.write(`${hits}END\r\n`);
        }
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('request batching on the wire', () => {
  let server: RecordingServer;
  let client: MemcachedClient;

  beforeEach(async () => {
    server = new RecordingServer();
    client = new MemcachedClient(await server.listen());
    // Connect first, so the gets under test are not held back by the handshake.
    expect(await client.get('warm')).toBe('warm');
    server.commands.length = 0;
  });

  afterEach(async () => {
    await client.close();
    await server.close();
  });

  test('gets issued in one tick go out as one multi-get, duplicates once', async () => {
    const values = await Promise.all([
      client.get('a'),
      client.get('b'),
      client.get('a'),
      client.getMulti(['c', 'b']),
    ]);
    expect(values).toEqual([
      'a',
      'b',
      'a',
      new Map([
        ['c', 'c'],
        ['b', 'b'],
      ]),
    ]);
    expect(server.commands).toEqual(['get a b c']);
  });

  test("a tick's first 50 keys are written at once; the rest of the tick follows", async () => {
    // Written at once, memcached starts on the first 50 while the tick produces the rest, and
    // answers them in a read of their own: callers in lockstep fall into overlapping cohorts.
    // Only the first: the rest of the tick shares the flush, in `get`s of up to 100 keys.
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    const values = await Promise.all(keys.map((key) => client.get(key)));
    expect(values).toEqual(keys);
    expect(server.commands).toEqual([
      `get ${keys.slice(0, 50).join(' ')}`,
      `get ${keys.slice(50, 150).join(' ')}`,
      `get ${keys.slice(150, 250).join(' ')}`,
      `get ${keys.slice(250).join(' ')}`,
    ]);
    server.commands.length = 0;
    // One getMulti of 60 keys: its first 50 go at once, the other 10 with the tick's flush.
    const hits = await client.getMulti(keys.slice(0, 60));
    expect([...hits.keys()]).toEqual(keys.slice(0, 60));
    expect(server.commands).toEqual([
      `get ${keys.slice(0, 50).join(' ')}`,
      `get ${keys.slice(50, 60).join(' ')}`,
    ]);
  });

  test('callers resumed by one reply batch their next gets into one multi-get', async () => {
    // Three callers wait on one read; each then asks for another key straight away.
    const caller = async (first: string, second: string) => {
      await client.get(first);
      return client.get(second);
    };
    const values = await Promise.all([caller('a', 'x'), caller('b', 'y'), caller('c', 'z')]);
    expect(values).toEqual(['x', 'y', 'z']);
    expect(server.commands).toEqual(['get a b c', 'get x y z']);
  });

  test('callers a few async functions deeper still join the same write', async () => {
    const one = async (key: string) => client.get(key);
    const oneAwaiting = async (key: string) => await client.get(key);
    const two = async (key: string) => oneAwaiting(key);
    const three = async (key: string) => await two(key);
    const callers = [
      async () => client.get(((await client.get('a')) as string).replace('a', 'x')),
      async () => (await one('b')) && client.get('y'),
      async () => (await oneAwaiting('c')) && client.get('z'),
      async () => (await two('d')) && client.get('u'),
      async () => (await three('e')) && client.get('v'),
    ];
    expect(await Promise.all(callers.map((call) => call()))).toEqual(['x', 'y', 'z', 'u', 'v']);
    expect(server.commands).toEqual(['get a b c d e', 'get x y z u v']);
  });
});
