import type { MemcachedClient } from '@memkit/core';

/** How the tour prints and waits; tests pass their own. */
export interface TourOptions {
  /** Prints one line. */
  print: (line: string) => void;
  /** Lets `seconds` pass (a real sleep by default; a test moves a server clock instead). */
  wait?: (seconds: number) => Promise<void>;
}

/** The steps of the tour, in order, as their headings print them. */
export const TOUR_STEPS = [
  'set / get / delete',
  'strings, numbers, lists and objects',
  'expiration',
  'counters',
  'multi-get and multi-set',
  'session storage',
  'cache-aside with a simulated database',
] as const;

const show = (value: unknown): string => (value === null ? 'null (miss)' : JSON.stringify(value));

/**
 * The guide's tour of memcached from Node.js: each step runs against `client` and prints what it
 * did and what came back. Keys are prefixed `hello:` and deleted at the end.
 */
export async function runTour(client: MemcachedClient, options: TourOptions): Promise<void> {
  const { print } = options;
  const wait =
    options.wait ?? ((seconds: number) => new Promise<void>((r) => setTimeout(r, seconds * 1000)));
  let step = 0;
  const heading = () => {
    const title = TOUR_STEPS[step++];
    print('');
    print(`${step}. ${title}`);
  };

  heading();
  print(
    `  set('hello:greeting', 'Hello, memcached!') → ${await client.set('hello:greeting', 'Hello, memcached!')}`,
  );
  print(`  get('hello:greeting') → ${show(await client.get('hello:greeting'))}`);
  print(`  delete('hello:greeting') → ${await client.delete('hello:greeting')}`);
  print(`  get('hello:greeting') → ${show(await client.get('hello:greeting'))}`);

  heading();
  const values: [string, unknown][] = [
    ['hello:string', 'memkit'],
    ['hello:number', 42.5],
    ['hello:list', ['get', 'set', 'delete']],
    ['hello:object', { user: 'ada', roles: ['admin'], active: true }],
  ];
  for (const [key, value] of values) {
    await client.set(key, value);
    const back = await client.get(key);
    const kind = Array.isArray(back) ? 'array' : typeof back;
    print(`  ${key}: stored ${JSON.stringify(value)} → read back ${show(back)} (${kind})`);
  }

  heading();
  await client.set('hello:temporary', 'here for 2 seconds', { ttl: 2 });
  print(
    `  set('hello:temporary', ..., { ttl: 2 }) → get: ${show(await client.get('hello:temporary'))}`,
  );
  print('  waiting 3 seconds…');
  await wait(3);
  print(`  after 3 s → get: ${show(await client.get('hello:temporary'))}`);

  heading();
  await client.delete('hello:visits');
  print(
    `  incr('hello:visits', 1, { initial: 1 }) → ${await client.incr('hello:visits', 1, { initial: 1 })}`,
  );
  print(`  incr('hello:visits') → ${await client.incr('hello:visits')}`);
  print(`  incr('hello:visits', 10) → ${await client.incr('hello:visits', 10)}`);
  print(`  decr('hello:visits', 5) → ${await client.decr('hello:visits', 5)}`);
  print(`  incr('hello:missing') → ${show(await client.incr('hello:missing'))}`);

  heading();
  const entries = { 'hello:a': 'apple', 'hello:b': 'banana', 'hello:c': 'cherry' };
  print(`  setMulti(${JSON.stringify(entries)}) → ${await client.setMulti(entries)}`);
  const found = await client.getMulti(['hello:a', 'hello:b', 'hello:c', 'hello:nothing']);
  print(
    `  getMulti(['hello:a', 'hello:b', 'hello:c', 'hello:nothing']) → ${found.size} hits: ${JSON.stringify(Object.fromEntries(found))}`,
  );

  heading();
  const session = { userId: 42, name: 'Ada', cart: ['book'], loginAt: new Date().toISOString() };
  await client.set('hello:session:s3cr3t', session, { ttl: 1800 });
  print(`  set('hello:session:s3cr3t', session, { ttl: 1800 }) → stored for 30 minutes`);
  print(`  get('hello:session:s3cr3t') → ${show(await client.get('hello:session:s3cr3t'))}`);
  print(
    `  touch('hello:session:s3cr3t', 1800) → ${await client.touch('hello:session:s3cr3t', 1800)} (sliding expiry)`,
  );

  heading();
  let queries = 0;
  const loadUser = async () => {
    queries++;
    await new Promise((r) => setTimeout(r, 50));
    return { id: 7, name: 'Grace Hopper' };
  };
  await client.delete('hello:user:7');
  for (const attempt of ['first', 'second']) {
    const before = queries;
    const start = performance.now();
    const user = await client.getOrSet('hello:user:7', loadUser, { ttl: 60 });
    const ms = (performance.now() - start).toFixed(1);
    const how =
      queries > before ? 'MISS → loaded from the database' : 'HIT → served from memcached';
    print(`  ${attempt} getOrSet('hello:user:7') → ${JSON.stringify(user)}: ${how} (${ms} ms)`);
  }
  print(`  database queries: ${queries}`);

  await client.deleteMulti([
    ...values.map(([k]) => k),
    'hello:temporary',
    'hello:visits',
    ...Object.keys(entries),
    'hello:session:s3cr3t',
    'hello:user:7',
  ]);
  print('');
  print('Tour complete.');
}
