import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// `-m` is a promise about the process: the memkit-server bin, filled with twice its -m, grows
// its resident set by at most 2 x -m plus a fixed overhead, while it evicts and once filled.
// Runs the compiled bin (`pnpm test` builds first; `pnpm build` when running alone).
const BIN = fileURLToPath(new URL('../../bin/memkit-server.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/memkit-server.js', import.meta.url));
const MiB = 1024 * 1024;
const LIMIT_MB = 32;
/** What the process may spend beyond 2 x -m whatever it stores (runtime, buffers). */
const FIXED_MB = 64;
const BOUND = (2 * LIMIT_MB + FIXED_MB) * MiB;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts the bin with -m LIMIT_MB and waits for its "listening on host:port" line. */
async function startBin(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [BIN, '-p', '0', '-U', '0', '-m', String(LIMIT_MB)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /listening on [\d.]+:(\d+)/.exec(out);
    if (m) return { child, port: Number(m[1]) };
    if (child.exitCode !== null) throw new Error(`exited early: ${out}`);
    if (Date.now() > deadline) throw new Error(`never listened: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The process's resident set (VmRSS), in bytes. */
function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Sends `payload` and waits until the server has answered the `mn` after it. */
function roundTrip(socket: Socket, payload: string, until: string): Promise<string> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.endsWith(until)) {
        socket.off('data', onData);
        resolve(seen);
      }
    };
    socket.on('data', onData);
    socket.write(payload);
  });
}

/**
 * Fills a fresh bin with 2 x -m of `valueSize`-byte values over a raw socket (pipelined
 * noreply sets), sampling RSS after each batch; returns the peak and final growth over the
 * idle server's RSS, and the `evictions` stat.
 */
async function fill(valueSize: number) {
  const { child, port } = await startBin();
  const pid = child.pid!;
  const socket = connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  try {
    const idle = rss(pid);
    const value = 'v'.repeat(valueSize);
    const count = Math.ceil((2 * LIMIT_MB * MiB) / (valueSize + 50));
    const per = Math.max(1, Math.min(1000, Math.floor((4 * MiB) / (valueSize + 64))));
    let peak = 0;
    for (let i = 0; i < count; i += per) {
      let payload = '';
      for (let j = i; j < Math.min(count, i + per); j++)
        payload += `set k${j} 0 0 ${valueSize} noreply\r\n${value}\r\n`;
      await roundTrip(socket, `${payload}mn\r\n`, 'MN\r\n');
      peak = Math.max(peak, rss(pid) - idle);
    }
    const filled = rss(pid) - idle;
    const stats = await roundTrip(socket, 'stats\r\n', 'END\r\n');
    const evictions = Number(/STAT evictions (\d+)/.exec(stats)![1]);
    return { peak: Math.max(peak, filled), filled, evictions };
  } finally {
    socket.destroy();
  }
}

describe.runIf(existsSync('/proc/self/status'))('memkit-server -m 32 filled with 2 x -m', () => {
  beforeAll(() => {
    if (!existsSync(BUILT))
      throw new Error('packages/core/dist is missing: run `pnpm build` first');
  });

  it.each([
    ['tiny', 10],
    ['medium', 10_000],
    ['near-1 MB', 1_000_000],
  ])(
    'of %s values (%i B) grows RSS by at most 2 x -m + 64 MiB, evicting and once filled',
    async (_, valueSize) => {
      const r = await fill(valueSize);
      // It really was full: half of what was sent had to go.
      expect(r.evictions).toBeGreaterThan(0);
      expect(r.peak).toBeLessThanOrEqual(BOUND);
      expect(r.filled).toBeLessThanOrEqual(BOUND);
    },
    120_000,
  );
});
