import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemcachedServer, startServer } from '../../src/index.js';

const run = promisify(execFile);
// The launcher runs the compiled CLI: `pnpm test` builds before running the suite.
const bin = fileURLToPath(new URL('../../bin/memkit.js', import.meta.url));
const serverBin = fileURLToPath(new URL('../../bin/memkit-server.js', import.meta.url));

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

  it('memkit --version and memkit-server --version print the version and exit 0', async () => {
    const { version } = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
    );
    expect((await run(process.execPath, [bin, '--version'])).stdout).toBe(`memkit ${version}\n`);
    expect((await run(process.execPath, [serverBin, '--version'])).stdout).toContain(
      `memkit-server ${version}`,
    );
  });

  it('a malformed --servers exits 64 with one line naming it', async () => {
    await expect(
      run(process.execPath, [bin, 'health', '--servers', 'foo:bar']),
    ).rejects.toMatchObject({
      code: 64,
      stdout: '',
      stderr: expect.stringMatching(/^memkit health: invalid --servers 'foo:bar': [^\n]+\n$/),
    });
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
