import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type TestMemcached } from '../../../test/support/memcached-backends.js';
import type { RateLimitAlgorithm } from '../src/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/consume-child.mjs', import.meta.url));
const DIST = [
  new URL('../dist/index.js', import.meta.url),
  new URL('../../core/dist/index.js', import.meta.url),
];

/** Starts a child and resolves once it is connected and waiting for "go". */
function startChild(args: string[]): Promise<{ child: ChildProcess; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    let buffered = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line === 'ready') resolve({ child, lines });
      }
    });
    child.once('exit', (code) => {
      if (!lines.includes('ready')) reject(new Error(`child exited ${code}: ${stderr}`));
    });
  });
}

function resultOf(proc: { child: ChildProcess; lines: string[] }): Promise<number> {
  return new Promise((resolve, reject) => {
    proc.child.once('exit', (code) => {
      const last = proc.lines.at(-1);
      if (code !== 0 || last === undefined || last === 'ready') {
        reject(new Error(`child exited ${code} without a result`));
        return;
      }
      resolve((JSON.parse(last) as { allowed: number }).allowed);
    });
  });
}

let unique = 0;

for (const backend of BACKENDS) {
  describe.skipIf(!backend.available)(`two processes sharing ${backend.name}`, () => {
    let mc: TestMemcached;
    beforeAll(async () => {
      if (!DIST.every((u) => existsSync(u))) {
        throw new Error('the built packages are missing: run `npx -y pnpm@10 build` first');
      }
      mc = await backend.start();
    });
    afterAll(async () => {
      await mc?.stop();
    });

    for (const algorithm of ['fixed-window', 'sliding-window', 'gcra'] as RateLimitAlgorithm[]) {
      it(`${algorithm}: 2 × 500 concurrent requests with a limit of 100 allow exactly 100`, async () => {
        const key = `xproc-${algorithm}-${process.pid}-${++unique}`;
        const args = [mc.address, algorithm, '500', '100', key];
        const children = await Promise.all([startChild(args), startChild(args)]);
        const results = children.map(resultOf);
        for (const { child } of children) child.stdin?.write('go\n');
        const allowed = await Promise.all(results);
        expect(allowed[0]! + allowed[1]!).toBe(100);
      });
    }
  });
}
