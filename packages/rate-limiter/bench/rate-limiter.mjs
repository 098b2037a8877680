// `pnpm bench:rate-limiter`: the same Express app without a limiter, with memkit's, and with
// express-rate-limit + rate-limit-memcached (and + memkit's store), then Fastify without a
// limiter, with memkit's plugin and with @fastify/rate-limit (in memory, for reference). One
// run, one machine, one memcached; prints throughput, ratios and memcached commands per request.
// With redis-server installed, the memkit limiter also runs on Redis (`-redis` variants) in the
// same run, so memcached and Redis are compared under the same load.
import { spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MemcachedClient, startServer } from '@memkit/core';
import autocannon from 'autocannon';

const DURATION_SECONDS = Number(process.env.BENCH_DURATION_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const APP = fileURLToPath(new URL('./app.mjs', import.meta.url));
const ALL_VARIANTS = [
  'express-none',
  'express-memkit',
  'express-memkit-redis',
  'express-erl-memcached',
  'express-erl-memkit-store',
  'fastify-none',
  'fastify-memkit',
  'fastify-memkit-redis',
  'fastify-rate-limit',
];
const HAVE_REDIS = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
// BENCH_VARIANTS=express-none,express-memkit runs a subset (the ratios need their pairs).
const VARIANTS = (
  process.env.BENCH_VARIANTS
    ? ALL_VARIANTS.filter((v) => process.env.BENCH_VARIANTS.split(',').includes(v))
    : ALL_VARIANTS
).filter((v) => HAVE_REDIS || !v.endsWith('-redis'));

/** Debian's redis-server on a free port, without persistence (null when not installed). */
async function startRedis() {
  if (!HAVE_REDIS) return null;
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitForPort(port);
  return { port, stop: async () => child.kill('SIGKILL') };
}

/** Debian's memcached when installed (what production runs), else the in-process server. */
async function startMemcached() {
  const which = spawnSync('sh', ['-c', 'command -v memcached']);
  if (which.status === 0) {
    const port = await freePort();
    const child = spawn(
      'memcached',
      ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-t', '1', '-u', 'root'],
      {
        stdio: 'ignore',
      },
    );
    await waitForPort(port);
    return {
      label: 'memcached 1.6 (-t 1)',
      address: `127.0.0.1:${port}`,
      stop: async () => {
        child.kill('SIGKILL');
      },
    };
  }
  const s = await startServer({ port: 0, host: '127.0.0.1' });
  return { label: 'memkit in-process server', address: s.address, stop: () => s.close() };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('memcached did not start');
}

function startApp(variant, address, redisPort) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APP, variant, address, String(redisPort ?? '')], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}`)));
  });
}

const COUNTED = [
  'cmd_get',
  'cmd_set',
  'cmd_touch',
  'incr_hits',
  'incr_misses',
  'decr_hits',
  'decr_misses',
  'delete_hits',
  'delete_misses',
];
async function commandCount(client) {
  const stats = Object.values(await client.stats())[0];
  return COUNTED.reduce((sum, name) => sum + Number(stats[name] ?? 0), 0);
}

function cpuMicros(app) {
  return new Promise((resolve) => {
    app.child.once('message', (u) => resolve(u.user + u.system));
    app.child.send('cpu');
  });
}

async function measure(app, client) {
  const url = `http://127.0.0.1:${app.port}/`;
  const before = await commandCount(client);
  const cpuBefore = await cpuMicros(app);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_SECONDS });
  const cpuAfter = await cpuMicros(app);
  const after = await commandCount(client);
  const total = r.requests.total;
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    ops: total > 0 ? (after - before) / total : 0,
    cpu: total > 0 ? (cpuAfter - cpuBefore) / total : 0,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const memcached = await startMemcached();
const redis = await startRedis();
const client = new MemcachedClient(memcached.address, { timeoutMs: 10_000 });
const apps = new Map();
const samples = new Map(VARIANTS.map((v) => [v, []]));
try {
  for (const variant of VARIANTS) {
    apps.set(variant, await startApp(variant, memcached.address, redis?.port));
  }
  for (const variant of VARIANTS) {
    // Warm-up: JIT, connection pools, the counter's first creation.
    await autocannon({
      url: `http://127.0.0.1:${apps.get(variant).port}/`,
      connections: CONNECTIONS,
      duration: 1,
    });
  }
  // Rounds interleave the variants, so a burst of load from elsewhere hits them all alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of VARIANTS)
      samples.get(variant).push(await measure(apps.get(variant), client));
  }
} finally {
  for (const app of apps.values()) app.child.kill('SIGTERM');
  await client.close();
  await memcached.stop();
  await redis?.stop();
}
const rows = VARIANTS.map((variant) => {
  const xs = samples.get(variant);
  return {
    variant,
    rps: median(xs.map((x) => x.rps)),
    p99: median(xs.map((x) => x.p99)),
    errors: xs.reduce((sum, x) => sum + x.errors, 0),
    opsPerRequest: median(xs.map((x) => x.ops)),
    cpuPerRequest: median(xs.map((x) => x.cpu)),
  };
});

const by = Object.fromEntries(rows.map((r) => [r.variant, r]));
const [load1] = loadavg();
console.log(
  `memcached: ${memcached.label}; ${CONNECTIONS} connections; median of ${ROUNDS} interleaved ${DURATION_SECONDS} s runs per app; load average ${load1.toFixed(1)} on ${availableParallelism()} cores`,
);
console.log(
  'variant                      req/s   p99 ms  errors  app CPU µs/req  memcached cmds/req',
);
for (const r of rows) {
  console.log(
    `${r.variant.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p99).padStart(8)} ${String(r.errors).padStart(7)} ${r.cpuPerRequest.toFixed(0).padStart(15)} ${r.opsPerRequest.toFixed(2).padStart(19)}`,
  );
}
const have = (a, b) => by[a] !== undefined && by[b] !== undefined;
const ratio = (a, b) => (have(a, b) ? `${(by[a].rps / by[b].rps).toFixed(2)}x` : 'n/a');
const cost = (a, b) => (have(a, b) ? `${((1 - by[a].rps / by[b].rps) * 100).toFixed(1)}%` : 'n/a');
// A CPU-bound server's throughput is inversely proportional to its CPU per request.
const cpuRatio = (a, b) =>
  have(a, b) ? `${(by[b].cpuPerRequest / by[a].cpuPerRequest).toFixed(2)}x` : 'n/a';
const cpuCost = (a, b) =>
  have(a, b) ? `${((1 - by[b].cpuPerRequest / by[a].cpuPerRequest) * 100).toFixed(1)}%` : 'n/a';
console.log('');
console.log('                                                      by req/s   by app CPU/req');
const line = (label, value, cpu) =>
  value === 'n/a'
    ? undefined
    : console.log(`${label.padEnd(54)} ${value.padStart(8)} ${cpu.padStart(16)}`);
line(
  'Express: memkit limiter throughput cost (target <=15%)',
  cost('express-memkit', 'express-none'),
  cpuCost('express-memkit', 'express-none'),
);
line(
  'Express: memkit / erl+rate-limit-memcached (>=1.5x)',
  ratio('express-memkit', 'express-erl-memcached'),
  cpuRatio('express-memkit', 'express-erl-memcached'),
);
line(
  'Express: erl+memkit store / erl+rate-limit-memcached',
  ratio('express-erl-memkit-store', 'express-erl-memcached'),
  cpuRatio('express-erl-memkit-store', 'express-erl-memcached'),
);
line(
  'Express: memkit on Redis / memkit on memcached',
  ratio('express-memkit-redis', 'express-memkit'),
  cpuRatio('express-memkit-redis', 'express-memkit'),
);
line(
  'Fastify: memkit on Redis / memkit on memcached',
  ratio('fastify-memkit-redis', 'fastify-memkit'),
  cpuRatio('fastify-memkit-redis', 'fastify-memkit'),
);
line(
  'Fastify: memkit plugin throughput cost',
  cost('fastify-memkit', 'fastify-none'),
  cpuCost('fastify-memkit', 'fastify-none'),
);
line(
  'Fastify: memkit / @fastify/rate-limit (in memory)',
  ratio('fastify-memkit', 'fastify-rate-limit'),
  cpuRatio('fastify-memkit', 'fastify-rate-limit'),
);
