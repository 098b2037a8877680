// The one tsup configuration every published @memkit/* package builds with. A package's own
// tsup.config.ts calls `packageConfig(import.meta.dirname)`; its entry points come from the
// "@memkit/source" condition of each export in its package.json, so adding a subpath is one
// entry in "exports" (see ARCHITECTURE.md, "Adding a package or a subpath").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'tsup';

type Conditions = { [condition: string]: string | Conditions };

interface Manifest {
  name: string;
  exports?: Record<string, string | Conditions>;
}

/** Options a package may add to the derived configuration. */
export interface PackageConfigOptions {
  /**
   * Entry points that are not exports, as `src/`-relative paths without extension
   * (`cli/memkit-server`): what a `bin` launcher imports from `dist/`.
   */
  extraEntries?: string[];
}

/** The dist paths an export must name for an entry built from `src/<name>.ts`. */
export function expectedTargets(name: string): Conditions {
  return {
    import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
    require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
  };
}

/**
 * The entries of a package, keyed by their output name (`redis/index`), read from the
 * "@memkit/source" condition of its exports. Throws when an export's other conditions do not
 * name the files the build writes, so a half-added subpath fails the build, not a user.
 */
export function packageEntries(dir: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target === 'string') continue; // "./package.json" and other plain files
    const source = target['@memkit/source'];
    if (typeof source !== 'string') continue;
    const match = /^\.\/src\/(.+)\.ts$/.exec(source);
    if (!match?.[1]) {
      throw new Error(`${manifest.name}: exports["${subpath}"] source ${source} is not ./src/*.ts`);
    }
    const name = match[1];
    const { '@memkit/source': _, ...rest } = target;
    const expected = expectedTargets(name);
    if (JSON.stringify(rest) !== JSON.stringify(expected)) {
      throw new Error(
        `${manifest.name}: exports["${subpath}"] must be ${JSON.stringify({ '@memkit/source': source, ...expected })}`,
      );
    }
    entries[name] = source.slice(2);
  }
  return entries;
}

/** The tsup options for the package in `dir`: ESM + CommonJS, each with its own declarations. */
export function packageConfig(dir: string, options: PackageConfigOptions = {}): Options {
  const entry = packageEntries(dir);
  for (const name of options.extraEntries ?? []) entry[name] = `src/${name}.ts`;
  return {
    entry,
    format: ['esm', 'cjs'],
    // One build for both module systems: .js/.d.ts (ESM) and .cjs/.d.cts (CommonJS).
    dts: { compilerOptions: { composite: false, declarationMap: false } },
    tsconfig: 'tsconfig.build.json',
    // Shared code goes into chunks in both formats, so a class has one identity across
    // subpaths (an error thrown by @memkit/core/redis is instanceof @memkit/core's class).
    splitting: true,
    // import.meta.url (createRequire for optional peers) works in the CommonJS build too.
    shims: true,
    sourcemap: true,
    clean: true,
    platform: 'node',
    target: 'node20',
    silent: true,
  };
}
