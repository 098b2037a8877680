// Packs every public package as it would be published: built first (only what changed), then
// `pnpm pack`, which turns workspace:* into versions and runs the beforePacking hook of
// .pnpmfile.cjs (dropping the "@memkit/source" condition).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { publicPackages, ROOT } from './workspace.mjs';

/** How to run pnpm from here: the pnpm running this script, else pnpm 10 through npx. */
export function pnpmCommand() {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(basename(execPath))) return [process.execPath, [execPath]];
  return ['npx', ['-y', 'pnpm@10']];
}

/** Builds what changed, then packs each public package into `dest`. Returns the tarballs. */
export function packPublicPackages(dest, { log = console.log } = {}) {
  mkdirSync(dest, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const [cmd, pre] = pnpmCommand();
  return publicPackages().map((p) => {
    const { name, version } = p.manifest;
    log(`pack: ${name}@${version}`);
    execFileSync(cmd, [...pre, 'pack', '--pack-destination', dest], {
      cwd: p.dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const file = join(dest, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
    return { name, version, dir: p.dir, manifest: p.manifest, file };
  });
}
