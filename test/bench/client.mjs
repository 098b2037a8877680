// Client benchmark: memkit's built client against memjs, memcached (3rd-Eden) and
// memcache-client, on one real memcached started here on an ephemeral loopback port, in the same
// run. Each cell runs every client for BENCH_ROUNDS rounds (default 7) of BENCH_SECONDS (default
// 0.5) after a 0.5 s warm-up, the clients taking turns round by round, and reports each client's
// median round in operations per second; the last column is memkit / the best of the others.
// Medians, not best rounds: on a shared machine one lucky round says more about the neighbours
// than about the client. Clients use their default options.
//
//   pnpm bench:client                     (builds first)
//   BENCH_SECONDS=3 BENCH_ROUNDS=5 node test/bench/client.mjs
//   BENCH_CLIENTS=memkit BENCH_CELLS=multi node --cpu-prof test/bench/client.mjs   (profiling)
//
// `memkit+sub` is memkit with a (no-op) subscriber on its `memkit:command` TracingChannel during
// its rounds: the price of tracing. Plain `memkit` runs with nobody subscribed, where the channel
// costs one `hasSubscribers` read per request.
import { spawn } from 'node:child_process';
import { tracingChannel } from 'node:diagnostics_channel';
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { MemcachedClient } from '@memkit/core';
import MemcacheClientModule from 'memcache-client';
import Memcached from 'memcached';
import memjs from 'memjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 0.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const WARMUP_SECONDS = 0.5;
const KEYS = 1000;
const VALUE = 'v'.repeat(100);
const MULTI = 100;
const { MemcacheClient } = MemcacheClientModule;
// Comma-separated client names / cell ids, to run a subset (e.g. to profile).
const ONLY_CLIENTS = process.env.BENCH_CLIENTS?.split(',');
const ONLY_CELLS = process.env.BENCH_CELLS?.split(',');

/**
 * Each client behind the same promise interface; `getMulti` is null when it has none. The timed
 * calls return whatever the client's own API returns, so no client pays for adapting its
 * results; `value` and `hits` turn those into text and a Map for the sanity check only.
 */
const clients = {
  memkit(address) {
    const c = new MemcachedClient(address);
    return {
      get: (key) => c.get(key),
      set: (key, value) => c.set(key, value),
      getMulti: (keys) => c.getMulti(keys),
      value: (result) => result,
      hits: (result) => result,
      close: () => c.close(),
    };
  },
  'memkit+sub'(address) {
    const c = new MemcachedClient(address);
    const noop = () => {};
    const subscriber = { start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop };
    const channel = tracingChannel('memkit:command');
    return {
      get: (key) => c.get(key),
      set: (key, value) => c.set(key, value),
      getMulti: (keys) => c.getMulti(keys),
      value: (result) => result,
      hits: (result) => result,
      before: () => channel.subscribe(subscriber),
      after: () => channel.unsubscribe(subscriber),
      close: () => c.close(),
    };
  },
  memjs(address) {
    const c = memjs.Client.create(address, { logger: { log() {} } });
    return {
      get: (key) => c.get(key),
      set: (key, value) => c.set(key, value, { expires: 0 }),
      getMulti: null, // memjs has no multi-get
      value: (result) => result.value?.toString(),
      close: () => c.close(),
    };
  },
  memcached(address) {
    const c = new Memcached(address);
    // Its API takes callbacks: the promise is what lets the same driver await it.
    const call = (fn, ...args) =>
      new Promise((resolve, reject) => {
        fn.call(c, ...args, (err, data) => (err ? reject(err) : resolve(data)));
      });
    return {
      get: (key) => call(c.get, key),
      set: (key, value) => call(c.set, key, value, 0),
      getMulti: (keys) => call(c.getMulti, keys),
      value: (result) => result,
      hits: (result) => new Map(Object.entries(result)),
      close: () => c.end(),
    };
  },
  'memcache-client'(address) {
    const c = new MemcacheClient({ server: address, logger: quietLogger() });
    return {
      get: (key) => c.get(key),
      set: (key, value) => c.set(key, value),
      getMulti: (keys) => c.get(keys),
      value: (result) => result?.value?.toString(),
      hits: (result) => new Map(Object.entries(result).map(([k, r]) => [k, r.value?.toString()])),
      close: () => c.shutdown(),
    };
  },
};

/** The benchmark cells: what one operation is and how many callers run it at once. */
const cells = [
  { id: 'get1', name: 'get, concurrency 1', concurrency: 1, op: (c, i) => c.get(key(i)) },
  { id: 'get100', name: 'get, concurrency 100', concurrency: 100, op: (c, i) => c.get(key(i)) },
  {
    id: 'set100',
    name: 'set, concurrency 100',
    concurrency: 100,
    op: (c, i) => c.set(key(i), VALUE),
  },
  {
    id: 'multi',
    name: `${MULTI}-key multi-get, concurrency 10`,
    concurrency: 10,
    multi: true,
    op: (c, i) => c.getMulti(multiKeys(i)),
  },
];

function key(i) {
  return `bench:key:${i % KEYS}`;
}

function multiKeys(i) {
  const start = (i * MULTI) % KEYS;
  return Array.from({ length: MULTI }, (_, j) => key(start + j));
}

function quietLogger() {
  const noop = () => {};
  return { debug: noop, info: noop, warn: noop, error: noop };
}

/** Runs `op` from `concurrency` callers until the deadline; returns completed ops and errors. */
async function drive(client, cell, seconds) {
  client.before?.();
  const end = performance.now() + seconds * 1000;
  let ops = 0;
  let errors = 0;
  let firstError;
  let next = 0;
  const worker = async () => {
    while (performance.now() < end) {
      try {
        await cell.op(client, next++);
        ops++;
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: cell.concurrency }, worker));
  client.after?.();
  return { ops, errors, firstError };
}

/** Fails loudly when a client does not read back what was stored, so no number is fake. */
async function sanityCheck(name, client) {
  const got = client.value(await client.get(key(7)));
  if (got !== VALUE) throw new Error(`${name}: get returned ${String(got).slice(0, 40)}`);
  if (client.getMulti) {
    const hits = client.hits(await client.getMulti(multiKeys(3)));
    if (hits.size !== MULTI) throw new Error(`${name}: multi-get returned ${hits.size} hits`);
    for (const value of hits.values()) {
      if (value !== VALUE) throw new Error(`${name}: multi-get returned bad data`);
    }
  }
}

async function main() {
  const server = await startMemcached();
  const address = `127.0.0.1:${server.port}`;
  const open = {}; // client name -> adapter, for the clients that passed the sanity check
  const results = {}; // cell name -> client name -> ops/s of each round | 'n/a' | 'error'
  for (const cell of cells) results[cell.name] = {};
  try {
    await preload(server.port);
    for (const [name, create] of Object.entries(clients)) {
      if (ONLY_CLIENTS !== undefined && !ONLY_CLIENTS.includes(name)) continue;
      const client = create(address);
      try {
        await sanityCheck(name, client);
        open[name] = client;
      } catch (err) {
        process.stderr.write(`${name}: ${err?.message ?? err}\n`);
        for (const cell of cells) results[cell.name][name] = 'error';
        await client.close();
      }
    }
    for (const cell of cells) {
      if (ONLY_CELLS !== undefined && !ONLY_CELLS.includes(cell.id)) {
        continue;
      }
      const names = Object.keys(open).filter((name) => {
        if (cell.multi && !open[name].getMulti) results[cell.name][name] = 'n/a';
        return !(cell.multi && !open[name].getMulti);
      });
      for (const name of names) await drive(open[name], cell, WARMUP_SECONDS);
      // Rounds interleave the clients (in a rotating order), so a burst of load from elsewhere
      // on the machine does not land on one client only.
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + round) % names.length];
          if (results[cell.name][name] === 'error') continue;
          const { ops, errors, firstError } = await drive(open[name], cell, SECONDS);
          if (errors > 0) {
            results[cell.name][name] = 'error';
            process.stderr.write(
              `${name} / ${cell.name}: ${errors} errors, first: ${firstError}\n`,
            );
            continue;
          }
          results[cell.name][name] ??= [];
          results[cell.name][name].push(ops / SECONDS);
        }
      }
      process.stderr.write(`  ${cell.name}: done\n`);
    }
    printTable(results);
  } finally {
    for (const client of Object.values(open)) await client.close();
    server.stop();
  }
}

function printTable(results) {
  const names = Object.keys(clients);
  const header = ['operations/s', ...names, 'memkit / best other', 'memkit+sub / memkit'];
  const rows = Object.entries(results).map(([cell, rounds]) => {
    const byClient = Object.fromEntries(
      names.map((n) => [n, Array.isArray(rounds[n]) ? median(rounds[n]) : rounds[n]]),
    );
    const others = names.filter((n) => !n.startsWith('memkit')).map((n) => byClient[n]);
    const best = Math.max(0, ...others.filter((v) => typeof v === 'number'));
    const mine = byClient.memkit;
    const ratio = typeof mine === 'number' && best > 0 ? `${(mine / best).toFixed(2)}x` : 'n/a';
    const sub = byClient['memkit+sub'];
    const traced =
      typeof mine === 'number' && typeof sub === 'number' ? `${(sub / mine).toFixed(2)}x` : 'n/a';
    return [cell, ...names.map((n) => format(byClient[n])), ratio, traced];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cols) => `| ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(
    `\nMedian of ${ROUNDS} interleaved rounds of ${SECONDS}s per client and cell; ${VALUE.length}-byte values, ${KEYS} keys, one memcached`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function format(v) {
  return typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : String(v ?? 'n/a');
}

/** Stores the benchmark keys with flags 0 (plain bytes), which every client reads as text. */
function preload(port) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let replies = '';
    socket.on('error', reject);
    socket.on('data', (d) => {
      replies += d.toString('latin1');
      if (replies.split('\r\n').length > KEYS) {
        socket.destroy();
        if (!replies.startsWith('STORED')) reject(new Error(`preload: ${replies.slice(0, 80)}`));
        else resolve();
      }
    });
    let batch = '';
    for (let i = 0; i < KEYS; i++) batch += `set ${key(i)} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`;
    socket.write(batch);
  });
}

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
  const port = await freePort();
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '256'];
  // memcached refuses to run as root unless told which user to stay.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn('memcached', args, { stdio: 'ignore' });
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return { port, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  stop();
  throw new Error('memcached did not start');
}

await main();
