#!/usr/bin/env node
// `pnpm demo`: the Express demo API, on the in-process memcached unless MEMCACHED_SERVERS is set.
import { startDemo } from './demo.js';
import { describeStartError } from './start-error.js';

let demo: Awaited<ReturnType<typeof startDemo>>;
try {
  demo = await startDemo(process.env);
} catch (err) {
  const { line, exitCode } = describeStartError('demo-api', err);
  process.stderr.write(`${line}\n`);
  process.exit(exitCode);
}
const shutdown = (signal: NodeJS.Signals): void => {
  process.stdout.write(`${signal}: draining requests and closing memcached connections\n`);
  process.off('SIGINT', shutdown);
  process.off('SIGTERM', shutdown);
  demo.close().then(
    () => process.stdout.write('demo-api stopped\n'),
    (err: unknown) => {
      process.stderr.write(`demo-api: shutdown failed: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
