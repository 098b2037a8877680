// Docs that run: every JavaScript or TypeScript code block in the root README, the package
// READMEs and the app READMEs is written to a file and run with node as a user would paste it,
// against the in-process memcached (MEMCACHED_SERVERS) and a real redis-server (REDIS_URL).
// A block passes when it exits 0 on its own within the bound, so it must close what it opens.
// A package README's blocks run inside that package (so it imports itself by name, from the
// build); the others run inside test/. Conventions: README.md, "Docs that run".
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { type MemcachedServer, startServer } from '@memkit/core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, workspaceProjects } from '../../scripts/workspace.mjs';
import { type RealRedis, startRealRedis } from '../support/redis.js';

const run = promisify(execFile);
/** Languages whose blocks are programs and run. */
const RUNNABLE = new Set(['js', 'mjs', 'cjs', 'ts', 'mts', 'cts']);
/** Languages that are not programs: terminal commands and data. Never run. */
const NOT_PROGRAMS = new Set(['sh', 'text', 'json', 'yaml']);
/** The opt-out marker on a fence (```js no-run), for blocks that need infrastructure. */
const NO_RUN = 'no-run';
const BLOCK_TIMEOUT_MS = 30_000;

interface Block {
  readme: string;
  index: number;
  line: number;
  lang: string;
  flags: string[];
  code: string;
  /** Where it runs: the package whose README it is, else test/. */
  cwd: string;
}

function readmes(): { file: string; cwd: string }[] {
  const list = [{ file: join(ROOT, 'README.md'), cwd: join(ROOT, 'test') }];
  for (const p of workspaceProjects()) {
    const file = join(p.dir, 'README.md');
    if (!existsSync(file)) continue;
    list.push({ file, cwd: p.rel.startsWith('packages') ? p.dir : join(ROOT, 'test') });
  }
  return list;
}

function extractBlocks(file: string, cwd: string): Block[] {
  const blocks: Block[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({
      readme: relative(ROOT, file),
      index: blocks.length + 1,
      line: start + 1,
      lang: open[1]!,
      flags: open[2]!.split(/\s+/).filter(Boolean),
      code: `${body.join('\n')}\n`,
      cwd,
    });
  }
  return blocks;
}

const blocks = readmes().flatMap(({ file, cwd }) => extractBlocks(file, cwd));
const runnable = blocks.filter((b) => RUNNABLE.has(b.lang) && !b.flags.includes(NO_RUN));
const runDirs = new Set(runnable.map((b) => join(b.cwd, '.docs-run')));

let redis: RealRedis;

beforeAll(async () => {
  // Blocks import the packages by name, as users do: from the build (only what changed).
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
  redis = await startRealRedis();
}, 300_000);

afterAll(async () => {
  await redis?.stop();
  for (const dir of runDirs) rmSync(dir, { recursive: true, force: true });
});

describe('README code blocks', () => {
  it('every block says its language, and only blocks that are not programs go unrun', () => {
    for (const b of blocks) {
      const where = `${b.readme}:${b.line}`;
      expect(b.lang, `${where}: a fence names its language`).not.toBe('');
      expect(RUNNABLE.has(b.lang) || NOT_PROGRAMS.has(b.lang), `${where}: language ${b.lang}`).toBe(
        true,
      );
      for (const flag of b.flags) expect([NO_RUN], `${where}: unknown fence flag`).toContain(flag);
    }
    expect(runnable.length).toBeGreaterThan(0);
  });

  for (const b of runnable) {
    it(
      `${b.readme} block ${b.index} (line ${b.line}, ${b.lang}) runs as-is`,
      async () => {
        const dir = join(b.cwd, '.docs-run');
        mkdirSync(dir, { recursive: true });
        const base = `${b.readme.replace(/[^a-z0-9]+/gi, '-')}-${b.index}`;
        const commonjs = b.lang === 'cjs' || b.lang === 'cts';
        const file = join(dir, `${base}.${commonjs ? 'cjs' : 'mjs'}`);
        const code = b.lang.endsWith('ts')
          ? ts.transpileModule(b.code, {
              compilerOptions: {
                module: commonjs ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext,
                target: ts.ScriptTarget.ES2022,
                verbatimModuleSyntax: false,
              },
            }).outputText
          : b.code;
        writeFileSync(file, code);
        // A fresh memcached and an empty redis per block: what it prints is what a reader gets.
        const memcached: MemcachedServer = await startServer();
        await redis.redis.flushall();
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          MEMCACHED_SERVERS: memcached.address,
          REDIS_URL: `redis://${redis.host}:${redis.port}`,
        };
        delete env.NODE_OPTIONS;
        try {
          const { stdout } = await run(process.execPath, [file], {
            cwd: dir,
            env,
            timeout: BLOCK_TIMEOUT_MS,
          });
          if (process.env.DOCS_SHOW_OUTPUT) console.log(`${b.readme}:${b.line}\n${stdout}`);
        } catch (err) {
          const e = err as { code?: number; signal?: string; stdout?: string; stderr?: string };
          throw new Error(
            `${b.readme}:${b.line} failed (exit ${e.code ?? e.signal}; a block must end on its own within ${BLOCK_TIMEOUT_MS} ms):\n${e.stdout ?? ''}${e.stderr ?? ''}`,
          );
        } finally {
          await memcached.close();
        }
      },
      BLOCK_TIMEOUT_MS + 10_000,
    );
  }
});
