import { createRequire } from 'node:module';

/** The version of @memkit/core, from its package.json (next to src/ and dist/ alike). */
export function packageVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('../../package.json') as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
