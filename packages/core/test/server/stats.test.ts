import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  privateLoopback,
  requireBinary,
  startRealMemcached,
} from '../../../../test/support/memcached.js';
import { type MemcachedServer, startServer } from '../../src/index.js';
import { RawClient } from './raw-client.js';

/** Parses `STAT name value` lines into ordered pairs. */
function parse(text: string): Array<[string, string]> {
  return text
    .split('\r\n')
    .filter((l) => l.startsWith('STAT '))
    .map((l) => {
      const [, name, ...rest] = l.split(' ');
      return [name!, rest.join(' ')];
    });
}

const WORKLOAD =
  'set a 0 0 1\r\nx\r\nset bb 5 0 3\r\nxyz\r\nget a\r\nget nope\r\nincr a 1\r\ndelete bb\r\ndelete bb\r\ntouch a 100\r\n';

describe('stats', () => {
  let server: MemcachedServer;
  let c: RawClient;
  beforeAll(async () => {
    server = await startServer();
    c = await RawClient.open(server.port);
  });
  afterAll(async () => {
    c.close();
    await server.close();
  });

  it('counts commands, hits and misses with memcached names', async () => {
    c.send(WORKLOAD);
    await c.readUntil('TOUCHED\r\n');
    const s = server.stats();
    expect(s).toMatchObject({
      cmd_get: 2,
      cmd_set: 2,
      get_hits: 1,
      get_misses: 1,
      incr_misses: 0,
      delete_hits: 1,
      delete_misses: 1,
      touch_hits: 1,
      curr_items: 1,
      total_items: 2,
      version: '1.6.18',
      limit_maxbytes: 64 * 1024 * 1024,
      max_connections: 1024,
      curr_connections: 1,
    });
    // a (1-byte key, flags 0, 1-byte value): 48 + 1 + 1 + 1 + 2 + 8 (cas) = 61, as memcached.
    expect(s.bytes).toBe(61);
  });

  it('stats reset zeroes counters but keeps items', async () => {
    expect(await c.request('stats reset\r\n')).toBe('RESET\r\n');
    const s = server.stats();
    expect(s.cmd_get).toBe(0);
    expect(s.curr_items).toBe(1);
  });

  it('stats detail counts per key prefix and dumps in memcached order', async () => {
    expect(await c.request('stats detail on\r\n')).toBe('OK\r\n');
    c.send('set a:1 0 0 1\r\nv\r\nget a:1 a:2 b:1 nodelim\r\nset b:2 0 0 1\r\nx\r\ndelete a:1\r\n');
    await c.readUntil('DELETED\r\n');
    expect(await c.request('stats detail off\r\n')).toBe('OK\r\n');
    await c.request('get a:9\r\n', 'END\r\n');
    // Keys without ':' are not counted; `off` stops counting but keeps the numbers.
    expect(await c.request('stats detail dump\r\n', 'END\r\n')).toBe(
      'PREFIX b get 1 hit 0 set 1 del 0\r\nPREFIX a get 2 hit 1 set 1 del 1\r\nEND\r\n',
    );
    expect(await c.request('stats reset\r\n')).toBe('RESET\r\n');
    expect(await c.request('stats detail dump\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('answers stats detail and unknown sub-commands as memcached does', async () => {
    expect(await c.request('stats detail\r\n')).toBe(
      'CLIENT_ERROR usage: stats detail on|off|dump\r\n',
    );
    expect(await c.request('stats nonsense\r\n')).toBe('ERROR\r\n');
    expect(await c.request('stats sizes\r\n', 'END\r\n')).toBe(
      'STAT sizes_status disabled\r\nEND\r\n',
    );
  });
});

describe.skipIf(!requireBinary('memcached'))('stats against the real memcached 1.6.18', () => {
  it('prints the same names in the same order, and the same item numbers', async () => {
    // Both on an address of their own: the comparison needs to see this test's traffic only (a
    // client another test left reconnecting to a port one of these reuses cannot reach them).
    const host = privateLoopback();
    const real = await startRealMemcached([], { host });
    const mine = await startServer({ host, port: 0 });
    try {
      const query = ['stats\r\n', 'stats settings\r\n', 'stats items\r\n', 'stats slabs\r\n'];
      const run = async (port: number) => {
        const c = await RawClient.open(port, host);
        c.send(WORKLOAD);
        await c.readUntil('TOUCHED\r\n');
        const out: Array<Array<[string, string]>> = [];
        for (const q of query) out.push(parse(await c.request(q, 'END\r\n')));
        c.close();
        return out;
      };
      const [theirs, ours] = [await run(real.port), await run(mine.port)];
      for (let i = 0; i < 4; i++) {
        expect(ours[i]!.map(([k]) => k)).toEqual(theirs[i]!.map(([k]) => k));
      }
      const pick = (pairs: Array<[string, string]>, names: string[]) =>
        Object.fromEntries(pairs.filter(([k]) => names.includes(k)));
      const same = [
        'cmd_get',
        'cmd_set',
        'get_hits',
        'get_misses',
        'delete_hits',
        'delete_misses',
        'incr_hits',
        'touch_hits',
        'bytes',
        'curr_items',
        'total_items',
        'limit_maxbytes',
      ];
      expect(pick(ours[0]!, same)).toEqual(pick(theirs[0]!, same));
      expect(pick(ours[2]!, ['items:1:number', 'items:1:mem_requested'])).toEqual(
        pick(theirs[2]!, ['items:1:number', 'items:1:mem_requested']),
      );
    } finally {
      await mine.close();
      await real.stop();
    }
  });
});

describe('binding_protocol', () => {
  it('says which protocols the server was started to serve (memcached -B)', async () => {
    for (const [bindingProtocol, shown] of [
      [undefined, 'auto-negotiate'],
      ['auto', 'auto-negotiate'],
      ['ascii', 'ascii'],
      // 'binary' refuses text: binary.test.ts reads it through a binary STAT.
    ] as const) {
      const server = await startServer(bindingProtocol === undefined ? {} : { bindingProtocol });
      try {
        const c = await RawClient.open(server.port);
        const settings = await c.request('stats settings\r\n', 'END\r\n');
        c.close();
        expect(settings).toContain(`STAT binding_protocol ${shown}\r\n`);
      } finally {
        await server.close();
      }
    }
  });

  it('rejects an unknown protocol', async () => {
    await expect(startServer({ bindingProtocol: 'udp' as 'auto' })).rejects.toThrow(
      /Invalid option "bindingProtocol"/,
    );
  });
});
