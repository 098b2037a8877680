// pnpm bench:response-cache — hit throughput of a cached Express route against the same route
// uncached (a 20 ms "database" handler), a constant route, and apicache's in-memory hit; same
// run, same process layout. The app runs in a child process so autocannon does not share its
// event loop; memcached is Debian's binary when installed, else the in-process server. With
// redis-server installed, the same cached route also runs on Redis (`cached-redis`, through
// `backend: new RedisBackend(redis)`) in the same run.
import { execFileSync, fork, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

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
  const results = {};
  const routes = (
    process.env.BENCH_ROUTES ??
    `constant,uncached,cached,apicache${redis === null ? '' : ',cached-redis'}`
  ).split(',');
  const run = async (route, duration) => {
    const r = await autocannon({ url: `${base}/${route}`, connections: CONNECTIONS, duration });
    if (r.non2xx > 0 || r.errors > 0) {
      throw new Error(`${route}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    }
    return r;
  };
  try {
    // Warm every route (JIT, caches) first; then two interleaved rounds keeping each route's
    // best, so route order and a noisy neighbour weigh less.
    for (const route of routes) await run(route, 1);
    if (routes.includes('cached')) {
      const check = await fetch(`${base}/cached`);
      await check.arrayBuffer();
      if (check.headers.get('x-cache') !== 'HIT')
        throw new Error('/cached is not served from the cache');
    }
    for (let round = 1; round <= 2; round++) {
      for (const route of routes) {
        const r = await run(route, DURATION);
        results[route] = Math.max(results[route] ?? 0, r.requests.average);
        const rps = Math.round(r.requests.average).toString().padStart(7);
        console.log(`round ${round} ${route.padEnd(9)} ${rps} req/s  p99 ${r.latency.p99} ms`);
      }
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    await memcached.stop();
    await redis?.stop();
  }
  if (results['cached-redis'] !== undefined && results.cached !== undefined) {
    console.log(
      `memkit hit on Redis / on memcached: ${((results['cached-redis'] / results.cached) * 100).toFixed(0)}%`,
    );
  }
  if (!['constant', 'uncached', 'cached', 'apicache'].every((r) => routes.includes(r))) return;
  const ratio = (a, b) => `${((results[a] / results[b]) * 100).toFixed(0)}%`;
  console.log('');
  console.log(`memkit hit / constant route:   ${ratio('cached', 'constant')}  (target >= 70%)`);
  console.log(`memkit hit / apicache hit:     ${ratio('cached', 'apicache')}  (target >= 100%)`);
  console.log(`memkit hit / uncached (20 ms): ${(results.cached / results.uncached).toFixed(1)}x`);
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
    `memcached ${port} (Debian binary), ${CONNECTIONS} connections, ${DURATION} s per route`,
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      proc.kill('SIGKILL');
    },
  };
}
