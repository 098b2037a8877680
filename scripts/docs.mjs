#!/usr/bin/env node
// API reference: TypeDoc over the entry points of every public package (the "@memkit/source"
// file of each export), written to docs/api/. A new package or subpath is picked up from its
// package.json; nothing here lists them.
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { publicPackages, ROOT } from './workspace.mjs';

const entryPoints = [];
for (const p of publicPackages()) {
  for (const target of Object.values(p.manifest.exports ?? {})) {
    const source = typeof target === 'object' ? target['@memkit/source'] : undefined;
    if (typeof source === 'string') entryPoints.push(relative(ROOT, join(p.dir, source)));
  }
}
console.log(`docs: TypeDoc over ${entryPoints.length} entry points → docs/api/`);
execFileSync(
  join(ROOT, 'node_modules', '.bin', 'typedoc'),
  ['--options', join(ROOT, 'typedoc.json'), ...entryPoints.flatMap((e) => ['--entryPoints', e])],
  { cwd: ROOT, stdio: 'inherit' },
);
