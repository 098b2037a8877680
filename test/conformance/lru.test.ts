import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../support/memcached.js';
import { startMemcachedTarget, startMemkitTarget, type Target } from './lib/targets.js';
import { request } from './lib/wire.js';

/**
 * Where items sit in the segmented LRU is decided by memcached's background maintainer thread
 * (HOT to COLD as they age), so these compare the state both servers settle in, polled with a
 * bound, rather than one script's replies: `stats cachedump` (the COLD LRU of one class) and
 * `lru_crawler metadump <class>`.
 */

const SMALL = ['a1', 'a2', 'a3', 'a4', 'a5'];
const LARGE = ['b1', 'b2', 'b3'];

async function fill(t: Target): Promise<void> {
  let cmds = '';
  for (const k of SMALL) cmds += `set ${k} 0 0 3\r\nabc\r\n`;
  for (const k of LARGE) cmds += `set ${k} 5 0 300\r\n${'v'.repeat(300)}\r\n`;
  await request(t.port, `${cmds}mn\r\n`, 'MN\r\n');
}

/** Slab class of a key, as `me` reports it. */
async function classOf(t: Target, key: string): Promise<number> {
  const me = await request(t.port, `me ${key}\r\n`, '\r\n');
  return Number(/cls=(\d+)/.exec(me)?.[1]);
}

/** Polls `stats cachedump` until it lists `count` keys; returns the reply. */
async function settledDump(t: Target, cls: number, count: number): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const dump = await request(t.port, `stats cachedump ${cls} 0\r\n`, 'END\r\n');
    if ((dump.match(/^ITEM /gm) ?? []).length >= count || Date.now() > deadline) return dump;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** metadump lines reduced to what does not depend on the clock or CAS numbering, sorted. */
function metadumpKeys(dump: string): string[] {
  return dump
    .split('\n')
    .filter((l) => l.startsWith('key='))
    .map((l) => l.replace(/ exp=\S+ la=\S+ cas=\S+/, ''))
    .sort();
}

describe.skipIf(!requireBinary('memcached'))('segmented LRU views match memcached 1.6.18', () => {
  let real: Target | undefined;
  let ours: Target | undefined;
  beforeAll(async () => {
    [real, ours] = await Promise.all([startMemcachedTarget(), startMemkitTarget()]);
    await Promise.all([fill(real), fill(ours)]);
  });
  afterAll(async () => {
    await Promise.all([real?.stop(), ours?.stop()]);
  });

  it('stats cachedump lists the keys of a class once they reach COLD, newest first', async () => {
    for (const [key, count] of [
      ['a1', SMALL.length],
      ['b1', LARGE.length],
    ] as const) {
      const cls = await classOf(real!, key);
      expect(await classOf(ours!, key)).toBe(cls);
      const [expected, received] = await Promise.all([
        settledDump(real!, cls, count),
        settledDump(ours!, cls, count),
      ]);
      expect(expected.match(/^ITEM /gm)).toHaveLength(count);
      expect(received).toBe(expected);
      // A limit shows the first n.
      const [limited, ourLimited] = await Promise.all([
        request(real!.port, `stats cachedump ${cls} 2\r\n`, 'END\r\n'),
        request(ours!.port, `stats cachedump ${cls} 2\r\n`, 'END\r\n'),
      ]);
      expect(ourLimited).toBe(limited);
    }
  }, 60_000);

  it('lru_crawler metadump <class> dumps only that class', async () => {
    const small = await classOf(real!, 'a1');
    const large = await classOf(real!, 'b1');
    for (const arg of [String(small), String(large), `${small},${large}`, 'all']) {
      const [expected, received] = await Promise.all([
        request(real!.port, `lru_crawler metadump ${arg}\r\n`, 'END\r\n'),
        request(ours!.port, `lru_crawler metadump ${arg}\r\n`, 'END\r\n'),
      ]);
      expect(metadumpKeys(received)).toEqual(metadumpKeys(expected));
    }
    const onlySmall = metadumpKeys(
      await request(ours!.port, `lru_crawler metadump ${small}\r\n`, 'END\r\n'),
    );
    expect(onlySmall.map((l) => /key=(\S+)/.exec(l)?.[1])).toEqual(SMALL);
  });
});
