import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
// Tests import workspace packages from their TypeScript sources (the "@memkit/source"
// export condition), so a test run never depends on a stale dist/.
const conditions = ['@memkit/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  root,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@memkit/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CI reads the JSON report to print the "N passed, N failed" line.
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.vitest-results.json' }]]
      : ['default'],
  },
});
