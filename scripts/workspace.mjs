// The workspace's projects, read from disk so that a new package or app needs no list edited:
// every directory under packages/ and apps/ with a package.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every project under packages/ and apps/, in dependency order (a project after the workspace
 * projects it depends on). Each is `{ name, dir, rel, manifest, deps }`.
 */
export function workspaceProjects() {
  const projects = [];
  for (const group of ['packages', 'apps']) {
    const base = join(ROOT, group);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      const dir = join(base, entry.name);
      const file = join(dir, 'package.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      projects.push({ name: manifest.name, dir, rel: relative(ROOT, dir), manifest, deps: [] });
    }
  }
  const byName = new Map(projects.map((p) => [p.name, p]));
  for (const p of projects) {
    const { dependencies = {}, devDependencies = {}, peerDependencies = {} } = p.manifest;
    const names = new Set([
      ...Object.keys(dependencies),
      ...Object.keys(devDependencies),
      ...Object.keys(peerDependencies),
    ]);
    p.deps = [...names].filter((n) => byName.has(n) && n !== p.name);
  }
  const ordered = [];
  const state = new Map();
  const visit = (p, path) => {
    if (state.get(p.name) === 'done') return;
    if (state.get(p.name) === 'visiting') {
      throw new Error(`workspace dependency cycle: ${[...path, p.name].join(' -> ')}`);
    }
    state.set(p.name, 'visiting');
    for (const d of p.deps) visit(byName.get(d), [...path, p.name]);
    state.set(p.name, 'done');
    ordered.push(p);
  };
  for (const p of projects.sort((a, b) => a.rel.localeCompare(b.rel))) visit(p, []);
  return ordered;
}

/** The packages users install: those under packages/ whose package.json is not private. */
export function publicPackages() {
  return workspaceProjects().filter((p) => p.rel.startsWith('packages') && !p.manifest.private);
}
