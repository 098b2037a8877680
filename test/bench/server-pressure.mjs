#!/usr/bin/env node
// node test/bench/server-pressure.mjs — the in-process server under a full cache, beside
// `memcached -t 1` in the same run (run `pnpm build` first):
//
// 1. Sets on a full cache: SETS small sets into an empty cache, then the cache is filled to
//    its -m, then SETS more sets that each evict. memcached evicts in O(1); the target is
//    full/empty >= 0.5 (a full cache at least half as fast as an empty one).
// 2. Memory that means -m: each server (fresh, -m MB) is filled with twice its -m of tiny,
//    medium and near-1 MB values; the growth of its resident set (VmRSS) once filled, and its
//    peak while filling, are printed against -m. The target is growth <= 2 x -m plus a fixed
//    overhead (FIXED_MB), at its peak (packages/core/test/server/memory-limit.test.ts asserts
//    it for -m 32).
//
// Env: BENCH_SETS (default 100000), BENCH_MB (-m, default 64), BENCH_ONLY=evict|rss,
// BENCH_MEMKIT_BIN=<path to a memkit-server.js> to measure another build.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// BENCH_MEMKIT_BIN: another build's bin, to compare two versions against the same memcached.
const bin =
  process.env.BENCH_MEMKIT_BIN ?? join(root, 'packages', 'core', 'bin', 'memkit-server.js');
const SETS = Number(process.env.BENCH_SETS ?? 100_000);
const MB = Number(process.env.BENCH_MB ?? 64);
const ONLY = process.env.BENCH_ONLY;
const HOST = '127.0.0.1';
/** Memory a server may use beyond 2 x -m whatever it stores (runtime, buffers). */
const FIXED_MB = 64;

function haveMemcached() {
  try {
    execFileSync('sh', ['-c', 'command -v memcached'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const s = connect(port, HOST);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

async function start(kind, mb) {
  const port = await freePort();
  const args = ['-l', HOST, '-p', String(port), '-U', '0', '-m', String(mb)];
  const child =
    kind === 'memcached'
      ? spawn('memcached', ['-t', '1', '-u', 'root', ...args], { stdio: 'ignore' })
      : spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
  await waitForPort(port, child);
  return { kind, port, child };
}

function stop(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

/** A connection that pipelines noreply sets in batches and waits for an `mn` after each. */
async function client(port) {
  const socket = connect(port, HOST);
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let pending;
  let seen = '';
  socket.on('data', (d) => {
    seen += d.toString('latin1');
    if (seen.includes('MN\r\n')) {
      seen = '';
      pending?.();
    }
  });
  return {
    async batch(payload) {
      const done = new Promise((r) => {
        pending = r;
      });
      socket.write(payload);
      socket.write('mn\r\n');
      await done;
    },
    close: () => socket.destroy(),
  };
}

/** Sends `count` sets of `valueSize` bytes with keys `${prefix}N`; returns seconds taken. */
async function sets(c, prefix, count, valueSize, onBatch = () => {}) {
  const value = 'v'.repeat(valueSize);
  const per = Math.max(1, Math.min(1000, Math.floor((4 * 1024 * 1024) / (valueSize + 64))));
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i += per) {
    let payload = '';
    for (let j = i; j < Math.min(count, i + per); j++)
      payload += `set ${prefix}${j} 0 0 ${valueSize} noreply\r\n${value}\r\n`;
    await c.batch(payload);
    onBatch();
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function evictionRun(kind) {
  const mb = 16;
  const server = await start(kind, mb);
  const c = await client(server.port);
  try {
    // JIT warm-up on a few keys, so "empty" measures the store and not the compiler.
    await sets(c, 'warm-', 20_000, 20);
    const empty = await sets(c, 'empty-', SETS, 20);
    // Fill well past -m so every further set evicts.
    await sets(c, 'fill-', Math.ceil((3 * mb * 1024 * 1024) / 100), 20);
    const full = await sets(c, 'full-', SETS, 20);
    return { kind, empty, full };
  } finally {
    c.close();
    await stop(server);
  }
}

const SHAPES = [
  { name: 'tiny (10 B)', valueSize: 10 },
  { name: 'medium (10 KB)', valueSize: 10_000 },
  { name: 'near-1 MB (1000000 B)', valueSize: 1_000_000 },
];

async function rssRun(kind, shape) {
  const server = await start(kind, MB);
  const c = await client(server.port);
  try {
    await new Promise((r) => setTimeout(r, 200));
    const before = rssBytes(server.child.pid);
    const count = Math.ceil((2 * MB * 1024 * 1024) / (shape.valueSize + 50));
    let peak = 0;
    await sets(c, 'k', count, shape.valueSize, () => {
      peak = Math.max(peak, rssBytes(server.child.pid) - before);
    });
    await new Promise((r) => setTimeout(r, 200));
    const grown = rssBytes(server.child.pid) - before;
    return { kind, grown, peak: Math.max(peak, grown) };
  } finally {
    c.close();
    await stop(server);
  }
}

const kinds = haveMemcached() ? ['memcached', 'memkit-server'] : ['memkit-server'];
const mib = (n) => (n / 1024 / 1024).toFixed(1);

if (ONLY !== 'rss') {
  process.stdout.write(
    `\n1. ${SETS} sets of 20-byte values into an empty -m 16 cache, then into a full one\n`,
  );
  for (const kind of kinds) {
    const r = await evictionRun(kind);
    const ratio = r.empty / r.full;
    process.stdout.write(
      `  ${kind.padEnd(14)} empty ${r.empty.toFixed(2)} s  full ${r.full.toFixed(2)} s  full speed / empty speed ${ratio.toFixed(2)}${kind === 'memkit-server' ? ` (target >= 0.5: ${ratio >= 0.5 ? 'met' : 'MISSED'})` : ''}\n`,
    );
  }
}

if (ONLY !== 'evict') {
  process.stdout.write(`\n2. RSS growth of a fresh -m ${MB} server filled with 2 x -m of values\n`);
  for (const shape of SHAPES) {
    for (const kind of kinds) {
      const r = await rssRun(kind, shape);
      const bound = 2 * MB * 1024 * 1024 + FIXED_MB * 1024 * 1024;
      process.stdout.write(
        `  ${shape.name.padEnd(22)} ${kind.padEnd(14)} +${mib(r.grown)} MiB  (${(r.grown / (MB * 1024 * 1024)).toFixed(2)} x -m; peak while filling +${mib(r.peak)} MiB)${kind === 'memkit-server' ? `  target (peak) <= 2 x -m + ${FIXED_MB} MiB: ${r.peak <= bound ? 'met' : 'MISSED'}` : ''}\n`,
      );
    }
  }
}
