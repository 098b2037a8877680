#!/usr/bin/env node
// Builds the workspace's projects in dependency order, skipping every project whose inputs
// (its src/, bin/, configs, the shared build config, the build tools' versions and the outputs
// of the workspace projects it depends on) are unchanged since its last build. A build with
// nothing changed reads and hashes files only. Prints what it rebuilds and why.
//
//   node scripts/build.mjs            build what changed
//   node scripts/build.mjs --force    rebuild everything
//   node scripts/build.mjs @memkit/core apps/hello-world   only these (and what they need)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { ROOT, workspaceProjects } from './workspace.mjs';

const STAMP = '.build-stamp.json';
const args = process.argv.slice(2);
const force = args.includes('--force');
const wanted = args.filter((a) => !a.startsWith('--'));

/** Files shared by every build: a change here rebuilds everything. */
const SHARED_INPUTS = ['tsconfig.json', 'scripts/tsup-package.ts'];
/** Tools whose version changes the output. */
const TOOLS = ['tsup', 'typescript', 'esbuild'];
/** What a project's build reads, relative to its directory. */
const PROJECT_INPUTS = ['src', 'bin', 'package.json', 'tsup.config.ts'];

function listFiles(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(path, e.name)) : [join(path, e.name)],
  );
}

function hashFile(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}

function toolVersions() {
  const versions = {};
  for (const tool of TOOLS) {
    const manifest = [join(ROOT, 'node_modules', tool, 'package.json')].find(existsSync);
    versions[tool] = manifest ? JSON.parse(readFileSync(manifest, 'utf8')).version : 'absent';
  }
  return versions;
}

/** Every input of `project` with its content hash, keyed by path relative to the root. */
function projectInputs(project, tools, outputs) {
  const inputs = {};
  const tsconfigs = readdirSync(project.dir).filter((f) => /^tsconfig.*\.json$/.test(f));
  for (const entry of [...PROJECT_INPUTS, ...tsconfigs]) {
    for (const file of listFiles(join(project.dir, entry))) {
      if (file.endsWith('.test.ts')) continue;
      inputs[relative(ROOT, file)] = hashFile(file);
    }
  }
  for (const file of SHARED_INPUTS) inputs[file] = hashFile(join(ROOT, file));
  for (const [tool, version] of Object.entries(tools)) inputs[`tool:${tool}`] = version;
  for (const dep of project.deps) inputs[`output:${dep}`] = outputs.get(dep) ?? 'unbuilt';
  return inputs;
}

function digest(inputs) {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

function readStamp(project) {
  try {
    return JSON.parse(readFileSync(join(project.dir, 'dist', STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Why `project` needs a build, or undefined when its last build is current. */
function staleReason(stamp, inputs) {
  if (force) return 'forced';
  if (!stamp) return 'no previous build';
  const changed = Object.keys({ ...inputs, ...stamp.inputs }).filter(
    (k) => inputs[k] !== stamp.inputs[k],
  );
  if (changed.length === 0) return undefined;
  const shown = changed.slice(0, 3).join(', ');
  return `changed: ${shown}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''}`;
}

function run(project) {
  const command = project.manifest.scripts.build;
  const bins = [join(project.dir, 'node_modules', '.bin'), join(ROOT, 'node_modules', '.bin')];
  return new Promise((resolve) => {
    const child = spawn(command, {
      cwd: project.dir,
      shell: true,
      env: { ...process.env, PATH: [...bins, process.env.PATH].join(delimiter) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output, command }));
  });
}

function selected(projects) {
  if (wanted.length === 0) return projects;
  const byName = new Map(projects.map((p) => [p.name, p]));
  const keep = new Set();
  const add = (p) => {
    if (keep.has(p.name)) return;
    keep.add(p.name);
    for (const d of p.deps) add(byName.get(d));
  };
  for (const w of wanted) {
    const p = projects.find((q) => q.name === w || q.rel === w.replace(/\/$/, ''));
    if (!p) throw new Error(`build: no workspace project ${w}`);
    add(p);
  }
  return projects.filter((p) => keep.has(p.name));
}

async function main() {
  const started = performance.now();
  const projects = selected(workspaceProjects().filter((p) => p.manifest.scripts?.build));
  const tools = toolVersions();
  const outputs = new Map(); // project name -> digest of its inputs (stands for its output)
  const done = new Map(); // project name -> promise of its digest
  const limit = Math.max(1, Math.min(2, availableParallelism()));
  let running = 0;
  const queue = [];
  const slot = () =>
    running < limit ? Promise.resolve(running++) : new Promise((r) => queue.push(r));
  const release = () => (queue.length ? queue.shift()() : running--);
  let rebuilt = 0;

  const build = async (project) => {
    await Promise.all(project.deps.filter((d) => done.has(d)).map((d) => done.get(d)));
    const inputs = projectInputs(project, tools, outputs);
    const hash = digest(inputs);
    const reason = staleReason(readStamp(project), inputs);
    if (reason === undefined) {
      console.log(`build: ${project.name} up to date`);
      outputs.set(project.name, hash);
      return;
    }
    await slot();
    try {
      console.log(`build: ${project.name} (${reason}) → ${project.manifest.scripts.build}`);
      const t0 = performance.now();
      rmSync(join(project.dir, 'dist'), { recursive: true, force: true });
      const { code, output } = await run(project);
      if (output.trim()) process.stdout.write(`${output.replace(/^/gm, `  ${project.name}: `)}\n`);
      if (code !== 0) throw new Error(`build: ${project.name} failed (exit ${code})`);
      writeFileSync(join(project.dir, 'dist', STAMP), `${JSON.stringify({ hash, inputs })}\n`);
      console.log(
        `build: ${project.name} built in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
      );
      outputs.set(project.name, hash);
      rebuilt++;
    } finally {
      release();
    }
  };
  for (const project of projects) done.set(project.name, build(project));
  const results = await Promise.allSettled(done.values());
  const failed = results.filter((r) => r.status === 'rejected');
  for (const f of failed) console.error(f.reason instanceof Error ? f.reason.message : f.reason);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failed.length) {
    console.error(`build: ${failed.length} failed`);
    process.exit(1);
  }
  console.log(`build: ${rebuilt} of ${projects.length} rebuilt in ${seconds}s`);
}

/**
 * One build at a time in a checkout: tests that build first (docs, tarballs) may start together.
 * A lock left by a process that died is taken over.
 */
async function withLock(work) {
  const lock = join(ROOT, 'node_modules', '.cache', 'memkit-build.lock');
  mkdirSync(join(lock, '..'), { recursive: true });
  const deadline = Date.now() + 15 * 60_000;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // being written or removed
      }
      let alive = true;
      if (Number.isInteger(holder) && holder > 0) {
        try {
          process.kill(holder, 0);
        } catch {
          alive = false;
        }
      }
      if (!alive) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`build: ${lock} held by ${holder} for too long`);
      if (!told) console.log(`build: waiting for the build running as pid ${holder}`);
      told = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

await withLock(main);
