#!/usr/bin/env node
// Checks every public package the way a registry user meets it: packs it, then runs publint
// and @arethetypeswrong/cli (profile node16: CommonJS and ESM consumers; every entry point in
// the exports map) on the tarball. Exits non-zero on any problem, warnings and suggestions
// included.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { packPublicPackages } from './pack.mjs';
import { ROOT } from './workspace.mjs';

const dest = mkdtempSync(join(tmpdir(), 'memkit-check-'));
let problems = 0;
try {
  for (const pkg of packPublicPackages(dest)) {
    const tarball = readFileSync(pkg.file);
    const { messages, pkg: manifest } = await publint({
      pack: {
        tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength),
      },
      level: 'suggestion',
      strict: true,
    });
    for (const m of messages)
      console.log(`publint: ${pkg.name}: ${m.type}: ${formatMessage(m, manifest)}`);
    console.log(
      `publint: ${pkg.name}: ${messages.length === 0 ? 'ok' : `${messages.length} problems`}`,
    );
    problems += messages.length;
    try {
      execFileSync(
        join(ROOT, 'node_modules', '.bin', 'attw'),
        [pkg.file, '--profile', 'node16', '--format', 'table-flipped'],
        {
          stdio: 'inherit',
        },
      );
      console.log(`attw: ${pkg.name}: ok`);
    } catch {
      console.log(`attw: ${pkg.name}: problems (above)`);
      problems++;
    }
  }
} finally {
  rmSync(dest, { recursive: true, force: true });
}
if (problems > 0) {
  console.error(`check-packages: ${problems} problems`);
  process.exit(1);
}
console.log('check-packages: every public package passes publint and attw');
