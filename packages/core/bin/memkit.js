#!/usr/bin/env node
// Thin launcher: the real entry point is compiled TypeScript (pnpm build).
import { main } from '../dist/cli/memkit.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`memkit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
