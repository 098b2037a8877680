import { afterEach, describe, expect, it } from 'vitest';
import { bin, binDelta, binStore, OP, u32 } from '../../../../test/conformance/lib/binary.js';
import {
  type MemcachedServer,
  parseAuthFile,
  type ServerOptions,
  startServer,
} from '../../src/index.js';
import { RawClient } from './raw-client.js';

const servers: MemcachedServer[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function setup(options?: ServerOptions): Promise<[MemcachedServer, RawClient]> {
  const s = await startServer(options);
  servers.push(s);
  const c = await RawClient.open(s.port);
  clients.push(c);
  return [s, c];
}

interface Packet {
  opcode: number;
  status: number;
  opaque: number;
  key: string;
  value: string;
  extras: string;
}

function packets(stream: string): Packet[] {
  const b = Buffer.from(stream, 'latin1');
  const out: Packet[] = [];
  for (let i = 0; i + 24 <= b.length; ) {
    const keyLength = b.readUInt16BE(i + 2);
    const extrasLength = b[i + 4] as number;
    const body = b.readUInt32BE(i + 8);
    const at = i + 24;
    out.push({
      opcode: b[i + 1] as number,
      status: b.readUInt16BE(i + 6),
      opaque: b.readUInt32BE(i + 12),
      extras: b.toString('latin1', at, at + extrasLength),
      key: b.toString('latin1', at + extrasLength, at + extrasLength + keyLength),
      value: b.toString('latin1', at + extrasLength + keyLength, at + body),
    });
    i = at + body;
  }
  return out;
}

/** The NOOP reply to opaque 0xfeed, which ends every exchange below. */
const NOOP_END = `\x81\x0a${'\0'.repeat(10)}${u32(0xfeed)}${'\0'.repeat(8)}`;

/** Sends `requests` then a NOOP, and returns the reply packets before the NOOP's. */
async function exchange(c: RawClient, requests: string): Promise<Packet[]> {
  const reply = await c.request(requests + bin(OP.NOOP, { opaque: 0xfeed }), NOOP_END);
  return packets(reply).slice(0, -1);
}

describe('binary protocol', () => {
  it('stores a value holding "\\r\\ndelete victim\\r\\n" instead of executing it', async () => {
    const [, c] = await setup();
    const evil = 'x\r\ndelete victim\r\nflush_all\r\n';
    const replies = await exchange(
      c,
      binStore(OP.SET, 'victim', 'alive') +
        binStore(OP.SET, 'carrier', evil) +
        bin(OP.GET, { key: 'victim' }) +
        bin(OP.GET, { key: 'carrier' }),
    );
    expect(replies.map((p) => p.status)).toEqual([0, 0, 0, 0]);
    expect(replies[2]?.value).toBe('alive');
    expect(replies[3]?.value).toBe(evil);
    // The same key stays readable over the text protocol too.
    const text = await RawClient.open(servers[0]!.port);
    clients.push(text);
    expect(await text.request('get victim\r\n', 'END\r\n')).toBe(
      'VALUE victim 0 5\r\nalive\r\nEND\r\n',
    );
  });

  it('answers quiet gets only on hits and echoes each opaque', async () => {
    const [, c] = await setup();
    const replies = await exchange(
      c,
      binStore(OP.SETQ, 'a', '1', { opaque: 1 }) +
        bin(OP.GETQ, { key: 'a', opaque: 2 }) +
        bin(OP.GETQ, { key: 'nope', opaque: 3 }) +
        bin(OP.GETKQ, { key: 'a', opaque: 4 }),
    );
    expect(replies.map((p) => [p.opaque, p.key, p.value])).toEqual([
      [2, '', '1'],
      [4, 'a', '1'],
    ]);
  });

  it('creates a missing counter with its initial value unless the expiration is all ones', async () => {
    const [, c] = await setup();
    const replies = await exchange(
      c,
      binDelta(OP.INCREMENT, 'n', 5, 10, 0) +
        binDelta(OP.INCREMENT, 'n', 5, 10, 0) +
        binDelta(OP.DECREMENT, 'm', 1, 0, 0xffffffff),
    );
    const counter = (p: Packet | undefined) =>
      Buffer.from(p?.value ?? '', 'latin1').readBigUInt64BE();
    expect(counter(replies[0])).toBe(10n);
    expect(counter(replies[1])).toBe(15n);
    expect(replies[2]?.status).toBe(0x01);
  });

  it('with -B binary, closes a connection that sends text', async () => {
    const [, c] = await setup({ bindingProtocol: 'binary' });
    c.send('version\r\nversion\r\nversion\r\n');
    expect(await c.untilClosed()).toBe('');
  });

  it('with -B ascii, reads binary bytes as text and closes after 2048 bytes without a newline', async () => {
    const [, c] = await setup({ bindingProtocol: 'ascii' });
    c.send(binStore(OP.SET, 'k', 'v'.repeat(3000)));
    expect(await c.untilClosed()).toBe('');
    const text = await RawClient.open(servers[0]!.port);
    clients.push(text);
    expect(await text.request('get k\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it("answers a key over 250 bytes with EINVAL, but closes silently once header and key outgrow memcached's 16 KB read buffer", async () => {
    const [, c] = await setup();
    c.send(bin(OP.GET, { key: 'k'.repeat(16_360) }));
    const reply = packets(await c.untilClosed());
    expect(reply.map((p) => [p.status, p.value])).toEqual([[0x04, 'Invalid arguments']]);
    const big = await RawClient.open(servers[0]!.port);
    clients.push(big);
    big.send(bin(OP.GET, { key: 'k'.repeat(16_361) }));
    expect(await big.untilClosed()).toBe('');
  });

  it('reports the protocol in stats settings', async () => {
    const [, c] = await setup({ bindingProtocol: 'binary' });
    const replies = await exchange(c, bin(OP.STAT, { key: 'settings' }));
    const stat = replies.find((p) => p.key === 'binding_protocol');
    expect(stat?.value).toBe('binary');
  });
});

describe('SASL (-S)', () => {
  const sasl = { username: 'app', password: 's3cret' };
  const plain = (user: string, pass: string) =>
    bin(OP.SASL_AUTH, { key: 'PLAIN', value: `\0${user}\0${pass}` });

  it('refuses commands before authentication with an auth error and closes', async () => {
    const [, c] = await setup({ sasl });
    c.send(bin(OP.GET, { key: 'k' }));
    const reply = packets(await c.untilClosed());
    expect(reply.map((p) => [p.status, p.value])).toEqual([[0x20, 'Auth failure.']]);
  });

  it('lists PLAIN, answers VERSION, refuses bad credentials, then accepts good ones', async () => {
    const [server, c] = await setup({ sasl });
    const replies = await exchange(
      c,
      bin(OP.SASL_LIST_MECHS) +
        bin(OP.VERSION) +
        plain('app', 'wrong') +
        plain('app', 's3cret') +
        binStore(OP.SET, 'k', 'v') +
        bin(OP.GET, { key: 'k' }),
    );
    expect(replies.map((p) => [p.status, p.value])).toEqual([
      [0, 'PLAIN'],
      [0, '1.6.18'],
      [0x20, 'Auth failure.'],
      [0, 'Authenticated'],
      [0, ''],
      [0, 'v'],
    ]);
    expect(server.stats()).toMatchObject({ auth_cmds: 2, auth_errors: 1 });
  });

  it('serves binary only: a text request closes the connection', async () => {
    const [, c] = await setup({ sasl });
    c.send('get k\r\nget k\r\nget k\r\nget k\r\n');
    expect(await c.untilClosed()).toBe('');
  });

  it('refuses options that would allow text with SASL', async () => {
    await expect(startServer({ sasl, bindingProtocol: 'auto' })).rejects.toThrow(/bindingProtocol/);
  });
});

describe('ASCII authentication (-Y)', () => {
  const asciiAuth = [
    { username: 'user', password: 'pw' },
    { username: 'other', password: 'two words' },
  ];

  it('answers every command with "unauthenticated" until the auth set', async () => {
    const [server, c] = await setup({ asciiAuth });
    expect(await c.request('get k\r\n')).toBe('CLIENT_ERROR unauthenticated\r\n');
    expect(await c.request('set a 0 0 8\r\nuser bad\r\n')).toBe(
      'CLIENT_ERROR authentication failure\r\n',
    );
    expect(await c.request('set a 0 0 4\r\nuser\r\n')).toBe(
      'CLIENT_ERROR bad authentication token format\r\n',
    );
    expect(await c.request('set a 0 0 7\r\nuser pwXX')).toBe(
      'CLIENT_ERROR bad command line termination\r\n',
    );
    expect(await c.request('set anything 0 0 7\r\nuser pw\r\n')).toBe('STORED\r\n');
    expect(await c.request('set k 0 0 1\r\nv\r\nget k\r\n', 'END\r\n')).toBe(
      'STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n',
    );
    expect(server.stats()).toMatchObject({ auth_cmds: 2, auth_errors: 1 });
  });

  it('reads memcached auth files', () => {
    expect(parseAuthFile('a:b\nc:d:e\r\n')).toEqual([
      { username: 'a', password: 'b' },
      { username: 'c', password: 'd:e' },
    ]);
    expect(() => parseAuthFile('a:b\nnocolon\n')).toThrow(/line 2/);
    // memcached keeps the first eight entries.
    const many = Array.from({ length: 10 }, (_, i) => `u${i}:p${i}`).join('\n');
    expect(parseAuthFile(many).map((c) => c.username)).toEqual(
      Array.from({ length: 8 }, (_, i) => `u${i}`),
    );
  });
});
