import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

// What `pnpm demo` and `pnpm demo:fastify` run after building (`pnpm test` builds first).
const entry = (app: string) => fileURLToPath(new URL(`../../${app}/dist/main.js`, import.meta.url));

/** Resolves with everything printed once `pattern` has been printed. */
function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (pattern.test(out)) {
        child.stdout?.off('data', onData);
        resolve(out);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${pattern}: ${out}`)));
  });
}

for (const [app, name] of [
  ['demo-api', 'demo-api (Express)'],
  ['demo-fastify', 'demo-fastify (Fastify 5)'],
] as const) {
  describe(`the ${app} process`, () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`starts on the in-process memcached, serves, and stops cleanly on ${signal}`, async () => {
        const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DEMO_DB_LATENCY_MS: '1' };
        delete env.MEMCACHED_SERVERS;
        const child = spawn(process.execPath, [entry(app)], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        try {
          const banner = await waitFor(child, /open (http:\/\/127\.0\.0\.1:\d+)\/dashboard\n/);
          const lines = banner.split('\n');
          expect(lines[0]).toMatch(
            new RegExp(
              `^memkit ${name.replace(/[()]/g, '\\$&')} listening on http://127\\.0\\.0\\.1:\\d+$`,
            ),
          );
          expect(lines[1]).toContain('started the in-process memcached');
          const url = /listening on (\S+)/.exec(lines[0]!)![1]!;
          await request(url).get('/api/users/1').expect(200);
          const exited = once(child, 'exit');
          const stopped = waitFor(child, /stopped\n/);
          child.kill(signal);
          await stopped;
          const [code] = await exited;
          expect(code).toBe(0);
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      });
    }
  });
}

describe('the hello-world process', () => {
  it('prints every step of the tour and exits 0', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MEMCACHED_SERVERS;
    const child = spawn(process.execPath, [entry('hello-world')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    for (const step of [
      '1. set / get / delete',
      '3. expiration',
      '7. cache-aside with a simulated database',
    ]) {
      expect(out).toContain(step);
    }
    expect(out).toContain('after 3 s → get: null (miss)');
    expect(out.trimEnd().endsWith('Tour complete.')).toBe(true);
  });
});
