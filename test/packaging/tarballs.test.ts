// The packages as a user gets them: every public package is packed (`pnpm pack`, so workspace:*
// becomes a version and the source condition is dropped), the tarballs are installed with plain
// npm into a scratch app outside the workspace (one npm install for every app below), and
// Express (ESM and CommonJS), Fastify and TypeScript consumers run on them against the
// in-process memcached. The optional peers (prom-client, ioredis, express-rate-limit) are not
// installed, so neither importing nor type-checking may need them.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackedPackage, packPublicPackages } from '../../scripts/pack.mjs';
import { workspaceProjects } from '../../scripts/workspace.mjs';

const run = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const OPTIONAL_PEERS = ['prom-client', 'ioredis', 'express-rate-limit'];
/** What the apps install beside the tarballs, at the ranges the workspace itself uses. */
const APP_DEPENDENCIES = [
  'express',
  'express-session',
  'fastify',
  '@fastify/cookie',
  '@fastify/session',
  'typescript',
  '@types/express',
  '@types/express-session',
  '@types/node',
];
const SETUP_TIMEOUT = 10 * 60_000;
/** Per test: type-checking fastify's and express's own declarations takes a while on a busy machine. */
const TEST_TIMEOUT = 5 * 60_000;

let scratch: string;
let app: string;
let packed: PackedPackage[];

/** The range of `name` the workspace depends on (any package.json that names it). */
function workspaceRange(name: string): string {
  const root = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
  );
  for (const manifest of [root, ...workspaceProjects().map((p) => p.manifest)]) {
    for (const field of ['dependencies', 'devDependencies'] as const) {
      const range = (manifest[field] as Record<string, string> | undefined)?.[name];
      if (range && !range.startsWith('workspace:') && !range.startsWith('npm:')) return range;
    }
  }
  throw new Error(`no workspace package depends on ${name}`);
}

/** The environment for npm and the apps: none of pnpm's npm_* settings leak into npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'MEMCACHED_SERVERS' && k !== 'NODE_OPTIONS') env[k] = v;
  }
  return env;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'memkit-tarballs-'));
  packed = packPublicPackages(join(scratch, 'tarballs'));
  app = join(scratch, 'app');
  mkdirSync(app);
  cpSync(FIXTURES, app, { recursive: true });
  const dependencies: Record<string, string> = {};
  const overrides: Record<string, string> = {};
  for (const p of packed) {
    dependencies[p.name] = `file:${p.file}`;
    // A tarball's own dependency on another @memkit package is a version; the local tarball is it.
    overrides[p.name] = `$${p.name}`;
  }
  for (const name of APP_DEPENDENCIES) dependencies[name] = workspaceRange(name);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'memkit-tarball-app', private: true, dependencies, overrides }, null, 2),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    env: cleanEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });
}, SETUP_TIMEOUT);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the tarballs', () => {
  it(
    'hold a complete package each: LICENSE, README, metadata, every exported file, no source paths',
    async () => {
      const names = workspaceProjects()
        .filter((p) => p.rel.startsWith('packages') && !p.manifest.private)
        .map((p) => p.name);
      expect(packed.map((p) => p.name).sort()).toEqual(names.sort());
      for (const p of packed) {
        const { stdout } = await run('tar', ['-tzf', p.file]);
        const files = new Set(
          stdout
            .split('\n')
            .filter(Boolean)
            .map((f) => f.replace(/^package\//, '')),
        );
        expect(files, p.name).toContain('LICENSE');
        expect(files, p.name).toContain('README.md');
        expect(files, p.name).toContain('CHANGELOG.md');
        expect(
          [...files].filter((f) => f.startsWith('src/') || f.endsWith('.test.ts')),
          p.name,
        ).toEqual([]);
        const { stdout: json } = await run('tar', ['-xzOf', p.file, 'package/package.json']);
        const manifest = JSON.parse(json);
        const { stdout: license } = await run('tar', ['-xzOf', p.file, 'package/LICENSE']);
        expect(license, p.name).toMatch(/^MIT License/);
        expect(manifest.license).toBe('MIT');
        expect(manifest.sideEffects).toBe(false);
        expect(manifest.engines.node).toMatch(/^>=20/);
        expect(manifest.repository.url).toMatch(/^git\+https:/);
        expect(manifest.keywords.length, p.name).toBeGreaterThan(0);
        expect(manifest.description.length, p.name).toBeGreaterThan(0);
        expect(JSON.stringify(manifest.dependencies ?? {}), p.name).not.toContain('workspace:');
        const exported = JSON.stringify(manifest.exports);
        expect(exported, p.name).not.toContain('src');
        expect(exported, p.name).not.toContain('@memkit/source');
        const targets = [...leaves(manifest.exports), ...leaves(manifest.bin ?? {})].map((t) =>
          t.replace(/^\.\//, ''),
        );
        for (const target of targets) expect(files, `${p.name}: ${target}`).toContain(target);
        expect(exported, p.name).toContain('"require"');
        expect(exported, p.name).toContain('"import"');
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'install with npm without the optional peers',
    () => {
      for (const p of packed)
        expect(existsSync(join(app, 'node_modules', p.name, 'package.json'))).toBe(true);
      for (const peer of OPTIONAL_PEERS) {
        expect(existsSync(join(app, 'node_modules', peer)), `${peer} is installed`).toBe(false);
      }
    },
    TEST_TIMEOUT,
  );
});

/** Every string value (a file path) in an exports map or bin field, however nested. */
function leaves(target: unknown): string[] {
  if (typeof target === 'string') return [target];
  if (target === null || typeof target !== 'object') return [];
  return Object.values(target).flatMap(leaves);
}

interface Running {
  child: ChildProcess;
  port: number;
  output: () => string;
}

/** Starts `node <file>` in the scratch app and waits (bounded) for its "listening <port>". */
function startApp(file: string): Promise<Running> {
  const child = spawn(process.execPath, [file], {
    cwd: app,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /listening (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Sends SIGTERM and resolves with the exit code (bounded). */
function stop({ child, output }: Running): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not stop on SIGTERM:\n${output()}`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** The requests every web app answers: rate limit headers, a cached route, a session. */
async function exerciseWebApp(file: string, module: string): Promise<void> {
  const running = await startApp(file);
  try {
    const base = `http://127.0.0.1:${running.port}`;
    const first = await fetch(`${base}/cached`);
    const second = await fetch(`${base}/cached`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ renders: 1, module });
    expect(await second.json()).toEqual({ renders: 1, module });
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect(second.headers.get('x-cache')).toBe('HIT');
    expect(first.headers.get('x-ratelimit-limit')).toBe('100');
    const remaining = [first, second].map((r) => Number(r.headers.get('x-ratelimit-remaining')));
    expect(remaining[0]).toBeLessThan(100);
    expect(remaining[1]).toBe(remaining[0]! - 1);

    const login = await fetch(`${base}/login`, { method: 'POST' });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    expect(cookie).toBeDefined();
    const me = await fetch(`${base}/me`, { headers: { cookie: cookie! } });
    expect(await me.json()).toEqual({ user: 'ada' });
    const stranger = await fetch(`${base}/me`);
    expect(await stranger.json()).toEqual({ user: null });
  } finally {
    expect(await stop(running)).toBe(0);
  }
}

describe('apps on the installed tarballs', () => {
  it(
    'an ESM Express app (import): rate limit, response cache, express-session store',
    async () => {
      await exerciseWebApp('express-esm.mjs', 'esm');
    },
    TEST_TIMEOUT,
  );

  it(
    'a CommonJS Express app (require): the same',
    async () => {
      await exerciseWebApp('express-cjs.cjs', 'cjs');
    },
    TEST_TIMEOUT,
  );

  it(
    'a Fastify app: memcachedCache, rateLimit and @fastify/session on the store',
    async () => {
      await exerciseWebApp('fastify.mjs', 'fastify');
    },
    TEST_TIMEOUT,
  );
});

describe('TypeScript consumers (skipLibCheck: false, no optional peers)', () => {
  const tsc = () => join(app, 'node_modules', 'typescript', 'bin', 'tsc');
  const expected = {
    user: { name: 'Ada' },
    remaining: 1,
    cart: 3,
    backends: 1,
    unused: true,
    kinds: Array(9).fill('function'),
    error: 'ERR_MEMCACHED_INVALID_KEY',
  };

  it(
    'module nodenext: a .mts and a .cts file type-check and run',
    async () => {
      // One program each: a project is ESM or CommonJS (see README, "Use memkit in your app").
      for (const config of ['ts/tsconfig.mts.json', 'ts/tsconfig.cts.json']) {
        await run(process.execPath, [tsc(), '-p', config], { cwd: app }).catch(
          (err: { stdout?: string }) => {
            throw new Error(`tsc -p ${config} failed:\n${err.stdout}`);
          },
        );
      }
      for (const file of ['consumer.mjs', 'consumer.cjs']) {
        const { stdout } = await run(process.execPath, [join('ts', 'out-nodenext', file)], {
          cwd: app,
          env: cleanEnv(),
        });
        expect(JSON.parse(stdout), file).toEqual(expected);
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'moduleResolution bundler: type-checks and runs',
    async () => {
      await run(process.execPath, [tsc(), '-p', 'ts/tsconfig.bundler.json'], { cwd: app }).catch(
        (err: { stdout?: string }) => {
          throw new Error(`tsc (bundler) failed:\n${err.stdout}`);
        },
      );
      const out = join(app, 'ts', 'out-bundler');
      writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
      const { stdout } = await run(process.execPath, [join(out, 'bundler.js')], {
        cwd: app,
        env: cleanEnv(),
      });
      expect(JSON.parse(stdout)).toEqual(expected);
    },
    TEST_TIMEOUT,
  );
});
