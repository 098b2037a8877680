import { MemcachedClient, type MemcachedServer, startServer } from '@memkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTour, TOUR_STEPS } from '../src/index.js';

describe('hello-world tour', () => {
  let server: MemcachedServer;
  let client: MemcachedClient;
  let lines: string[];
  beforeAll(async () => {
    server = await startServer();
    client = new MemcachedClient(server.address);
    lines = [];
    await runTour(client, {
      print: (line) => lines.push(line),
      // The 2 s TTL expires on the server's clock, moved forward instead of slept through.
      wait: async (seconds) => server.advanceClock(seconds),
    });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('prints every step of the guide, in order, with its number', () => {
    const headings = lines.filter((l) => /^\d+\. /.test(l));
    expect(headings).toEqual(TOUR_STEPS.map((title, i) => `${i + 1}. ${title}`));
    expect(lines.at(-1)).toBe('Tour complete.');
  });

  it('shows set/get/delete results', () => {
    expect(lines).toContain(`  set('hello:greeting', 'Hello, memcached!') → true`);
    expect(lines).toContain(`  get('hello:greeting') → "Hello, memcached!"`);
    expect(lines).toContain(`  delete('hello:greeting') → true`);
    expect(lines).toContain(`  get('hello:greeting') → null (miss)`);
  });

  it('round-trips strings, numbers, lists and objects with their types', () => {
    const text = lines.join('\n');
    expect(text).toContain('hello:string: stored "memkit" → read back "memkit" (string)');
    expect(text).toContain('hello:number: stored 42.5 → read back 42.5 (number)');
    expect(text).toContain(
      'hello:list: stored ["get","set","delete"] → read back ["get","set","delete"] (array)',
    );
    expect(text).toContain('(object)');
  });

  it('shows the 2 s TTL item present, then expired', () => {
    expect(lines).toContain(
      `  set('hello:temporary', ..., { ttl: 2 }) → get: "here for 2 seconds"`,
    );
    expect(lines).toContain('  after 3 s → get: null (miss)');
  });

  it('counts with incr/decr and multi-gets the hits only', () => {
    expect(lines).toContain(`  incr('hello:visits', 1, { initial: 1 }) → 1`);
    expect(lines).toContain(`  incr('hello:visits') → 2`);
    expect(lines).toContain(`  incr('hello:visits', 10) → 12`);
    expect(lines).toContain(`  decr('hello:visits', 5) → 7`);
    expect(lines).toContain(`  incr('hello:missing') → null (miss)`);
    expect(lines.join('\n')).toMatch(
      /→ 3 hits: \{"hello:a":"apple","hello:b":"banana","hello:c":"cherry"\}/,
    );
  });

  it('stores a session and shows cache-aside missing once, then hitting', () => {
    expect(lines.join('\n')).toContain('"userId":42');
    expect(lines.join('\n')).toContain('true (sliding expiry)');
    expect(lines.find((l) => l.includes('first getOrSet'))).toContain(
      'MISS → loaded from the database',
    );
    expect(lines.find((l) => l.includes('second getOrSet'))).toContain(
      'HIT → served from memcached',
    );
    expect(lines).toContain('  database queries: 1');
  });

  it('prints real times: the session was logged in during the tour, not in 1970', () => {
    const text = lines.join('\n');
    expect(text).not.toContain('1970-01-01');
    const loginAt = /"loginAt":"([^"]+)"/.exec(text)?.[1];
    expect(Math.abs(Date.parse(loginAt!) - Date.now())).toBeLessThan(60_000);
  });

  it('cleans up its keys', async () => {
    expect(await client.getMulti(['hello:a', 'hello:user:7', 'hello:visits'])).toEqual(new Map());
  });
});
