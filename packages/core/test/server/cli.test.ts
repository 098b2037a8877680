import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasBinary } from '../../../../test/support/memcached.js';
import { RawClient } from './raw-client.js';

// The bin runs the compiled CLI: `pnpm test` builds first (`pnpm build` when running alone).
const BIN = fileURLToPath(new URL('../../bin/memkit-server.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/cli/memkit-server.js', import.meta.url));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const env = { ...process.env };
  delete env.MEMCACHED_SASL_PWDB;
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output: () => out, exited };
}

/** Starts the bin and waits for its "listening on host:port" line. */
async function listen(args: string[]) {
  const proc = run(args);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /listening on ([\d.]+):(\d+)/.exec(proc.output());
    if (m) return { ...proc, port: Number(m[2]) };
    if (proc.child.exitCode !== null) throw new Error(`exited early: ${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`never listened: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('memkit-server bin', () => {
  beforeAll(() => {
    if (!existsSync(BUILT))
      throw new Error('packages/core/dist is missing: run `pnpm build` first');
  });

  it('takes memcached flags, serves, and exits 0 on SIGTERM', async () => {
    const proc = await listen(['-p', '0', '-l', '127.0.0.1', '-U', '0', '-u', 'root', '-t', '4']);
    const c = await RawClient.open(proc.port);
    expect(await c.request('set k 0 0 1\r\nx\r\nget k\r\n', 'END\r\n')).toBe(
      'STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n',
    );
    c.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('applies -m -c -I -F -C and long forms, and stops on SIGINT', async () => {
    const proc = await listen([
      '--port=0',
      '--listen=127.0.0.1',
      '-m',
      '128',
      '--conn-limit=10',
      '-I',
      '2m',
      '-F',
      '--disable-cas',
      '--threads=2',
    ]);
    const c = await RawClient.open(proc.port);
    const settings = await c.request('stats settings\r\n', 'END\r\n');
    expect(settings).toContain('STAT maxbytes 134217728\r\n');
    expect(settings).toContain('STAT maxconns 10\r\n');
    expect(settings).toContain('STAT item_size_max 2097152\r\n');
    expect(settings).toContain('STAT flush_enabled no\r\n');
    expect(settings).toContain('STAT cas_enabled no\r\n');
    expect(await c.request('flush_all\r\n')).toBe('CLIENT_ERROR flush_all not allowed\r\n');
    c.close();
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  });

  it('--cluster-config answers config get cluster like an ElastiCache endpoint', async () => {
    const proc = await listen(['-p', '0', '--cluster-config', '10.0.0.1:11211,cache-2:11212']);
    const c = await RawClient.open(proc.port);
    const body = '1\n10.0.0.1|10.0.0.1|11211 cache-2||11212\n';
    expect(await c.request('config get cluster\r\n', 'END\r\n')).toBe(
      `CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`,
    );
    c.close();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('says once that UDP is unsupported when -U is non-zero', async () => {
    const proc = await listen(['-p', '0', '-U', '11211']);
    expect(proc.output().match(/UDP is not supported/g)).toHaveLength(1);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });

  it('-vv logs client commands to stderr', async () => {
    const proc = await listen(['-p', '0', '-vv']);
    const c = await RawClient.open(proc.port);
    await c.request('version\r\n');
    c.close();
    proc.child.kill('SIGTERM');
    await proc.exited;
    expect(proc.output()).toContain('version');
  });

  it('prints help and version, and rejects unknown flags', async () => {
    const help = run(['-h']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toContain('--memory-limit');
    const version = run(['--version']);
    expect(await version.exited).toBe(0);
    expect(version.output()).toMatch(/memkit-server \d+\.\d+\.\d+/);
    const bad = run(['-Q']);
    expect(await bad.exited).toBe(64);
    expect(bad.output()).toContain("invalid option -- 'Q'");
  });

  // Differential: the same flags given to Debian's memcached 1.6.18, exit code and message.
  const REFUSED: [flags: string[], code: number, message: string][] = [
    [['-m', '0'], 64, 'Cannot set item size limit higher than 1/2 of memory max.\n'],
    [
      ['-I', '100k'],
      64,
      'slab_chunk_max (bytes: 524288) cannot be larger than -I (item_size_max 102400)\n',
    ],
    [['-t', '0'], 1, 'Number of threads must be greater than 0\n'],
    [['-c', '0'], 1, 'Maximum connections must be greater than 0\n'],
    [['-m', '1'], 64, 'Cannot set item size limit higher than 1/2 of memory max.\n'],
  ];
  for (const [flags, code, message] of REFUSED) {
    it(`refuses to start with ${flags.join(' ')}, as memcached does`, async () => {
      const ours = run(['-p', '0', '-U', '0', ...flags]);
      expect(await ours.exited).toBe(code);
      expect(ours.output()).toBe(message);
      if (!hasBinary('memcached')) return;
      const real = spawn(
        'memcached',
        ['-u', 'root', '-l', '127.0.0.1', '-p', '0', '-U', '0', ...flags],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(real);
      let out = '';
      real.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      real.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const realCode = await new Promise<number | null>((resolve) =>
        real.once('exit', (c) => resolve(c)),
      );
      expect({ code: realCode, out }).toEqual({ code, out: message });
    });
  }
  it("-Y <file> requires ASCII authentication with the file's credentials", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memkit-auth-'));
    const file = join(dir, 'auth');
    writeFileSync(file, 'app:pw1\nother:pw2\n');
    const proc = await listen(['-p', '0', '-Y', file]);
    const c = await RawClient.open(proc.port);
    expect(await c.request('get k\r\n')).toBe('CLIENT_ERROR unauthenticated\r\n');
    expect(await c.request('set x 0 0 9\r\nother pw2\r\n')).toBe('STORED\r\n');
    expect(await c.request('stats settings\r\n', 'END\r\n')).toContain(
      `STAT auth_enabled_ascii ${file}\r\n`,
    );
    c.close();
    const malformed = join(dir, 'bad');
    writeFileSync(malformed, 'no colon here\n');
    const bad = run(['-p', '0', '-Y', malformed]);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('has a malformed entry');
  });

  it('-B binary serves binary only; -S with -B ascii is refused as memcached refuses it', async () => {
    const proc = await listen(['-p', '0', '-B', 'binary']);
    const c = await RawClient.open(proc.port);
    c.send('stats\r\nstats\r\nstats\r\nstats\r\n');
    expect(await c.untilClosed()).toBe('');
    const bad = run(['-S', '-B', 'ascii']);
    expect(await bad.exited).toBe(64);
    expect(bad.output()).toContain('You cannot allow the ASCII protocol while using SASL');
    const noCredentials = run(['-p', '0', '-S']);
    expect(await noCredentials.exited).toBe(1);
    expect(noCredentials.output()).toContain('MEMCACHED_SASL_PWDB');
    const invalid = run(['-B', 'udp']);
    expect(await invalid.exited).toBe(64);
    expect(invalid.output()).toContain('Invalid value for binding protocol: udp');
  });
});
