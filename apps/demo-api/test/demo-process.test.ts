import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';

// What `pnpm demo` and `pnpm demo:fastify` run after building (`pnpm test` builds first).
const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const entry = (app: string) => repo(`apps/${app}/dist/main.js`);

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

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DEMO_DB_LATENCY_MS: '1', ...extra };
  for (const name of [
    'MEMCACHED_SERVERS',
    'MEMCACHED_DISCOVERY',
    'TRUST_PROXY',
    'NODE_ENV',
    'SESSION_SECRET',
    'ADMIN_TOKEN',
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** Runs a demo that must fail to start: its exit code and what it wrote. */
async function failedStart(app: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [entry(app)], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const [code] = await once(child, 'close');
  return { code: code as number, stdout, stderr };
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)\n[\s\S]*try:\n/;

for (const [app, name] of [
  ['demo-api', 'demo-api (Express)'],
  ['demo-fastify', 'demo-fastify (Fastify 5)'],
] as const) {
  describe(`the ${app} process`, () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      it(`starts on the in-process memcached, serves, and stops cleanly on ${signal}`, async () => {
        const child = spawn(process.execPath, [entry(app)], {
          env: cleanEnv({}),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        try {
          const banner = await waitFor(child, LISTENING);
          // Fastify's own JSON "Server listening" line may come first; the banner follows.
          const lines = banner.split('\n').filter((l) => !l.startsWith('{'));
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

    it('a busy port: one line "port N is in use; set PORT" and exit 78', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as { port: number };
      try {
        const { code, stderr } = await failedStart(app, { PORT: String(port) });
        expect(stderr).toBe(`${app}: port ${port} is in use; set PORT\n`);
        expect(code).toBe(78);
      } finally {
        blocker.close();
      }
    });

    it.each([
      [{ PORT: '99999' }, 'PORT=99999 is not valid: expected an integer 0-65535'],
      [
        { MEMCACHED_SERVERS: 'foo:bar' },
        'MEMCACHED_SERVERS=foo:bar is not valid: expected comma-separated host:port entries with ports 1-65535, e.g. 10.0.0.1:11211,10.0.0.2:11211',
      ],
      [
        { MEMCACHED_DISCOVERY: 'consul:memcached' },
        'MEMCACHED_DISCOVERY=consul:memcached is not valid: unknown kind "consul"; expected dns:<name>[:port] (A/AAAA records, e.g. dns:memcached-headless.default.svc.cluster.local:11211), srv:<name> (SRV records) or elasticache:<host>:<port> (a configuration endpoint)',
      ],
      [
        { TRUST_PROXY: 'true' },
        'TRUST_PROXY=true is refused: it trusts every X-Forwarded-For hop, so any client could pick its own IP and dodge the per-IP limits; set the number of proxies in front (e.g. TRUST_PROXY=1) or their addresses (e.g. TRUST_PROXY=10.0.0.0/8)',
      ],
      [
        { NODE_ENV: 'production' },
        'SESSION_SECRET is not set: NODE_ENV=production refuses the demo secret; set SESSION_SECRET to 32+ random characters',
      ],
    ])('a bad setting %o: one line naming it, exit 78', async (env, line) => {
      const { code, stdout, stderr } = await failedStart(app, env);
      expect(stderr).toBe(`${app}: ${line}\n`);
      expect(stdout).toBe('');
      expect(code).toBe(78);
    });
  });
}

/** Every process below `pid`, from /proc (Linux). */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const task of tasks) {
    const children = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of children.split(' ').filter(Boolean).map(Number)) {
      out.push(child, ...(await descendants(child)));
    }
  }
  return out;
}

describe('pnpm demo', () => {
  it('forwards SIGTERM to the app: pnpm runs the script, the script execs node', async () => {
    // The root script, run by pnpm as `pnpm demo` runs it, minus the build (`pnpm test` built
    // already): a scratch package with the same script and the same relative paths.
    const script: string = JSON.parse(readFileSync(repo('package.json'), 'utf8')).scripts.demo;
    const [build, run] = script.split(' && ');
    expect(build).toBe('pnpm -s build');
    expect(run).toBe('exec node apps/demo-api/dist/main.js');
    // demo:fastify runs the same way.
    expect(JSON.parse(readFileSync(repo('package.json'), 'utf8')).scripts['demo:fastify']).toBe(
      'pnpm -s build && exec node apps/demo-fastify/dist/main.js',
    );
    const dir = mkdtempSync(join(tmpdir(), 'memkit-pnpm-demo-'));
    symlinkSync(repo('apps'), join(dir, 'apps'));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, scripts: { demo: `true && ${run}` } }),
    );
    expect(readlinkSync(join(dir, 'apps'))).toBe(repo('apps'));
    // npx finds (or fetches) pnpm 10, as the README tells users to run it.
    execFileSync('npx', ['-y', 'pnpm@10', '--version'], { stdio: 'ignore' });
    const npx = spawn('npx', ['-y', 'pnpm@10', '-s', 'run', 'demo'], {
      cwd: dir,
      env: cleanEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await waitFor(npx, LISTENING);
      const url = LISTENING.exec(banner)![1]!;
      await request(url).get('/api/users/1').expect(200);
      // SIGTERM to pnpm alone, as `docker stop` or a supervisor sends it to the process it started.
      let pnpm: number | undefined;
      for (const pid of await descendants(npx.pid!)) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        // `node …/pnpm.cjs` or `node …/.bin/pnpm`: the pnpm process itself, not npx's shell.
        if (/^\S*node\0\S*(\/\.bin\/pnpm|pnpm\.c?js)\0/.test(cmdline)) pnpm = pid;
      }
      expect(pnpm).toBeDefined();
      const stopped = waitFor(npx, /demo-api stopped\n/);
      process.kill(pnpm!, 'SIGTERM');
      const out = await stopped;
      expect(out).toContain('SIGTERM: draining requests and closing memcached connections');
      const [code] = await once(npx, 'exit');
      expect(code).toBe(0);
    } finally {
      if (npx.exitCode === null) npx.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the hello-world process', () => {
  it('prints every step of the tour with real times, and exits 0', async () => {
    const child = spawn(process.execPath, [entry('hello-world')], {
      env: cleanEnv({}),
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
    expect(out).not.toContain('1970-01-01');
    expect(out).toContain(`"loginAt":"${new Date().toISOString().slice(0, 10)}`);
    expect(out.trimEnd().endsWith('Tour complete.')).toBe(true);
  });
});
