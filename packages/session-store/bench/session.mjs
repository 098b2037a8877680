// pnpm bench:session — requests per second of an Express app using @memkit/session-store
// versus connect-memcached, on the same memcached in the same run, plus the memcached
// operations each spends per request (from `stats` deltas). Bounded: BENCH_SECONDS per phase.
//
// Workload: a logged-in user's read-only requests (GET /me with a session cookie), the common
// case a session store serves; then a write phase (POST /cart) where every request changes the
// session. Both stores run with express-session's recommended resave: false. With redis-server
// installed, @memkit/session-store also runs on Redis (`backend: new RedisBackend(redis)`) in the
// same run, so memcached and Redis are compared under the same load.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { MemcachedClient, startServer } from '@memkit/core';
import { MemcachedStore } from '@memkit/session-store';
import autocannon from 'autocannon';
import connectMemcached from 'connect-memcached';
import express from 'express';
import session from 'express-session';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
// Rounds alternate which store goes first, so warm-up and machine noise do not favour one.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

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

/** Debian's redis-server on a free port without persistence, with a backend (null when absent). */
async function startRedis() {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const { Redis } = await import('ioredis');
  const { RedisBackend } = await import('@memkit/core/redis');
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const client = new Redis({ host: '127.0.0.1', port, retryStrategy: () => 25 });
  client.on('error', () => {});
  await client.ping();
  return {
    backend: new RedisBackend(client, { timeoutMs: 5000 }),
    stop: async () => {
      client.disconnect();
      child.kill('SIGKILL');
    },
  };
}

async function startMemcached() {
  let real = true;
  try {
    execFileSync('sh', ['-c', 'command -v memcached'], { stdio: 'ignore' });
  } catch {
    real = false;
  }
  if (!real) {
    const server = await startServer({ host: '127.0.0.1', port: 0 });
    return { address: server.address, kind: 'in-process server', stop: () => server.close() };
  }
  const port = await freePort();
  const child = spawn(
    'memcached',
    ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-u', 'root', '-t', '1'],
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
    kind: 'memcached 1.6 (real, -t 1)',
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGKILL');
      }),
  };
}

function app(store) {
  const a = express();
  a.use(
    session({
      store,
      secret: 'bench secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 3_600_000 },
    }),
  );
  a.post('/login', (req, res, next) => {
    req.session.user = 'ada';
    req.session.cart = [];
    req.session.save((err) => (err ? next(err) : res.json({ ok: true })));
  });
  a.get('/me', (req, res) => res.json({ user: req.session.user ?? null }));
  a.post('/cart', (req, res) => {
    // Bounded so the session does not grow through the run.
    req.session.cart = [...(req.session.cart ?? []).slice(-9), Date.now()];
    res.json({ n: req.session.cart.length });
  });
  return a;
}

async function listen(a) {
  return new Promise((resolve) => {
    const server = a.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function counters(admin) {
  const out = {};
  for (const stats of Object.values(await admin.stats())) {
    for (const name of ['cmd_get', 'cmd_set', 'cmd_touch', 'delete_hits', 'delete_misses']) {
      out[name] = (out[name] ?? 0) + Number(stats[name] ?? 0);
    }
  }
  return out;
}

function run(url, opts) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: SECONDS, ...opts }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
}

async function measure(base, cookie, admin, path, method) {
  await run(`${base}${path}`, { method, headers: { cookie }, duration: 1 }); // warm-up
  const before = await counters(admin);
  const result = await run(`${base}${path}`, { method, headers: { cookie } });
  const after = await counters(admin);
  const ops = {};
  for (const k of Object.keys(after)) ops[k] = after[k] - before[k];
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    ops,
  };
}

function row(name, samples) {
  const sum = (f) => samples.reduce((acc, s) => acc + f(s), 0);
  const n = sum((s) => s.requests);
  const per = (k) => sum((s) => s.ops[k]) / n;
  return {
    store: name,
    'req/s': Math.round(n / sum((s) => s.seconds)),
    'p99 ms': Math.max(...samples.map((s) => s.p99)),
    errors: sum((s) => s.errors),
    'gets/req': per('cmd_get').toFixed(3),
    'sets/req': per('cmd_set').toFixed(3),
    'touches/req': per('cmd_touch').toFixed(3),
    'ops/req': (per('cmd_get') + per('cmd_set') + per('cmd_touch')).toFixed(3),
  };
}

const mc = await startMemcached();
const admin = new MemcachedClient(mc.address);
const client = new MemcachedClient(mc.address);
const ConnectMemcachedStore = connectMemcached(session);
const redis = await startRedis();
const stores = [
  ['@memkit/session-store', new MemcachedStore({ client, keyPrefix: 'bench-memkit:' })],
  ['connect-memcached', new ConnectMemcachedStore({ hosts: [mc.address], prefix: 'bench-cm:' })],
];
if (redis !== null) {
  stores.push([
    '@memkit/session-store on Redis',
    new MemcachedStore({ backend: redis.backend, keyPrefix: 'bench-memkit:' }),
  ]);
}

console.log(
  `memcached: ${mc.kind} at ${mc.address}; ${CONNECTIONS} connections, ${SECONDS}s per phase, ` +
    `${ROUNDS} rounds, node ${process.version}`,
);
const servers = [];
const phases = [
  ['read', 'Logged-in user, unmodified session (GET /me)', '/me', 'GET'],
  ['write', 'Every request changes the session (POST /cart)', '/cart', 'POST'],
];
const samples = new Map(stores.map(([name]) => [name, { read: [], write: [] }]));
try {
  const targets = [];
  for (const [name, store] of stores) {
    const server = await listen(app(store));
    servers.push(server);
    const base = `http://127.0.0.1:${server.address().port}`;
    const login = await fetch(`${base}/login`, { method: 'POST' });
    targets.push({ name, base, cookie: login.headers.get('set-cookie').split(';')[0] });
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const [phase, , path, method] of phases) {
      for (const t of order) {
        samples.get(t.name)[phase].push(await measure(t.base, t.cookie, admin, path, method));
      }
    }
  }
  for (const [phase, label] of phases) {
    console.log(`\n${label}`);
    const rows = stores.map(([name]) => row(name, samples.get(name)[phase]));
    console.table(rows);
    const [ours, theirs, onRedis] = rows;
    console.log(
      `ratio memkit/connect-memcached: ${(ours['req/s'] / theirs['req/s']).toFixed(2)}x req/s, ` +
        `${ours['ops/req']} vs ${theirs['ops/req']} memcached ops/request ` +
        `(${ours['sets/req']} vs ${theirs['sets/req']} writes/request)`,
    );
    if (onRedis !== undefined) {
      console.log(
        `ratio memkit on Redis / memkit on memcached: ${(onRedis['req/s'] / ours['req/s']).toFixed(2)}x req/s (memcached op counts do not apply to Redis)`,
      );
    }
  }
} finally {
  for (const s of servers) s.close();
  for (const [, store] of stores) {
    if (typeof store.close === 'function') await store.close();
    else store.client.end();
  }
  await client.close();
  await admin.close();
  await mc.stop();
  await redis?.stop();
}
