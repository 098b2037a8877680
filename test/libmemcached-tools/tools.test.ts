import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MemcachedServer, startServer } from '@memkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealMemcached, requireBinary, startRealMemcached } from '../support/memcached.js';

interface Run {
  code: number | null;
  stdout: string;
}

/** Runs a libmemcached tool without blocking the event loop (the in-process server runs on it). */
function tool(name: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(name, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('latin1');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

/** The binary-protocol session of libmemcached's tools; stats that differ by process are left out. */
async function session(port: number, dir: string, sasl: string[] = []): Promise<Run[]> {
  const s = [`--servers=127.0.0.1:${port}`, '--binary', ...sasl];
  const runs: Run[] = [];
  const run = async (name: string, args: string[]) => runs.push(await tool(name, args, dir));
  await run('memccp', [...s, join(dir, 'file1'), join(dir, 'file2')]);
  await run('memccat', [...s, 'file1']);
  await run('memccat', [...s, '--flags', 'file2', 'missing']);
  await run('memcexist', [...s, 'file1']);
  await run('memcexist', [...s, 'missing']);
  await run('memctouch', [...s, '--expire=100', 'file1']);
  await run('memctouch', [...s, '--expire=100', 'missing']);
  await run('memcrm', [...s, 'file1']);
  await run('memcrm', [...s, 'file1']);
  await run('memccat', [...s, 'file1']);
  await run('memcflush', s);
  await run('memccat', [...s, 'file2']);
  const stat = await tool('memcstat', s, dir);
  // Only the names: values are per process.
  const names = stat.stdout
    .split('\n')
    .map((l) => /^\t(\w+):/.exec(l)?.[1])
    .filter((n) => n !== undefined);
  runs.push({ code: stat.code, stdout: names.join(' ') });
  return runs;
}

describe.skipIf(!requireBinary('memccp') || !requireBinary('memcached'))(
  "libmemcached's tools with --binary",
  () => {
    let real: RealMemcached;
    let ours: MemcachedServer;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'memkit-tools-'));
      writeFileSync(join(dir, 'file1'), 'hello\n');
      writeFileSync(join(dir, 'file2'), 'second file');
      real = await startRealMemcached();
      ours = await startServer();
    });
    afterAll(async () => {
      await Promise.all([real?.stop(), ours?.close()]);
    });

    it('give memkit-server the exit codes and output they give memcached 1.6.18', async () => {
      const expected = await session(real.port, dir);
      const received = await session(ours.port, dir);
      expect(received).toEqual(expected);
      // The session did something: a hit printed the file, a miss failed.
      expect(expected[1]).toEqual({ code: 0, stdout: 'hello\n\n' });
      expect(expected[4]?.code).not.toBe(0);
    });

    it('authenticate with SASL PLAIN against memkit-server -S, and fail with a wrong password', async () => {
      const sasl = await startServer({ sasl: { username: 'tool', password: 's3cret' } });
      try {
        const good = await session(sasl.port, dir, ['--username=tool', '--password=s3cret']);
        expect(good).toEqual(await session(real.port, dir));
        const bad = await tool(
          'memccat',
          [`--servers=127.0.0.1:${sasl.port}`, '--binary', '--username=tool', '--password=x', 'a'],
          dir,
        );
        expect(bad.code).not.toBe(0);
        expect(Number(sasl.stats().auth_errors)).toBeGreaterThan(0);
      } finally {
        await sasl.close();
      }
    });
  },
);
