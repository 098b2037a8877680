import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/index.js';
import { RawClient } from './raw-client.js';

let server: MemcachedServer;
let c: RawClient;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  c = await RawClient.open(server.port);
  await c.request('flush_all\r\n');
});
afterEach(() => c.close());

describe('storage commands', () => {
  it('set then get returns the value with its flags', async () => {
    expect(await c.request('set k 42 0 5\r\nhello\r\n')).toBe('STORED\r\n');
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('VALUE k 42 5\r\nhello\r\nEND\r\n');
  });

  it('stores binary-safe values, including \\r\\n inside the data', async () => {
    const value = Buffer.from([0, 13, 10, 255, 1, 13, 10]);
    c.send(Buffer.concat([Buffer.from('set bin 0 0 7\r\n'), value, Buffer.from('\r\n')]));
    expect(await c.readUntil('\r\n')).toBe('STORED\r\n');
    const got = await c.request('get bin\r\n', 'END\r\n');
    expect(Buffer.from(got, 'latin1').subarray(15, 22)).toEqual(value);
  });

  it('add only stores a missing key, replace only an existing one', async () => {
    expect(await c.request('add k 0 0 1\r\na\r\n')).toBe('STORED\r\n');
    expect(await c.request('add k 0 0 1\r\nb\r\n')).toBe('NOT_STORED\r\n');
    expect(await c.request('replace nope 0 0 1\r\nb\r\n')).toBe('NOT_STORED\r\n');
    expect(await c.request('replace k 0 0 1\r\nc\r\n')).toBe('STORED\r\n');
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('VALUE k 0 1\r\nc\r\nEND\r\n');
  });

  it('append and prepend keep the original flags', async () => {
    expect(await c.request('append k 0 0 1\r\nx\r\n')).toBe('NOT_STORED\r\n');
    await c.request('set k 7 0 2\r\nbb\r\n');
    expect(await c.request('append k 0 0 2\r\ncc\r\n')).toBe('STORED\r\n');
    expect(await c.request('prepend k 9 0 2\r\naa\r\n')).toBe('STORED\r\n');
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('VALUE k 7 6\r\naabbcc\r\nEND\r\n');
  });

  it('cas succeeds with the current unique and fails with a stale one', async () => {
    expect(await c.request('cas k 0 0 1 1\r\nx\r\n')).toBe('NOT_FOUND\r\n');
    await c.request('set k 0 0 1\r\na\r\n');
    const gets = await c.request('gets k\r\n', 'END\r\n');
    const unique = /VALUE k 0 1 (\d+)\r\n/.exec(gets)![1]!;
    expect(await c.request(`cas k 0 0 1 ${unique}\r\nb\r\n`)).toBe('STORED\r\n');
    expect(await c.request(`cas k 0 0 1 ${unique}\r\nc\r\n`)).toBe('EXISTS\r\n');
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('VALUE k 0 1\r\nb\r\nEND\r\n');
  });

  it('gives every stored item a different cas unique', async () => {
    await c.request('set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n', 'STORED\r\nSTORED\r\n');
    const out = await c.request('gets a b\r\n', 'END\r\n');
    const uniques = [...out.matchAll(/VALUE \w 0 1 (\d+)/g)].map((m) => m[1]);
    expect(uniques).toHaveLength(2);
    expect(uniques[0]).not.toBe(uniques[1]);
  });

  it('noreply suppresses the reply of storage commands', async () => {
    c.send('set k 0 0 1 noreply\r\nx\r\nadd k 0 0 1 noreply\r\ny\r\n');
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('VALUE k 0 1\r\nx\r\nEND\r\n');
  });

  it('answers CLIENT_ERROR bad data chunk when the block is not followed by \\r\\n', async () => {
    expect(await c.request('set k 0 0 1\r\nxyz\r\n', 'ERROR\r\n')).toBe(
      'CLIENT_ERROR bad data chunk\r\nERROR\r\n',
    );
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('rejects malformed storage lines with memcached error lines', async () => {
    expect(await c.request('set k 0 0\r\n')).toBe('ERROR\r\n');
    expect(await c.request('set k x 0 1\r\n')).toBe('CLIENT_ERROR bad command line format\r\n');
    expect(await c.request('set k 0 0 -1\r\n')).toBe('CLIENT_ERROR bad command line format\r\n');
    expect(await c.request('cas k 0 0 1 x\r\n')).toBe('CLIENT_ERROR bad command line format\r\n');
  });

  it('accepts 250-byte keys and rejects 251-byte keys', async () => {
    const k250 = 'k'.repeat(250);
    expect(await c.request(`set ${k250} 0 0 1\r\nx\r\n`)).toBe('STORED\r\n');
    expect(await c.request(`set ${'k'.repeat(251)} 0 0 1\r\n`)).toBe(
      'CLIENT_ERROR bad command line format\r\n',
    );
    expect(await c.request(`get a ${'k'.repeat(251)}\r\n`)).toBe(
      'CLIENT_ERROR bad command line format\r\n',
    );
  });

  it('a get failing on a long key drops the unsent replies memcached would drop', async () => {
    const bad = `get ${'k'.repeat(251)}\r\n`;
    // memcached transmits after every get, so an earlier get's reply survives...
    expect(await c.request(`get a\r\n${bad}`, 'format\r\n')).toBe(
      'END\r\nCLIENT_ERROR bad command line format\r\n',
    );
    // ...but replies of other commands queued in the same read are culled.
    expect(await c.request(`version\r\nset a 0 0 1\r\nx\r\n${bad}`, 'format\r\n')).toBe(
      'CLIENT_ERROR bad command line format\r\n',
    );
  });
});

describe('object too large for cache', () => {
  it('swallows the data block, answers SERVER_ERROR and removes the old value of a set', async () => {
    await c.request('set k 0 0 3\r\nold\r\n');
    const big = 'x'.repeat(1024 * 1024 + 1);
    expect(await c.request(`set k 0 0 ${big.length}\r\n${big}\r\n`)).toBe(
      'SERVER_ERROR object too large for cache\r\n',
    );
    // The swallowed block must not be parsed as commands, and the next command works.
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('END\r\n');
    expect(server.stats().store_too_large).toBe(1);
  });

  it('keeps the old value when an add is too large', async () => {
    await c.request('set k 0 0 3\r\nold\r\n');
    const big = 'x'.repeat(2 * 1024 * 1024);
    expect(await c.request(`add k 0 0 ${big.length}\r\n${big}\r\n`)).toBe(
      'SERVER_ERROR object too large for cache\r\n',
    );
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('VALUE k 0 3\r\nold\r\nEND\r\n');
  });
});

describe('retrieval', () => {
  it('multi-get returns hits in order and skips misses', async () => {
    await c.request('set a 0 0 1\r\n1\r\nset c 0 0 1\r\n3\r\n', 'STORED\r\nSTORED\r\n');
    expect(await c.request('get a b c\r\n', 'END\r\n')).toBe(
      'VALUE a 0 1\r\n1\r\nVALUE c 0 1\r\n3\r\nEND\r\n',
    );
  });

  it('gat and gats return the value and set a new exptime', async () => {
    await c.request('set k 0 0 1\r\nx\r\n');
    expect(await c.request('gat 10 k\r\n', 'END\r\n')).toBe('VALUE k 0 1\r\nx\r\nEND\r\n');
    expect(await c.request('gats 10 k\r\n', 'END\r\n')).toMatch(
      /^VALUE k 0 1 \d+\r\nx\r\nEND\r\n$/,
    );
    server.advanceClock(11);
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('END\r\n');
    expect(await c.request('gat x k\r\n')).toBe('CLIENT_ERROR invalid exptime argument\r\n');
  });

  it('accepts a multi-get line far longer than 2048 bytes', async () => {
    await c.request('set last 0 0 1\r\nz\r\n');
    const keys = Array.from({ length: 500 }, (_, i) => `key-number-${i}`).join(' ');
    expect(await c.request(`get ${keys} last\r\n`, 'END\r\n')).toBe(
      'VALUE last 0 1\r\nz\r\nEND\r\n',
    );
  });
});

describe('delete, touch, incr/decr', () => {
  it('delete removes and reports misses', async () => {
    await c.request('set k 0 0 1\r\nx\r\n');
    expect(await c.request('delete k\r\n')).toBe('DELETED\r\n');
    expect(await c.request('delete k\r\n')).toBe('NOT_FOUND\r\n');
    expect(await c.request('delete k 0\r\n')).toBe('NOT_FOUND\r\n');
    expect(await c.request('delete k 5\r\n')).toBe(
      'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n',
    );
  });

  it('touch sets a new exptime', async () => {
    expect(await c.request('touch k 10\r\n')).toBe('NOT_FOUND\r\n');
    await c.request('set k 0 0 1\r\nx\r\n');
    expect(await c.request('touch k 10\r\n')).toBe('TOUCHED\r\n');
    server.advanceClock(11);
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('incr wraps at 2^64 and decr stops at 0', async () => {
    await c.request('set n 0 0 20\r\n18446744073709551615\r\n');
    expect(await c.request('incr n 2\r\n')).toBe('1\r\n');
    expect(await c.request('decr n 5\r\n')).toBe('0\r\n');
    expect(await c.request('incr missing 1\r\n')).toBe('NOT_FOUND\r\n');
  });

  it('pads a shorter result with spaces in place, as memcached does', async () => {
    await c.request('set n 0 0 3\r\n100\r\n');
    expect(await c.request('decr n 95\r\n')).toBe('5\r\n');
    expect(await c.request('get n\r\n', 'END\r\n')).toBe('VALUE n 0 3\r\n5  \r\nEND\r\n');
    expect(await c.request('incr n 1000\r\n')).toBe('1005\r\n');
    expect(await c.request('get n\r\n', 'END\r\n')).toBe('VALUE n 0 4\r\n1005\r\nEND\r\n');
  });

  it('refuses to incr a non-numeric value or with a bad delta', async () => {
    await c.request('set k 0 0 3\r\nabc\r\n');
    expect(await c.request('incr k 1\r\n')).toBe(
      'CLIENT_ERROR cannot increment or decrement non-numeric value\r\n',
    );
    expect(await c.request('incr k x\r\n')).toBe('CLIENT_ERROR invalid numeric delta argument\r\n');
  });
});

describe('misc commands and malformed input', () => {
  it('answers version, verbosity and unknown commands', async () => {
    expect(await c.request('version\r\n')).toBe('VERSION 1.6.18\r\n');
    expect(await c.request('verbosity 1\r\n')).toBe('OK\r\n');
    expect(await c.request('bogus\r\n')).toBe('ERROR\r\n');
    expect(await c.request('\r\n')).toBe('ERROR\r\n');
    expect(await c.request('shutdown\r\n')).toBe('ERROR: shutdown not enabled\r\n');
    expect(await c.request('cache_memlimit 1\r\n')).toBe(
      'MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n',
    );
  });

  it('quit closes the connection without a reply', async () => {
    c.send('quit\r\n');
    expect(await c.untilClosed()).toBe('');
  });

  it('closes a connection that sends over 2048 bytes without a newline', async () => {
    c.send('x'.repeat(3000));
    expect(await c.untilClosed()).toBe('');
  });

  it('handles commands and data blocks split at every byte', async () => {
    const input = 'set k 0 0 5\r\nhello\r\nget k\r\n';
    for (const ch of input) {
      c.send(ch);
      await new Promise((r) => setImmediate(r));
    }
    expect(await c.readUntil('END\r\n')).toBe('STORED\r\nVALUE k 0 5\r\nhello\r\nEND\r\n');
  });

  it('flush_all empties the cache, and is refused when disabled', async () => {
    await c.request('set k 0 0 1\r\nx\r\n');
    expect(await c.request('flush_all\r\n')).toBe('OK\r\n');
    expect(await c.request('get k\r\n', 'END\r\n')).toBe('END\r\n');
    const locked = await startServer({ flushEnabled: false });
    const d = await RawClient.open(locked.port);
    expect(await d.request('flush_all\r\n')).toBe('CLIENT_ERROR flush_all not allowed\r\n');
    d.close();
    await locked.close();
  });
});
