// pnpm bench:keyv — the same Keyv workload through @memkit/keyv and through @keyv/memcache, on
// one real memcached started here on an ephemeral port, in one run. memkit runs two ways:
// `createKeyv(...)` (the README's wiring: the store writes Keyv's JSON format itself, the same
// bytes, and reads it without the reviver) and `new Keyv({ store: new KeyvMemkit(...) })`
// (Keyv serializes, as with @keyv/memcache).
// Workload: get, set and getMany of 100 keys (Keyv's `get([...keys])`), each at concurrency 1
// (one caller awaiting each call) and 100 (a hundred callers at once). Prints operations per
// second and the ratios of both memkit wirings to @keyv/memcache. Bounded: BENCH_SECONDS per cell, cells
// interleaved over BENCH_ROUNDS rounds (alternating which store goes first), medians reported.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import KeyvMemcache from '@keyv/memcache';
import { MemcachedClient } from '@memkit/core';
import { createKeyv, KeyvMemkit } from '@memkit/keyv';
import Keyv from 'keyv';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const KEYS = 1000;
const BATCH = 100;
const VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'], bio: 'x'.repeat(200) };

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startMemcached() {
  try {
    execFileSync('sh', ['-c', 'command -v memcached'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'bench:keyv needs a real memcached on PATH (Debian: apt-get install memcached)',
    );
  }
  const port = await freePort();
  const child = spawn(
    'memcached',
    ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-u', 'root'],
    {
      stdio: 'ignore',
    },
  );
  const address = `127.0.0.1:${port}`;
  const probe = new MemcachedClient(address, { timeoutMs: 200 });
  for (let i = 0; ; i++) {
    try {
      await probe.version();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await probe.close();
  return {
    address,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGKILL');
      }),
  };
}

const keyOf = (i) => `user:${i % KEYS}`;

const WORKLOADS = {
  get: (keyv, i) => keyv.get(keyOf(i)),
  set: (keyv, i) => keyv.set(keyOf(i), VALUE, 600_000),
  'getMany(100)': (keyv, i) => {
    const start = (i * BATCH) % KEYS;
    return keyv.get(Array.from({ length: BATCH }, (_, j) => keyOf(start + j)));
  },
};

/** Operations per second of `op` with `concurrency` callers for SECONDS. */
async function measure(keyv, op, concurrency) {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await op(keyv, next++);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - started) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const memcached = await startMemcached();
const CREATE = 'createKeyv';
const PLAIN = 'Keyv+KeyvMemkit';
const OTHER = '@keyv/memcache';
const stores = {
  [CREATE]: createKeyv(memcached.address, { namespace: 'bench' }),
  [PLAIN]: new Keyv({ store: new KeyvMemkit(memcached.address), namespace: 'bench' }),
  [OTHER]: new Keyv({ store: new KeyvMemcache(memcached.address), namespace: 'bench' }),
};
const NAMES = Object.keys(stores);
// Keyv turns a failed read into undefined: count failures so a broken run cannot pass for fast.
const failures = Object.fromEntries(NAMES.map((name) => [name, 0]));
for (const [name, keyv] of Object.entries(stores)) {
  keyv.on('error', () => failures[name]++);
  // Every key present before any read, so get and getMany measure hits.
  for (let i = 0; i < KEYS; i += BATCH) {
    await Promise.all(
      Array.from({ length: BATCH }, (_, j) => keyv.set(keyOf(i + j), VALUE, 600_000)),
    );
  }
  const check = await keyv.get(keyOf(7));
  if (JSON.stringify(check) !== JSON.stringify(VALUE)) {
    throw new Error(`${name} did not read back what it wrote`);
  }
}

console.log(
  `Keyv workload on one real memcached (${memcached.address}), ${SECONDS}s per cell, ${ROUNDS} rounds, medians`,
);
const results = [];
for (const [name, op] of Object.entries(WORKLOADS)) {
  for (const concurrency of [1, 100]) {
    const samples = Object.fromEntries(NAMES.map((store) => [store, []]));
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate who goes first, so no store always runs on a warmer (or busier) machine.
      const order = NAMES.map((_, i) => NAMES[(i + round) % NAMES.length]);
      for (const store of order) samples[store].push(await measure(stores[store], op, concurrency));
    }
    const create = median(samples[CREATE]);
    const plain = median(samples[PLAIN]);
    const other = median(samples[OTHER]);
    results.push({
      workload: name,
      concurrency,
      [`${CREATE} ops/s`]: Math.round(create),
      [`${PLAIN} ops/s`]: Math.round(plain),
      [`${OTHER} ops/s`]: Math.round(other),
      [`${CREATE} ratio`]: `${(create / other).toFixed(2)}x`,
      [`${PLAIN} ratio`]: `${(plain / other).toFixed(2)}x`,
    });
  }
}
console.table(results);
if (Object.values(failures).some((count) => count > 0)) {
  console.log('errors during the run (results are not comparable):', failures);
  process.exitCode = 1;
}

await stores[CREATE].disconnect();
await stores[PLAIN].disconnect();
await stores[OTHER].disconnect().catch(() => {});
stores[OTHER].store.client.close();
await memcached.stop();
