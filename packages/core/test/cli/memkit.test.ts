import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type RealMemcached,
  requireBinary,
  startRealMemcached,
} from '../../../../test/support/memcached.js';
import { main } from '../../src/cli/memkit.js';
import type { CliIo } from '../../src/cli/memkit-io.js';
import { MemcachedClient, type MemcachedServer, startServer } from '../../src/index.js';

interface Run {
  code: number;
  out: string;
  err: string;
  asked: string[];
}

async function run(
  argv: string[],
  options: { env?: Record<string, string>; answer?: boolean } = {},
): Promise<Run> {
  let out = '';
  let err = '';
  const asked: string[] = [];
  const io: CliIo = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: options.env ?? {},
    confirm: async (q) => {
      asked.push(q);
      return options.answer ?? false;
    },
  };
  const code = await main(argv, io);
  return { code, out, err, asked };
}

/** A port nothing listens on, for a node that is down. */
async function deadAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

function suite(name: string, start: () => Promise<{ address: string; close(): Promise<void> }>) {
  describe(`memkit CLI against ${name}`, () => {
    let a: { address: string; close(): Promise<void> };
    let b: { address: string; close(): Promise<void> };
    let client: MemcachedClient;
    beforeAll(async () => {
      a = await start();
      b = await start();
      client = new MemcachedClient([a.address, b.address]);
    });
    afterAll(async () => {
      await client.close();
      await a.close();
      await b.close();
    });

    it('stats prints the monitoring report per server', async () => {
      await client.set('cli-k', 'v');
      await client.get('cli-k');
      const r = await run(['stats', '--servers', `${a.address},${b.address}`]);
      expect(r.code).toBe(0);
      for (const label of [
        'version',
        'uptime',
        'connections current',
        'connections total',
        'connections max',
        'connections rejected',
        'memory used',
        'memory limit',
        'memory used %',
        'hit rate',
        'items current',
        'items total',
        'evictions',
        'reclaimed',
        'get commands',
        'set commands',
      ]) {
        expect(r.out).toMatch(new RegExp(`^${label.replace('%', '\\%')}\\s`, 'm'));
      }
      expect(r.out).toContain(a.address);
      expect(r.out).toContain(b.address);
      expect(r.out).toContain('64.0 MiB');
    });

    it('stats --json gives the numbers per server, read from MEMCACHED_SERVERS', async () => {
      await client.flushAll();
      await client.set('cli-j', 'v');
      const owner = client.serverFor('cli-j');
      await client.get('cli-j');
      await client.get('cli-missing-on-owner-or-not');
      const r = await run(['stats', '--json'], {
        env: { MEMCACHED_SERVERS: `${a.address},${b.address}` },
      });
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out) as Record<string, Record<string, number | string | null>>;
      expect(Object.keys(report).sort()).toEqual([a.address, b.address].sort());
      const s = report[owner]!;
      // flush_all leaves flushed items counted until they are reclaimed, as memcached does.
      expect(s.currentItems).toBeGreaterThanOrEqual(1);
      expect(s.bytesLimit).toBe(64 * 1024 * 1024);
      expect(typeof s.version).toBe('string');
      expect(s.getHits).toBeGreaterThanOrEqual(1);
      expect(s.currentConnections).toBeGreaterThanOrEqual(1);
    });

    it('health is HEALTHY (exit 0) when every node answers', async () => {
      const r = await run(['health', '--servers', `${a.address},${b.address}`]);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`✓ ${a.address}`);
      expect(r.out).toContain(`✓ ${b.address}`);
      expect(r.out).toContain('cluster HEALTHY: 2/2 nodes up');
    });

    it('health is DEGRADED (exit 1) with a node down and DOWN (exit 2) with all down', async () => {
      const dead = await deadAddress();
      const degraded = await run(['health', '--servers', `${a.address},${dead}`]);
      expect(degraded.code).toBe(1);
      expect(degraded.out).toContain(`✗ ${dead}`);
      expect(degraded.out).toContain('cluster DEGRADED: 1/2 nodes up');
      const down = await run(['health', '--servers', dead, '--json']);
      expect(down.code).toBe(2);
      expect(JSON.parse(down.out)).toMatchObject({ state: 'DOWN', up: 0, total: 1 });
    });

    it('flush asks first and does nothing when the answer is no', async () => {
      await client.set('cli-keep', 'v');
      const r = await run(['flush', '--servers', `${a.address},${b.address}`], { answer: false });
      expect(r.code).toBe(1);
      expect(r.asked[0]).toContain('Flush ALL items on 2 server(s)');
      expect(await client.get('cli-keep')).toBe('v');
    });

    it('flush --yes flushes every server without asking', async () => {
      await client.set('cli-gone', 'v');
      const r = await run(['flush', '--servers', `${a.address},${b.address}`, '--yes']);
      expect(r.code).toBe(0);
      expect(r.asked).toEqual([]);
      expect(await client.get('cli-gone')).toBeNull();
    });
  });
}

suite('the in-process server', async () => {
  const s: MemcachedServer = await startServer();
  return s;
});

describe.skipIf(!requireBinary('memcached'))('real memcached', () => {
  let real: RealMemcached[] = [];
  afterAll(async () => {
    await Promise.all(real.map((r) => r.stop()));
    real = [];
  });
  suite('a real memcached', async () => {
    const r = await startRealMemcached();
    real.push(r);
    return { address: r.address, close: async () => {} };
  });
});

describe('memkit flush, server by server', () => {
  it('one dead node of two: the live one is flushed and said so, the dead one failed, exit 1', async () => {
    const live = await startServer();
    const client = new MemcachedClient(live.address);
    try {
      await client.set('flush-me', 'v');
      const dead = await deadAddress();
      const r = await run(['flush', '--servers', `${live.address},${dead}`, '--yes']);
      expect(r.out).toContain(`✓ ${live.address}  flushed\n`);
      expect(r.out).toMatch(
        new RegExp(
          `✗ ${dead}  failed: cannot connect \\(ECONNREFUSED\\) \\(ERR_MEMCACHED_CONNECTION\\)`,
        ),
      );
      expect(r.out).toContain('flush: 1 flushed, 1 failed, 0 unknown\n');
      expect(r.code).toBe(1);
      expect(await client.get('flush-me')).toBeNull();
    } finally {
      await client.close();
      await live.close();
    }
  });

  it('a hung node: the outcome is unknown (exit 3), and indeed the flush happens once it answers', async () => {
    const hung = await startServer();
    const client = new MemcachedClient(hung.address);
    try {
      await client.set('flush-later', 'v');
      hung.hang();
      const r = await run(['flush', '--servers', hung.address, '--yes', '--timeout-ms', '200']);
      expect(r.out).toContain(
        `? ${hung.address}  unknown: no reply within 200 ms; the flush may have happened (ERR_MEMCACHED_TIMEOUT)`,
      );
      expect(r.out).toContain('flush: 0 flushed, 0 failed, 1 unknown\n');
      expect(r.code).toBe(3);
      hung.resume();
      // The flush_all the CLI sent was read and applied on resume.
      await expect.poll(() => hung.stats().cmd_flush, { timeout: 5000 }).toBe(1);
      expect(await client.get('flush-later')).toBeNull();
    } finally {
      await client.close();
      await hung.close();
    }
  });

  it('a node that refuses flush_all (-F) failed, exit 1', async () => {
    const strict = await startServer({ flushEnabled: false });
    try {
      const r = await run(['flush', '--servers', strict.address, '--yes']);
      expect(r.out).toMatch(new RegExp(`^✗ ${strict.address}  failed: the server refused: `));
      expect(r.code).toBe(1);
    } finally {
      await strict.close();
    }
  });
});

describe('memkit CLI usage', () => {
  it('a malformed server list is a usage error (exit 64) naming it, never a DOWN cluster', async () => {
    for (const cmd of ['health', 'stats', 'flush']) {
      const r = await run([cmd, '--servers', 'foo:bar', '--yes'].slice(0, cmd === 'flush' ? 4 : 3));
      expect(r.code).toBe(64);
      expect(r.err).toBe(
        `memkit ${cmd}: invalid --servers 'foo:bar': expected comma-separated host:port entries with ports 1-65535, e.g. 10.0.0.1:11211,10.0.0.2:11211\n`,
      );
      expect(r.out).toBe('');
    }
    const env = await run(['health'], { env: { MEMCACHED_SERVERS: 'a:1,b:99999' } });
    expect(env.code).toBe(64);
    expect(env.err).toContain("invalid MEMCACHED_SERVERS 'a:1,b:99999'");
  });

  it('flush without --yes and without a terminal is a usage error (exit 64); nothing is flushed', async () => {
    const server = await startServer();
    const client = new MemcachedClient(server.address);
    try {
      await client.set('kept', 'v');
      let err = '';
      const code = await main(['flush', '--servers', server.address], {
        stdout: () => {},
        stderr: (t) => {
          err += t;
        },
        env: {},
        interactive: false,
        confirm: async () => true,
      });
      expect(code).toBe(64);
      expect(err).toBe(
        'memkit flush: no terminal to ask for confirmation on: pass --yes to flush\n',
      );
      expect(await client.get('kept')).toBe('v');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('--version prints the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^memkit \d+\.\d+\.\d+\n$/);
    }
  });

  it('--help on the CLI and on each command', async () => {
    expect((await run(['--help'])).out).toContain('Usage: memkit <command>');
    for (const cmd of ['stats', 'health', 'flush']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: memkit ${cmd}`);
      expect(r.out).toContain('MEMCACHED_SERVERS');
    }
    const server = await run(['server', '--help']);
    expect(server.code).toBe(0);
  });

  it('rejects unknown commands and options with exit 64', async () => {
    expect((await run(['frobnicate'])).code).toBe(64);
    const r = await run(['stats', '--yes']);
    expect(r.code).toBe(64);
    expect(r.err).toContain("unknown option '--yes'");
  });
});
