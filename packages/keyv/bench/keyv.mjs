// pnpm bench:keyv — the same Keyv workload through @memkit/keyv (KeyvMemkit) and through
// @keyv/memcache, on one real memcached started here on an ephemeral port, in one run.
// Workload: get, set and getMany of 100 keys (Keyv's `get([...keys])`), each at concurrency 1
// (one caller awaiting each call) and 100 (a hundred callers at once). Prints operations per
// second and the ratio KeyvMemkit / @keyv/memcache. Bounded: BENCH_SECONDS per cell, cells
// interleaved over BENCH_ROUNDS rounds (alternating which store goes first), medians reported.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import KeyvMemcache from '@keyv/memcache';
import { MemcachedClient } from '@memkit/core';
import { KeyvMemkit } from '@memkit/keyv';
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
const stores = {
  KeyvMemkit: new Keyv({ store: new KeyvMemkit(memcached.address), namespace: 'bench' }),
  '@keyv/memcache': new Keyv({ store: new KeyvMemcache(memcached.address), namespace: 'bench' }),
};
// Keyv turns a failed read into undefined: count failures so a broken run cannot pass for fast.
const failures = { KeyvMemkit: 0, '@keyv/memcache': 0 };
for (const [name, keyv] of Object.entries(stores)) {
  keyv.on('error', () => failures[name]++);
  // Every key present before any read, so get and getMany measure hits.
  for (let i = 0; i < KEYS; i += BATCH) {
    await Promise.all(
      Array.from({ length: BATCH }, (_, j) => keyv.set(keyOf(i + j), VALUE, 600_000)),
    );
  }
  const check = await keyv.get(keyOf(7));
  if (check?.name !== VALUE.name) throw new Error('a store did not read back what it wrote');
}

console.log(
  `Keyv workload on one real memcached (${memcached.address}), ${SECONDS}s per cell, ${ROUNDS} rounds, medians`,
);
const results = [];
for (const [name, op] of Object.entries(WORKLOADS)) {
  for (const concurrency of [1, 100]) {
    const samples = { KeyvMemkit: [], '@keyv/memcache': [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order =
        round % 2 === 0 ? ['KeyvMemkit', '@keyv/memcache'] : ['@keyv/memcache', 'KeyvMemkit'];
      for (const store of order) samples[store].push(await measure(stores[store], op, concurrency));
    }
    const memkit = median(samples.KeyvMemkit);
    const memcache = median(samples['@keyv/memcache']);
    results.push({
      workload: name,
      concurrency,
      'KeyvMemkit ops/s': Math.round(memkit),
      '@keyv/memcache ops/s': Math.round(memcache),
      ratio: `${(memkit / memcache).toFixed(2)}x`,
    });
  }
}
console.table(results);
if (failures.KeyvMemkit + failures['@keyv/memcache'] > 0) {
  console.log('errors during the run (results are not comparable):', failures);
  process.exitCode = 1;
}

await stores.KeyvMemkit.disconnect();
await stores['@keyv/memcache'].disconnect().catch(() => {});
stores['@keyv/memcache'].store.client.close();
await memcached.stop();
