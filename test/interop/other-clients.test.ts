import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MemcachedClient, MemcachedSerializationError } from '@memkit/core';
import { MemcacheClient } from 'memcache-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestMemcached } from '../support/memcached-backends.js';

// A shared cache: values written by the clients memkit's users migrate from or share a fleet
// with must read back as the same value in memkit, and memkit's (with the matching
// `serializer`) in them. Each pair runs on the in-process server and on a real memcached.

/** The 3rd-Eden `memcached` package (CommonJS, untyped): the calls used here. */
interface ThirdEden {
  set(key: string, value: unknown, lifetime: number, cb: (err: unknown) => void): void;
  get(key: string, cb: (err: unknown, data: unknown) => void): void;
  end(): void;
}
const ThirdEdenClient = createRequire(import.meta.url)('memcached') as new (
  servers: string,
  options: Record<string, unknown>,
) => ThirdEden;

const PEER = fileURLToPath(new URL('./pymemcache-peer.py', import.meta.url));
/** Debian's python3 (where python3-pymemcache lives), ahead of any other python3 on PATH. */
const PYTHON = ['/usr/bin/python3', 'python3'].find((bin) => {
  try {
    execFileSync(bin, ['-c', 'import pymemcache'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
if (PYTHON === undefined && process.env.CI) {
  throw new Error('python3-pymemcache is required under CI=true but is not installed');
}

type PyOp =
  | { op: 'set'; key: string; type: 'str' | 'int' | 'bytes' | 'json-text' | 'pickle'; v: unknown }
  | { op: 'get'; key: string };
interface PyValue {
  type: string;
  v: unknown;
}

/** Runs pymemcache (pickle_serde, its python-memcached convention) in a python3 child. */
function pymemcache(port: number, ops: PyOp[]): Promise<PyValue[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON as string,
      [PEER, String(port)],
      { timeout: 20_000 },
      (err, out) => {
        if (err) reject(err);
        else resolve(JSON.parse(out) as PyValue[]);
      },
    );
    child.stdin?.end(JSON.stringify(ops));
  });
}

const TEXT = 'hello';
const UNICODE = 'clé 😀 ключ 名前';
const OBJECT = { a: 1, b: [true, null, 'x'], c: { d: 'é' } };
// Not valid UTF-8, with CR LF and an END inside: raw bytes must survive as bytes.
const BYTES = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x45, 0x4e, 0x44, 0xfe, 0x01]);

describe.each(BACKENDS)('values other clients read, on the $name', ({ available, start }) => {
  if (!available) return;
  let server: TestMemcached;
  let port: number;
  let n = 0;
  const key = (name: string) => `interop:${name}:${++n}`;
  beforeAll(async () => {
    server = await start();
    port = Number(server.address.split(':')[1]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  describe.runIf(PYTHON !== undefined)('pymemcache', () => {
    it('memkit reads strings, integers, bytes and JSON text pymemcache wrote', async () => {
      const k = [key('s'), key('u'), key('i'), key('neg'), key('b'), key('j')];
      await pymemcache(port, [
        { op: 'set', key: k[0] as string, type: 'str', v: TEXT },
        { op: 'set', key: k[1] as string, type: 'str', v: UNICODE },
        { op: 'set', key: k[2] as string, type: 'int', v: '42' },
        { op: 'set', key: k[3] as string, type: 'int', v: '-7' },
        { op: 'set', key: k[4] as string, type: 'bytes', v: BYTES.toString('hex') },
        { op: 'set', key: k[5] as string, type: 'json-text', v: OBJECT },
      ]);
      // The default serializer already reads pymemcache's text (16), int (2) and bytes (0)...
      const plain = new MemcachedClient(server.address);
      const py = new MemcachedClient(server.address, { serializer: 'pymemcache' });
      try {
        for (const client of [plain, py]) {
          expect(await client.get(k[0] as string)).toBe(TEXT);
          expect(await client.get(k[1] as string)).toBe(UNICODE);
          expect(await client.get(k[2] as string)).toBe(42);
          expect(await client.get(k[3] as string)).toBe(-7);
          expect(await client.get(k[4] as string)).toEqual(BYTES);
          expect(JSON.parse((await client.get(k[5] as string)) as string)).toEqual(OBJECT);
        }
        // ...and a whole multi-get of them decodes the same way.
        const many = await py.getMulti(k);
        expect(many.get(k[1] as string)).toBe(UNICODE);
        expect(many.get(k[2] as string)).toBe(42);
      } finally {
        await plain.close();
        await py.close();
      }
    });

    it('a value pymemcache pickled is a typed error in memkit, not garbage', async () => {
      const k = key('pickle');
      await pymemcache(port, [{ op: 'set', key: k, type: 'pickle', v: OBJECT }]);
      const client = new MemcachedClient(server.address, { serializer: 'pymemcache' });
      try {
        await expect(client.get(k)).rejects.toBeInstanceOf(MemcachedSerializationError);
      } finally {
        await client.close();
      }
    });

    it('pymemcache reads what memkit wrote with serializer "pymemcache"', async () => {
      const client = new MemcachedClient(server.address, { serializer: 'pymemcache' });
      const k = [key('s'), key('u'), key('i'), key('b'), key('j')];
      try {
        await client.set(k[0] as string, TEXT);
        await client.set(k[1] as string, UNICODE);
        await client.set(k[2] as string, 42);
        await client.set(k[3] as string, BYTES);
        await client.set(k[4] as string, OBJECT);
        // memkit itself reads them back as the values that went in.
        expect(await client.get(k[4] as string)).toEqual(OBJECT);
        expect(await client.get(k[2] as string)).toBe(42);
      } finally {
        await client.close();
      }
      const got = await pymemcache(
        port,
        k.map((x) => ({ op: 'get', key: x })),
      );
      expect(got).toEqual([
        { type: 'str', v: TEXT },
        { type: 'str', v: UNICODE },
        { type: 'int', v: '42' },
        { type: 'bytes', v: BYTES.toString('hex') },
        // pymemcache has no JSON type: an object arrives as its JSON text.
        { type: 'str', v: JSON.stringify(OBJECT) },
      ]);
    });

    it('pymemcache reads memkit default strings and bytes (flags 0)', async () => {
      const client = new MemcachedClient(server.address);
      const k = [key('s'), key('b')];
      try {
        await client.set(k[0] as string, UNICODE);
        await client.set(k[1] as string, BYTES);
      } finally {
        await client.close();
      }
      const got = await pymemcache(
        port,
        k.map((x) => ({ op: 'get', key: x })),
      );
      expect(got).toEqual([
        { type: 'bytes', v: Buffer.from(UNICODE).toString('hex') },
        { type: 'bytes', v: BYTES.toString('hex') },
      ]);
    });
  });

  describe('memcached (3rd-Eden)', () => {
    const thirdEden = () => new ThirdEdenClient(server.address, { retries: 0, timeout: 2000 });
    const set = (c: ThirdEden, k: string, v: unknown) =>
      new Promise<void>((resolve, reject) => c.set(k, v, 0, (e) => (e ? reject(e) : resolve())));
    const get = (c: ThirdEden, k: string) =>
      new Promise<unknown>((resolve, reject) => c.get(k, (e, d) => (e ? reject(e) : resolve(d))));

    it('memkit reads strings, numbers, JSON and binary the memcached package wrote', async () => {
      const peer = thirdEden();
      const k = [key('s'), key('u'), key('i'), key('j'), key('b')];
      // The package sends a Buffer as a latin1 string but counts its bytes as UTF-8: only
      // ASCII survives it; it escapes CR and LF with a backslash, which memkit undoes.
      const ascii = Buffer.from('bytes\r\nEND\r\n');
      try {
        await set(peer, k[0] as string, TEXT);
        await set(peer, k[1] as string, UNICODE);
        await set(peer, k[2] as string, 42);
        await set(peer, k[3] as string, OBJECT);
        await set(peer, k[4] as string, ascii);
      } finally {
        peer.end();
      }
      {
        const client = new MemcachedClient(server.address, { serializer: 'memcached' });
        try {
          expect(await client.get(k[0] as string)).toBe(TEXT);
          expect(await client.get(k[1] as string)).toBe(UNICODE);
          expect(await client.get(k[2] as string)).toBe(42);
          expect(await client.get(k[3] as string)).toEqual(OBJECT);
          expect(await client.get(k[4] as string)).toEqual(ascii);
        } finally {
          await client.close();
        }
      }
    });

    it('the memcached package reads what memkit wrote with serializer "memcached"', async () => {
      const client = new MemcachedClient(server.address, { serializer: 'memcached' });
      const k = [key('s'), key('u'), key('i'), key('j'), key('b'), key('nl')];
      const ascii = Buffer.from('plain\r\nbytes');
      try {
        await client.set(k[0] as string, TEXT);
        await client.set(k[1] as string, UNICODE);
        await client.set(k[2] as string, 42);
        await client.set(k[3] as string, OBJECT);
        await client.set(k[4] as string, ascii);
        await client.set(k[5] as string, 'two\r\nlines\\\n');
        expect(await client.get(k[5] as string)).toBe('two\r\nlines\\\n');
      } finally {
        await client.close();
      }
      const peer = thirdEden();
      try {
        expect(await get(peer, k[0] as string)).toBe(TEXT);
        expect(await get(peer, k[1] as string)).toBe(UNICODE);
        expect(await get(peer, k[2] as string)).toBe(42);
        expect(await get(peer, k[3] as string)).toEqual(OBJECT);
        expect(await get(peer, k[4] as string)).toEqual(ascii);
        expect(await get(peer, k[5] as string)).toBe('two\r\nlines\\\n');
      } finally {
        peer.end();
      }
    });
  });

  describe('memcache-client', () => {
    const peer = () => new MemcacheClient({ server: server.address, cmdTimeout: 2000 });

    it('memkit reads strings, numbers, JSON and binary memcache-client wrote', async () => {
      const mc = peer();
      const k = [key('s'), key('u'), key('i'), key('j'), key('b')];
      try {
        await mc.set(k[0] as string, TEXT);
        await mc.set(k[1] as string, UNICODE);
        await mc.set(k[2] as string, 42);
        await mc.set(k[3] as string, OBJECT);
        await mc.set(k[4] as string, BYTES);
      } finally {
        mc.shutdown();
      }
      const client = new MemcachedClient(server.address, { serializer: 'memcache-client' });
      try {
        expect(await client.get(k[0] as string)).toBe(TEXT);
        expect(await client.get(k[1] as string)).toBe(UNICODE);
        expect(await client.get(k[2] as string)).toBe(42);
        expect(await client.get(k[3] as string)).toEqual(OBJECT);
        expect(await client.get(k[4] as string)).toEqual(BYTES);
      } finally {
        await client.close();
      }
    });

    it('memcache-client reads what memkit wrote with serializer "memcache-client"', async () => {
      const client = new MemcachedClient(server.address, { serializer: 'memcache-client' });
      const k = [key('s'), key('u'), key('i'), key('j'), key('b')];
      try {
        await client.set(k[0] as string, TEXT);
        await client.set(k[1] as string, UNICODE);
        await client.set(k[2] as string, 42);
        await client.set(k[3] as string, OBJECT);
        await client.set(k[4] as string, BYTES);
      } finally {
        await client.close();
      }
      const mc = peer();
      try {
        expect((await mc.get<string>(k[0] as string)).value).toBe(TEXT);
        expect((await mc.get<string>(k[1] as string)).value).toBe(UNICODE);
        expect((await mc.get<number>(k[2] as string)).value).toBe(42);
        expect((await mc.get<object>(k[3] as string)).value).toEqual(OBJECT);
        expect((await mc.get<Buffer>(k[4] as string)).value).toEqual(BYTES);
      } finally {
        mc.shutdown();
      }
    });

    it('memcache-client reads memkit default strings (flags 0) without a compressor', async () => {
      const client = new MemcachedClient(server.address);
      const k = key('s');
      try {
        await client.set(k, UNICODE);
      } finally {
        await client.close();
      }
      const mc = peer();
      try {
        expect((await mc.get<string>(k)).value).toBe(UNICODE);
      } finally {
        mc.shutdown();
      }
    });
  });
});
