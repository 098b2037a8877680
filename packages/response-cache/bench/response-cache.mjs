// pnpm bench:response-cache — hit throughput of a cached Express route against the same route
// uncached (a 20 ms "database" handler), a constant route, and apicache's in-memory hit; same
// run, same app. Layout: this process only drives autocannon; the Express app (every route) runs
// in a child process, so the load generator never shares its event loop; memcached is Debian's
// binary in its own process when installed, else the in-process server inside the app. With
// redis-server installed, the same cached route also runs on Redis (`cached-redis`, through
// `backend: new RedisBackend(redis)`).
//
// Noise control: every route is warmed (JIT, caches) first; then BENCH_ROUNDS rounds run every
// route for BENCH_DURATION seconds each, the order reversed every other round so no route always
// follows the same neighbour. Ratios are computed from each route's median over the rounds; the
// per-round ratios are printed too, as a range, because one round says little on a shared box.
import { execFileSync, fork, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const DURATION = Number(process.env.BENCH_DURATION ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
// Distinct URLs per route (`?k=0..n-1`): 1 measures one hot key; more spread the load over keys,
// so concurrent hits rarely share a memcached read.
const KEYS = Number(process.env.BENCH_KEYS ?? 1);
// Headers that differ per response or per implementation by design; the rest must match.
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);

if (process.argv[2] === 'app') await runApp(process.argv[3], process.argv[4]);
else await main();

async function main() {
  const { default: autocannon } = await import('autocannon');
  const memcached = await startMemcached();
  const redis = await startRedis();
  const child = fork(
    fileURLToPath(import.meta.url),
    ['app', memcached.address, String(redis?.port ?? '')],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: process.env.BENCH_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
        : [],
    },
  );
  const port = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`app exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const routes = (
    process.env.BENCH_ROUTES ??
    `constant,uncached,cached,apicache${redis === null ? '' : ',cached-redis'}`
  ).split(',');
  const samples = Object.fromEntries(routes.map((r) => [r, []]));
  // The app's CPU time per request (IPC round trip to the child): unlike req/s, it hardly
  // depends on what else the machine is doing.
  const appCpu = () =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m.user + m.system));
      child.send('cpu');
    });
  const cpu = Object.fromEntries(routes.map((r) => [r, []]));
  const run = async (route, duration) => {
    const before = await appCpu();
    let n = 0;
    const r = await autocannon({
      url: `${base}/${route}`,
      connections: CONNECTIONS,
      duration,
      requests:
        KEYS > 1
          ? [{ setupRequest: (req) => ({ ...req, path: `/${route}?k=${n++ % KEYS}` }) }]
          : undefined,
    });
    if (r.non2xx > 0 || r.errors > 0) {
      throw new Error(`${route}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
    r.cpuPerRequest = ((await appCpu()) - before) / r.requests.total;
    return r;
  };
  try {
    await checkParity(base, routes);
    for (const route of routes) await run(route, WARMUP);
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? routes : [...routes].reverse();
      const line = [];
      for (const route of order) {
        const r = await run(route, DURATION);
        samples[route].push(r.requests.average);
        cpu[route].push(r.cpuPerRequest);
        line.push(
          `${route} ${Math.round(r.requests.average)} (p99 ${r.latency.p99} ms, ${Math.round(r.cpuPerRequest)} µs)`,
        );
      }
      console.log(`round ${round}: ${line.join(', ')}`);
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    await memcached.stop();
    await redis?.stop();
  }
  const med = Object.fromEntries(routes.map((r) => [r, median(samples[r])]));
  console.log('');
  for (const r of routes) {
    const s = samples[r].map(Math.round);
    console.log(
      `${r.padEnd(13)} median ${String(Math.round(med[r])).padStart(6)} req/s  (${Math.min(...s)}–${Math.max(...s)}), app CPU ${Math.round(median(cpu[r]))} µs/request`,
    );
  }
  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  const report = (label, a, b, target) => {
    if (med[a] === undefined || med[b] === undefined) return;
    const perRound = samples[a].map((x, i) => x / samples[b][i]);
    const ratio = med[a] / med[b];
    const verdict = target === undefined ? '' : ratio >= target ? '  ok' : '  BELOW TARGET';
    console.log(
      `${label.padEnd(32)} ${pct(ratio).padStart(5)}  (rounds ${pct(Math.min(...perRound))}–${pct(Math.max(...perRound))}${target === undefined ? '' : `, target >= ${pct(target)}`})${verdict}`,
    );
  };
  console.log('');
  report('memkit hit / constant route:', 'cached', 'constant', 0.7);
  report('memkit hit / apicache hit:', 'cached', 'apicache', 1);
  report('memkit hit on Redis / memcached:', 'cached-redis', 'cached');
  if (med.uncached !== undefined && med.cached !== undefined) {
    console.log(`memkit hit / uncached (20 ms):    ${(med.cached / med.uncached).toFixed(1)}x`);
  }
}

function median(xs) {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Fills the caches, then checks that every route answers the same body and that the cached ones
 * really are hits; prints each route's headers so their weight can be compared.
 */
async function checkParity(base, routes) {
  const bodies = new Map();
  for (const route of routes) {
    let res;
    for (let i = 0; i < 2; i++) {
      res = await fetch(`${base}/${route}`);
      bodies.set(route, Buffer.from(await res.arrayBuffer()));
    }
    if (route.startsWith('cached') && res.headers.get('x-cache') !== 'HIT') {
      throw new Error(`/${route} is not served from the cache`);
    }
    const names = [...res.headers.keys()].filter((n) => !VOLATILE.has(n));
    console.log(`${route.padEnd(13)} ${names.join(', ')}`);
  }
  const [first, ...rest] = routes;
  for (const route of rest) {
    if (!bodies.get(route).equals(bodies.get(first))) {
      throw new Error(`/${route} and /${first} answer different bodies`);
    }
  }
}

async function runApp(address, redisPort) {
  const [
    { default: express },
    { default: apicache },
    { MemcachedClient },
    { cacheResponse, ResponseCache },
  ] = await Promise.all([
    import('express'),
    import('apicache'),
    import('@memkit/core'),
    import('@memkit/response-cache'),
  ]);
  let server;
  if (address === 'in-process') {
    const { startServer } = await import('@memkit/core');
    server = await startServer({ port: 0, host: '127.0.0.1' });
    address = server.address;
  }
  const client = new MemcachedClient(address);
  const cache = new ResponseCache({ client, ttl: 600, keyPrefix: `bench${process.pid}:` });
  const database = async () => {
    await new Promise((r) => setTimeout(r, 20));
    return { id: 42, name: 'Ada', roles: ['admin', 'dev'] };
  };
  const app = express();
  app.get('/constant', (_req, res) => res.json({ id: 42, name: 'Ada', roles: ['admin', 'dev'] }));
  app.get('/uncached', async (_req, res) => res.json(await database()));
  app.get('/cached', cacheResponse({ cache }), async (_req, res) => res.json(await database()));
  if (redisPort) {
    const [{ Redis }, { RedisBackend }] = await Promise.all([
      import('ioredis'),
      import('@memkit/core/redis'),
    ]);
    const backend = new RedisBackend(new Redis({ host: '127.0.0.1', port: Number(redisPort) }));
    const onRedis = new ResponseCache({ backend, ttl: 600, keyPrefix: `bench${process.pid}:` });
    app.get('/cached-redis', cacheResponse({ cache: onRedis }), async (_req, res) =>
      res.json(await database()),
    );
  }
  app.get('/apicache', apicache.middleware('10 minutes'), async (_req, res) =>
    res.json(await database()),
  );
  const listener = app.listen(0, '127.0.0.1', () => process.send(listener.address().port));
  process.on('message', (m) => {
    if (m === 'cpu') process.send(process.cpuUsage());
  });
  // Exit cleanly on SIGINT so --cpu-prof can write its profile.
  process.on('SIGINT', () => process.exit(0));
}

/** Debian's redis-server on a free port without persistence; null when not installed. */
async function startRedis() {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const proc = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, stop: async () => proc.kill('SIGKILL') };
}

async function startMemcached() {
  if (process.env.MEMCACHED_SERVERS)
    return { address: process.env.MEMCACHED_SERVERS, stop: async () => {} };
  try {
    execFileSync('sh', ['-c', 'command -v memcached'], { stdio: 'ignore' });
  } catch {
    console.log('memcached binary not found: using the in-process server inside the app process');
    return { address: 'in-process', stop: async () => {} };
  }
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const proc = spawn(
    'memcached',
    ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-u', 'root', '-m', '256'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  console.log(
    `memcached ${port} (Debian binary); ${CONNECTIONS} connections, ${KEYS} URL(s) per route, ${WARMUP} s warm-up, ${ROUNDS} rounds of ${DURATION} s per route`,
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      proc.kill('SIGKILL');
    },
  };
}
