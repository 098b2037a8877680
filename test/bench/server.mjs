#!/usr/bin/env node
// pnpm bench:server — memcaslap against memkit-server and against `memcached -t 1` in the same
// run; prints both throughputs and their ratio (target: memkit >= 0.5x memcached), and the ratio
// of memkit-server to the Node floor (node-floor-server.mjs: a bare node:net server answering
// memcaslap with fixed replies, what one Node thread can do at all), then profiles memkit-server
// under the same load (node --cpu-prof) and prints the top self-time functions.
//
// Env: BENCH_SECONDS (default 10), BENCH_CONCURRENCY (16), BENCH_ROUNDS (2, alternating servers),
// BENCH_PROFILE=0 to skip the profile, BENCH_STRICT=1 to exit 1 when the ratio misses the target,
// BENCH_MEMKIT_BIN=<path to a memkit-server.js> to measure another build.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, selfTimes } from './profile-summary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// BENCH_MEMKIT_BIN: another build's bin, to compare two versions against the same memcached.
const bin =
  process.env.BENCH_MEMKIT_BIN ?? join(root, 'packages', 'core', 'bin', 'memkit-server.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const TARGET = 0.5;
const HOST = '127.0.0.1';

function need(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    process.stderr.write(
      `bench:server needs ${name} (apt-get install memcached libmemcached-tools)\n`,
    );
    process.exit(1);
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

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function startMemcached() {
  const port = await freePort();
  const child = spawn(
    'memcached',
    ['-t', '1', '-l', HOST, '-p', String(port), '-U', '0', '-u', 'root', '-m', '64'],
    {
      stdio: 'ignore',
    },
  );
  await waitForPort(port, child);
  return { name: 'memcached -t 1', port, child };
}

async function startNodeFloor() {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(root, 'test', 'bench', 'node-floor-server.mjs'), String(port)],
    {
      stdio: 'ignore',
    },
  );
  await waitForPort(port, child);
  return { name: 'node floor', port, child };
}

async function startMemkit(nodeArgs = []) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...nodeArgs, bin, '-l', HOST, '-p', String(port), '-U', '0', '-m', '64'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d.toString();
  });
  try {
    await waitForPort(port, child);
  } catch (err) {
    throw new Error(
      `memkit-server did not start (run pnpm build first?): ${err.message}\n${stderr}`,
    );
  }
  return { name: 'memkit-server', port, child };
}

function memcaslap(port) {
  return new Promise((resolve, reject) => {
    const args = [
      '-s',
      `${HOST}:${port}`,
      '-t',
      `${SECONDS}s`,
      '-T',
      '1',
      '-c',
      String(CONCURRENCY),
    ];
    const child = spawn('memcaslap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
    });
    child.stderr.on('data', (d) => {
      out += d.toString();
    });
    child.once('error', reject);
    child.once('close', () => {
      const tps = /TPS: (\d+)/.exec(out);
      const gets = /cmd_get: (\d+)/.exec(out);
      const misses = /get_misses: (\d+)/.exec(out);
      if (!tps) return reject(new Error(`memcaslap printed no TPS:\n${out}`));
      resolve({
        tps: Number(tps[1]),
        cmdGet: Number(gets?.[1] ?? 0),
        getMisses: Number(misses?.[1] ?? 0),
      });
    });
  });
}

async function measure(start) {
  const server = await start();
  try {
    return { name: server.name, ...(await memcaslap(server.port)) };
  } finally {
    await stop(server.child);
  }
}

need('memcached');
need('memcaslap');
process.stdout.write(
  `memcaslap -T 1 -c ${CONCURRENCY} -t ${SECONDS}s (90% get / 10% set), ${ROUNDS} round(s)\n`,
);
const totals = { memcached: [], memkit: [], floor: [] };
for (let round = 1; round <= ROUNDS; round++) {
  const order =
    round % 2 === 1
      ? [startMemcached, startMemkit, startNodeFloor]
      : [startNodeFloor, startMemkit, startMemcached];
  for (const start of order) {
    const r = await measure(start);
    const bucket = r.name.startsWith('memcached')
      ? totals.memcached
      : r.name === 'node floor'
        ? totals.floor
        : totals.memkit;
    bucket.push(r.tps);
    process.stdout.write(
      `  round ${round}: ${r.name.padEnd(15)} ${String(r.tps).padStart(8)} ops/s  (gets ${r.cmdGet}, misses ${r.getMisses})\n`,
    );
  }
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mc = mean(totals.memcached);
const mk = mean(totals.memkit);
const floor = mean(totals.floor);
const ratio = mk / mc;
process.stdout.write(
  `\nmemcached -t 1: ${mc.toFixed(0)} ops/s\nmemkit-server:  ${mk.toFixed(0)} ops/s\nnode floor:     ${floor.toFixed(0)} ops/s\nratio memkit/memcached: ${ratio.toFixed(2)} (target >= ${TARGET}: ${ratio >= TARGET ? 'met' : 'MISSED'})\nratio memkit/node floor: ${(mk / floor).toFixed(2)}\n`,
);

if (PROFILE) {
  const dir = mkdtempSync(join(tmpdir(), 'memkit-prof-'));
  const server = await startMemkit(['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const r = await memcaslap(server.port);
  await stop(server.child);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    process.stdout.write(`\nno CPU profile was written in ${dir}\n`);
  } else {
    const path = join(dir, file);
    process.stdout.write(
      `\nCPU profile of memkit-server under memcaslap (${r.tps} ops/s while profiling): ${path}\n`,
    );
    process.stdout.write(
      `${formatSummary(selfTimes(JSON.parse(readFileSync(path, 'utf8'))), 25)}\n`,
    );
  }
}
if (process.env.BENCH_STRICT === '1' && ratio < TARGET) process.exitCode = 1;
