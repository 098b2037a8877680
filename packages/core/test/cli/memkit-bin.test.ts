import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/index.js';

const run = promisify(execFile);
// The launcher runs the compiled CLI: `pnpm test` builds before running the suite.
const bin = fileURLToPath(new URL('../../bin/memkit.js', import.meta.url));

describe('the memkit bin', () => {
  let server: MemcachedServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs health against MEMCACHED_SERVERS and exits 0', async () => {
    const { stdout } = await run(process.execPath, [bin, 'health'], {
      env: { ...process.env, MEMCACHED_SERVERS: server.address },
    });
    expect(stdout).toContain(`✓ ${server.address}`);
    expect(stdout).toContain('cluster HEALTHY: 1/1 nodes up');
  });

  it('exits 2 when every node is down', async () => {
    const dead = await startServer();
    const address = dead.address;
    await dead.close();
    await expect(
      run(process.execPath, [bin, 'health', '--servers', address]),
    ).rejects.toMatchObject({
      code: 2,
    });
  });
});
