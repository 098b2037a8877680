// scripts/build.mjs on a scratch workspace of two projects (b depends on a) whose build scripts
// only write a file: what it rebuilds, in which order, and what it says about why.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Each build appends its project's name to a log beside the workspace, so the order is visible.
const BUILD = `node -e "const fs=require('fs');fs.mkdirSync('dist',{recursive:true});fs.writeFileSync('dist/out.txt',fs.readFileSync('src/index.ts'));fs.appendFileSync('../../builds.log',require('./package.json').name+'\\n')"`;

let root: string;

function project(name: string, deps: Record<string, string> = {}): void {
  const dir = join(root, 'packages', name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', scripts: { build: BUILD }, dependencies: deps }),
  );
  writeFileSync(join(dir, 'src', 'index.ts'), `export const name = '${name}';\n`);
}

async function build(...args: string[]): Promise<{ stdout: string; builds: string[] }> {
  rmSync(join(root, 'builds.log'), { force: true });
  const { stdout } = await run(process.execPath, [join(root, 'scripts', 'build.mjs'), ...args], {
    cwd: root,
  });
  let builds: string[] = [];
  try {
    builds = readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing was built
  }
  return { stdout, builds };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'memkit-build-'));
  cpSync(join(ROOT, 'scripts'), join(root, 'scripts'), { recursive: true });
  cpSync(join(ROOT, 'tsconfig.json'), join(root, 'tsconfig.json'));
  project('a');
  project('b', { a: 'workspace:*' });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('scripts/build.mjs', () => {
  it('builds from clean in dependency order, then rebuilds nothing when nothing changed', async () => {
    const clean = await build();
    expect(clean.builds).toEqual(['a', 'b']);
    expect(clean.stdout).toContain('build: a (no previous build)');
    expect(clean.stdout).toContain('2 of 2 rebuilt');

    const again = await build();
    expect(again.builds).toEqual([]);
    expect(again.stdout).toContain('build: a up to date');
    expect(again.stdout).toContain('0 of 2 rebuilt');
  });

  it('rebuilds a changed project and what depends on it, and says which file changed', async () => {
    await build();
    writeFileSync(join(root, 'packages', 'a', 'src', 'index.ts'), "export const name = 'A';\n");
    const { stdout, builds } = await build();
    expect(builds).toEqual(['a', 'b']);
    expect(stdout).toContain('build: a (changed: packages/a/src/index.ts)');
    expect(stdout).toContain('build: b (changed: output:a)');
    expect(readFileSync(join(root, 'packages', 'a', 'dist', 'out.txt'), 'utf8')).toContain("'A'");
  });

  it('rebuilds only the dependent when only it changed', async () => {
    await build();
    writeFileSync(join(root, 'packages', 'b', 'src', 'extra.ts'), 'export {};\n');
    const { builds } = await build();
    expect(builds).toEqual(['b']);
  });

  it('rebuilds a project whose dist/ was deleted, and everything with --force', async () => {
    await build();
    rmSync(join(root, 'packages', 'b', 'dist'), { recursive: true });
    expect((await build()).builds).toEqual(['b']);
    expect((await build('--force')).builds).toEqual(['a', 'b']);
  });

  it('fails, and records no build, when a build script fails', async () => {
    await build();
    const manifest = join(root, 'packages', 'a', 'package.json');
    writeFileSync(manifest, JSON.stringify({ name: 'a', scripts: { build: 'exit 3' } }));
    await expect(build()).rejects.toMatchObject({ code: 1 });
    // Still stale: the next run tries again rather than trusting a half-built dist/.
    await expect(build()).rejects.toMatchObject({ code: 1 });
  });
});
