#!/usr/bin/env node
import { describeStartError } from '@memkit/demo-api';
// `pnpm demo:fastify`: the Fastify demo API, on the in-process memcached unless MEMCACHED_SERVERS is set.
import { startFastifyDemo } from './demo.js';

let demo: Awaited<ReturnType<typeof startFastifyDemo>>;
try {
  demo = await startFastifyDemo(process.env);
} catch (err) {
  const { line, exitCode } = describeStartError('demo-fastify', err);
  process.stderr.write(`${line}\n`);
  process.exit(exitCode);
}
const shutdown = (signal: NodeJS.Signals): void => {
  process.stdout.write(`${signal}: draining requests and closing memcached connections\n`);
  process.off('SIGINT', shutdown);
  process.off('SIGTERM', shutdown);
  demo.close().then(
    () => process.stdout.write('demo-fastify stopped\n'),
    (err: unknown) => {
      process.stderr.write(`demo-fastify: shutdown failed: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
