import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/server/index.js';
import { RawConnection } from './meta-socket.js';

// Behaviour of the meta commands that depends on time or is what the middleware builds on.
// The wall clock is frozen (only Date is faked; sockets use real timers) so the server's
// clock moves only through advanceClock and TTL replies are exact.

let server: MemcachedServer;
let conn: RawConnection;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  server = await startServer();
  conn = await RawConnection.open(server.port);
});

afterEach(async () => {
  conn.close();
  await server.close();
  vi.useRealTimers();
});

const x = (request: string) => conn.exchange(request);

describe('mg', () => {
  it('returns value, size, flags, cas, ttl, key and opaque in the order asked', async () => {
    expect(await x('ms foo 5 F42 T30 c\r\nhello\r\n')).toBe('HD c1\r\n');
    expect(await x('mg foo O9 k t f c s v\r\n')).toBe('VA 5 O9 kfoo t30 f42 c1 s5\r\nhello\r\n');
    expect(await x('mg foo\r\n')).toBe('HD\r\n');
    expect(await x('mg missing v k O1\r\n')).toBe('EN kmissing O1\r\n');
  });

  it('counts down the remaining TTL and misses once it is over', async () => {
    await x('ms foo 1 T30\r\na\r\n');
    server.advanceClock(10);
    expect(await x('mg foo t\r\n')).toBe('HD t20\r\n');
    expect(await x('mg bar t\r\n')).toBe('EN\r\n');
    await x('ms bar 1\r\nb\r\n');
    expect(await x('mg bar t\r\n')).toBe('HD t-1\r\n');
    server.advanceClock(20);
    expect(await x('mg foo t v\r\n')).toBe('EN\r\n');
    expect(server.stats().get_expired).toBe(1);
  });

  it('T sets a new TTL and counts as a touch', async () => {
    await x('ms foo 1 T30\r\na\r\n');
    expect(await x('mg foo T100 t\r\n')).toBe('HD t100\r\n');
    expect(await x('mg foo t T5\r\n')).toBe('HD t100\r\n');
    expect(await x('mg foo t\r\n')).toBe('HD t5\r\n');
    expect(await x('mg nope T100\r\n')).toBe('EN\r\n');
    const s = server.stats();
    expect([s.cmd_touch, s.touch_hits, s.cmd_get, s.get_hits, s.get_misses]).toEqual([
      2, 2, 2, 1, 1,
    ]);
  });

  it('h and l report the state before this fetch, u leaves it untouched', async () => {
    await x('ms foo 1\r\na\r\n');
    expect(await x('mg foo h l u\r\n')).toBe('HD h0 l0\r\n');
    server.advanceClock(5);
    expect(await x('mg foo h l\r\n')).toBe('HD h0 l5\r\n');
    server.advanceClock(3);
    // The second fetch made the item active and refreshed its access time.
    expect(await x('mg foo h l\r\n')).toBe('HD h1 l8\r\n');
    server.advanceClock(2);
    expect(await x('mg foo h l\r\n')).toBe('HD h1 l2\r\n');
  });

  it('q hides misses but not hits, and mn marks the end of a quiet pipeline', async () => {
    await x('ms b 1\r\n2\r\n');
    conn.send('mg a v q k\r\nmg b v q k\r\nmg c v q k\r\nmn\r\n');
    expect(await conn.readUntil('MN\r\n')).toBe('VA 1 kb\r\n2\r\nMN\r\n');
  });

  it('keeps the connection usable after every kind of error', async () => {
    expect(await x(`mg ${'k'.repeat(251)} v\r\n`)).toBe('CLIENT_ERROR bad command line format\r\n');
    expect(await x('mg foo v v\r\n')).toBe('CLIENT_ERROR duplicate flag\r\n');
    expect(await x('mg foo !\r\n')).toBe('CLIENT_ERROR invalid flag\r\n');
    expect(await x(`mg foo O${'9'.repeat(32)} q\r\n`)).toBe(
      'CLIENT_ERROR opaque token too long\r\n',
    );
    expect(await x('mg foo T1x\r\n')).toBe('CLIENT_ERROR bad token in command line format\r\n');
    expect(await x('mg foo v\r\n')).toBe('EN\r\n');
  });
});

describe('stampede protection', () => {
  it('hands one win token per miss, serves stale after md I, and a CAS set clears it', async () => {
    // First caller misses: the placeholder is created and this caller wins the recache.
    expect(await x('mg k N30 s t c v\r\n')).toBe('VA 0 s0 t30 c1 W\r\n\r\n');
    // Everyone else sees that a token is out.
    expect(await x('mg k N30 s t c v\r\n')).toBe('VA 0 s0 t30 c1 Z\r\n\r\n');
    // The winner stores the real value with the CAS it was given.
    expect(await x('ms k 3 T60 C1\r\nabc\r\n')).toBe('HD\r\n');
    expect(await x('mg k N30 s t c v\r\n')).toBe('VA 3 s3 t60 c2\r\nabc\r\n');

    // Invalidation marks it stale instead of deleting: one new winner, the rest get X Z.
    expect(await x('md k I T30\r\n')).toBe('HD\r\n');
    expect(await x('mg k s t c v\r\n')).toBe('VA 3 s3 t30 c3 X W\r\nabc\r\n');
    expect(await x('mg k s t c v\r\n')).toBe('VA 3 s3 t30 c3 Z X\r\nabc\r\n');
    // A late writer with an older CAS may still store, but the value stays stale.
    expect(await x('ms k 3 C2 I\r\nold\r\n')).toBe('HD\r\n');
    expect(await x('mg k c v\r\n')).toBe('VA 3 c4 Z X\r\nold\r\n');
    // The winner's CAS set replaces the stale item with a fresh one.
    expect(await x('ms k 3 T60 C4\r\nnew\r\n')).toBe('HD\r\n');
    expect(await x('mg k t c v\r\n')).toBe('VA 3 t60 c5\r\nnew\r\n');
  });

  it('a vivified placeholder that expires hands out a new win', async () => {
    expect(await x('mg k N10 t\r\n')).toBe('HD t10 W\r\n');
    expect(await x('mg k N10\r\n')).toBe('HD Z\r\n');
    server.advanceClock(10);
    expect(await x('mg k N10 t\r\n')).toBe('HD t10 W\r\n');
  });

  it('R wins a recache once the remaining TTL drops below the threshold, once', async () => {
    await x('ms k 1 T100\r\nv\r\n');
    expect(await x('mg k R30 t\r\n')).toBe('HD t100\r\n');
    server.advanceClock(75);
    expect(await x('mg k R30 t\r\n')).toBe('HD t25 W\r\n');
    expect(await x('mg k R30 t\r\n')).toBe('HD t25 Z\r\n');
    // Items without a TTL never trigger a recache.
    await x('ms forever 1\r\nv\r\n');
    expect(await x('mg forever R30\r\n')).toBe('HD\r\n');
  });
});

describe('ma', () => {
  it('creates a counter with N/J/T in one round trip and expires it', async () => {
    expect(await x('ma rl N60 J1 v t\r\n')).toBe('VA 1 t60\r\n1\r\n');
    expect(await x('ma rl N60 J1 v t\r\n')).toBe('VA 1 t60\r\n2\r\n');
    server.advanceClock(30);
    expect(await x('ma rl N60 J1 D5 v t\r\n')).toBe('VA 1 t30\r\n7\r\n');
    server.advanceClock(30);
    expect(await x('ma rl N60 J1 v t\r\n')).toBe('VA 1 t60\r\n1\r\n');
  });

  it('decrements without going below zero, pads in place, and wraps increments at 2^64', async () => {
    await x('ms n 2\r\n10\r\n');
    expect(await x('ma n MD v\r\n')).toBe('VA 1\r\n9\r\n');
    expect(await x('mg n v\r\n')).toBe('VA 2\r\n9 \r\n');
    expect(await x('ma n M- D100 v\r\n')).toBe('VA 1\r\n0\r\n');
    expect(await x('ma n D18446744073709551615 v\r\n')).toBe('VA 20\r\n18446744073709551615\r\n');
    expect(await x('ma n v\r\n')).toBe('VA 1\r\n0\r\n');
  });

  it('T changes the TTL of a counter updated in place; q hides only success', async () => {
    await x('ms n 2\r\n10\r\n');
    expect(await x('ma n T50 t v\r\n')).toBe('VA 2 t50\r\n11\r\n');
    expect(await x('mg n t\r\n')).toBe('HD t50\r\n');
    expect(await x('ma n q\r\n')).toBe('');
    expect(await x('ma missing q\r\n')).toBe('NF\r\n');
    expect(await x('ma n q C999\r\n')).toBe('EX\r\n');
    const s = server.stats();
    expect([s.incr_hits, s.incr_misses]).toEqual([2, 1]);
  });

  it('like memcached, loses a T given while the value grows into a new item', async () => {
    await x('ms n 1\r\n9\r\n');
    expect(await x('ma n T50 t c v\r\n')).toBe('VA 2 t50 c2\r\n10\r\n');
    expect(await x('mg n t c\r\n')).toBe('HD t-1 c2\r\n');
  });
});

describe('md', () => {
  it('deletes, honours C, and with I keeps the item stale under a new TTL', async () => {
    await x('ms a 1 T100\r\n1\r\n');
    expect(await x('md a C99 O1\r\n')).toBe('EX O1\r\n');
    expect(await x('md a I T20 q\r\n')).toBe('');
    expect(await x('mg a t c v\r\n')).toBe('VA 1 t20 c2 X W\r\n1\r\n');
    expect(await x('md a q\r\n')).toBe('');
    expect(await x('md a q k\r\n')).toBe('NF ka\r\n');
    const s = server.stats();
    expect([s.delete_hits, s.delete_misses]).toEqual([1, 2]);
  });
});

describe('me', () => {
  it('reports expiry, last access, fetched, slab class and size without bumping', async () => {
    await x('ms foo 2 T30 F7\r\nhi\r\n');
    server.advanceClock(4);
    expect(await x('me foo\r\n')).toBe('ME foo exp=-26 la=4 cas=1 fetch=no cls=1 size=68\r\n');
    expect(await x('mg foo\r\n')).toBe('HD\r\n');
    expect(await x('me foo\r\n')).toBe('ME foo exp=-26 la=4 cas=1 fetch=yes cls=1 size=68\r\n');
    expect(await x('ms Zm9v 200 b\r\n'.concat('x'.repeat(200), '\r\n'))).toBe('HD\r\n');
    expect(await x('me foo\r\n')).toBe('ME Zm9v exp=-1 la=0 cas=2 fetch=no cls=6 size=262\r\n');
    expect(await x('me nope\r\n')).toBe('EN\r\n');
    expect(server.stats().cmd_meta).toBe(4);
  });
});

describe('ms', () => {
  it('swallows the data block after an error and answers the next command', async () => {
    conn.send('ms foo 4 MX\r\nmg x\r\n');
    conn.send('mg foo v\r\n');
    expect(await conn.readUntil('EN\r\n')).toBe(
      'CLIENT_ERROR invalid mode for ms M token\r\nEN\r\n',
    );
  });

  it('answers a bad data chunk and reads what follows as a command', async () => {
    expect(await x('ms foo 2 q\r\nhello\r\n')).toBe('CLIENT_ERROR bad data chunk\r\nERROR\r\n');
    expect(server.stats().cmd_set).toBe(1);
  });

  it('T sets the TTL, invalid I without C is a plain set', async () => {
    expect(await x('ms foo 1 T10 I\r\na\r\n')).toBe('HD\r\n');
    expect(await x('mg foo t\r\n')).toBe('HD t10\r\n');
    expect(await x('ms foo 1 T-1\r\na\r\n')).toBe('HD\r\n');
    expect(await x('mg foo\r\n')).toBe('EN\r\n');
  });
});
