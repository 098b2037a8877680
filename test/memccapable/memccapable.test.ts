import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '@memkit/core';
import { describe, expect, it } from 'vitest';
import { requireBinary, startRealMemcached } from '../support/memcached.js';

/** The 27 checks `memccapable -a` (libmemcached-tools 1.1) runs, as it lists them against memcached 1.6.18. */
const ASCII_CHECKS = [
  'version',
  'quit',
  'verbosity',
  'set',
  'set noreply',
  'get',
  'gets',
  'mget',
  'flush',
  'flush noreply',
  'add',
  'add noreply',
  'replace',
  'replace noreply',
  'cas',
  'cas noreply',
  'delete',
  'delete noreply',
  'incr',
  'incr noreply',
  'decr',
  'decr noreply',
  'append',
  'append noreply',
  'prepend',
  'prepend noreply',
  'stat',
].map((name) => `ascii ${name}`);

/** The 27 checks `memccapable -b` runs against memcached 1.6.18. */
const BINARY_CHECKS = [
  'noop',
  'quit',
  'quitq',
  'set',
  'setq',
  'flush',
  'flushq',
  'add',
  'addq',
  'replace',
  'replaceq',
  'delete',
  'deleteq',
  'get',
  'getq',
  'getk',
  'getkq',
  'incr',
  'incrq',
  'decr',
  'decrq',
  'version',
  'append',
  'appendq',
  'prepend',
  'prependq',
  'stat',
].map((name) => `binary ${name}`);

type Mode = '-a' | '-b';

const BIN = fileURLToPath(new URL('../../packages/core/bin/memkit-server.js', import.meta.url));
const BUILT_CLI = fileURLToPath(
  new URL('../../packages/core/dist/cli/memkit-server.js', import.meta.url),
);

/** Starts the built `memkit-server` bin on a free port (it prints the address it listens on). */
function startBin(): Promise<{ port: number; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '-l', '127.0.0.1', '-p', '0', '-U', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`memkit-server did not report its address:\n${stderr}`));
    }, 10_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on [^\s]*:(\d+)/.exec(stderr);
      if (m?.[1] === undefined) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`memkit-server exited with ${code}:\n${stderr}`));
    });
  });
}

interface CapableRun {
  code: number | null;
  output: string;
  results: Map<string, string>;
}

/** Runs memccapable without blocking the event loop (the in-process server lives on it). */
function memccapable(port: number, mode: Mode = '-a'): Promise<CapableRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('memccapable', ['-h', '127.0.0.1', '-p', String(port), mode, '-t', '5'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const results = new Map<string, string>();
      for (const line of output.split('\n')) {
        const m = /^((?:ascii|binary) .*?)\s+\[(\w+)\]\s*$/.exec(line);
        if (m?.[1] !== undefined && m[2] !== undefined) results.set(m[1], m[2]);
      }
      resolve({ code, output, results });
    });
  });
}

function expectAllPassed(run: CapableRun, checks: readonly string[] = ASCII_CHECKS): void {
  const failed = [...run.results].filter(([, status]) => status !== 'pass');
  expect(failed, `memccapable output:\n${run.output}`).toEqual([]);
  expect([...run.results.keys()], `memccapable output:\n${run.output}`).toEqual(checks);
  expect(run.output, `memccapable output:\n${run.output}`).toContain('All tests passed');
  expect(run.code, `memccapable output:\n${run.output}`).toBe(0);
}

describe.skipIf(!requireBinary('memccapable') || !requireBinary('memcached'))(
  'memccapable -a',
  () => {
    it('lists the same 27 checks and passes them against the real memcached', async () => {
      const mc = await startRealMemcached();
      try {
        expectAllPassed(await memccapable(mc.port));
      } finally {
        await mc.stop();
      }
    });

    it('passes all 27 checks against the in-process server', async () => {
      const server = await startServer({ port: 0, host: '127.0.0.1' });
      try {
        expectAllPassed(await memccapable(server.port));
      } finally {
        await server.close();
      }
    });

    // `pnpm test` builds first; run `pnpm build` before running this file on its own.
    it('passes all 27 checks against the memkit-server bin', async () => {
      expect(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: run pnpm build`).toBe(true);
      const bin = await startBin();
      try {
        expectAllPassed(await memccapable(bin.port));
      } finally {
        await bin.stop();
      }
    });
  },
);

describe.skipIf(!requireBinary('memccapable') || !requireBinary('memcached'))(
  'memccapable -b (binary protocol)',
  () => {
    it('lists the same 27 checks and passes them against the real memcached', async () => {
      const mc = await startRealMemcached();
      try {
        expectAllPassed(await memccapable(mc.port, '-b'), BINARY_CHECKS);
      } finally {
        await mc.stop();
      }
    });

    it('passes all 27 checks against the in-process server', async () => {
      const server = await startServer({ port: 0, host: '127.0.0.1' });
      try {
        expectAllPassed(await memccapable(server.port, '-b'), BINARY_CHECKS);
      } finally {
        await server.close();
      }
    });

    it('passes all 27 checks against the in-process server with -B binary', async () => {
      const server = await startServer({ port: 0, host: '127.0.0.1', bindingProtocol: 'binary' });
      try {
        expectAllPassed(await memccapable(server.port, '-b'), BINARY_CHECKS);
      } finally {
        await server.close();
      }
    });
  },
);
