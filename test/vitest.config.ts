import { fileURLToPath } from 'node:url';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));
// Tests import workspace packages from their TypeScript sources (the "@memkit/source"
// export condition), so a test run never depends on a stale dist/.
// Only Vite's own server conditions besides ours: adding 'import' here leaks into how
// externalized CommonJS dependencies resolve (Express 5's router then loads is-promise's ESM
// build through require() and breaks).
const conditions = ['@memkit/source', ...defaultServerConditions];

export default defineConfig({
  root,
  resolve: { conditions },
  ssr: { resolve: { conditions } },
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
