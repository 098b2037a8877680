import { createRequire } from 'node:module';
import { type MemcachedServer, type ServerOptions, startServer } from '@memkit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RealMemcached, requireBinary, startRealMemcached } from '../support/memcached.js';

/** The part of memjs 1.3's public API used here (memjs ships no types). */
interface MemjsClient {
  get(key: string): Promise<{ value: Buffer | null; flags: Buffer | null }>;
  set(key: string, value: string, options?: { expires?: number }): Promise<boolean>;
  add(key: string, value: string, options?: { expires?: number }): Promise<boolean>;
  replace(key: string, value: string, options?: { expires?: number }): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  increment(
    key: string,
    amount: number,
    options?: { initial?: number; expires?: number },
  ): Promise<{ success: boolean; value?: number | null }>;
  decrement(
    key: string,
    amount: number,
    options?: { initial?: number; expires?: number },
  ): Promise<{ success: boolean; value?: number | null }>;
  append(key: string, value: string): Promise<boolean>;
  prepend(key: string, value: string): Promise<boolean>;
  touch(key: string, expires: number): Promise<boolean>;
  flush(): Promise<Record<string, boolean | Error>>;
  stats(
    cb: (err: Error | null, server: string, stats: Record<string, string> | null) => void,
  ): void;
  statsWithKey(
    key: string,
    cb: (err: Error | null, server: string, stats: Record<string, string> | null) => void,
  ): void;
  close(): void;
}

interface Memjs {
  Client: {
    create(
      servers: string,
      options?: {
        username?: string;
        password?: string;
        retries?: number;
        timeout?: number;
        logger?: { log(...args: unknown[]): void };
      },
    ): MemjsClient;
  };
}

const memjs = createRequire(import.meta.url)('memjs') as Memjs;
const quiet = { log: () => {} };

const servers: MemcachedServer[] = [];
const clients: MemjsClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function connect(
  options: ServerOptions = {},
  credentials: { username?: string; password?: string } = {},
): Promise<[MemcachedServer, MemjsClient]> {
  const server = await startServer(options);
  servers.push(server);
  const client = memjs.Client.create(server.address, {
    retries: 0,
    timeout: 2,
    logger: quiet,
    ...credentials,
  });
  clients.push(client);
  return [server, client];
}

function stats(client: MemjsClient, key = ''): Promise<Record<string, string>> {
  return new Promise((resolve, reject) =>
    client.statsWithKey(key, (err, _server, s) => (err || !s ? reject(err) : resolve(s))),
  );
}

/**
 * memjs's whole public API, as its users' tests would run it; the same assertions hold on
 * memcached 1.6.18 (checked below), so they say what memcached does, memjs's quirks included.
 */
async function exercise(address: string, client: MemjsClient): Promise<void> {
  expect(await client.set('k', 'v1', { expires: 60 })).toBe(true);
  expect((await client.get('k')).value?.toString()).toBe('v1');
  expect((await client.get('missing')).value).toBeNull();
  expect(await client.add('k', 'v2')).toBe(false);
  expect(await client.add('fresh', 'a')).toBe(true);
  expect(await client.replace('k', 'v3')).toBe(true);
  expect(await client.replace('nope', 'x')).toBe(false);
  expect(await client.append('k', '-end')).toBe(true);
  expect(await client.prepend('k', 'start-')).toBe(true);
  // memjs 1.3.2 sends prepend with APPEND's opcode (0x0E), so memcached appends.
  expect((await client.get('k')).value?.toString()).toBe('v3-endstart-');
  expect(await client.delete('k')).toBe(true);
  expect(await client.delete('k')).toBe(false);
  expect(await client.increment('n', 5, { initial: 10 })).toEqual({ success: true, value: 10 });
  expect(await client.increment('n', 5, {})).toEqual({ success: true, value: 15 });
  expect(await client.decrement('n', 20, {})).toEqual({ success: true, value: 0 });
  // An absolute expiry in the past (2001) expires the item at once.
  expect(await client.touch('fresh', 1_000_000_000)).toBe(true);
  expect((await client.get('fresh')).value).toBeNull();
  expect(await client.touch('fresh', 60)).toBe(false);
  const general = await stats(client);
  expect(general.version).toBe('1.6.18');
  expect(Number(general.cmd_get)).toBeGreaterThan(0);
  expect((await stats(client, 'settings')).binding_protocol).toBeDefined();
  expect(await client.flush()).toEqual({ [address]: true });
  expect((await client.get('n')).value).toBeNull();
}

describe('memjs (binary protocol) against memkit-server', () => {
  it('runs get/set/add/replace/append/prepend/delete/incr/decr/touch/stats/flush', async () => {
    const [server, client] = await connect();
    await exercise(server.address, client);
  });

  it('does the same over SASL PLAIN when the server requires it', async () => {
    const [server, client] = await connect(
      { sasl: { username: 'memjs', password: 'pa55' } },
      { username: 'memjs', password: 'pa55' },
    );
    await exercise(server.address, client);
    expect(server.stats()).toMatchObject({ auth_cmds: 1, auth_errors: 0 });
  });

  it('fails every request when the SASL credentials are wrong', async () => {
    const [server, client] = await connect(
      { sasl: { username: 'memjs', password: 'pa55' } },
      { username: 'memjs', password: 'nope' },
    );
    await expect(client.get('k')).rejects.toThrow();
    expect(server.stats()).toMatchObject({ auth_errors: 1 });
  });
});

describe.skipIf(!requireBinary('memcached'))(
  'the same memjs checks against memcached 1.6.18',
  () => {
    let real: RealMemcached | undefined;
    afterEach(async () => {
      await real?.stop();
    });

    it('gives the results memkit-server gives', async () => {
      real = await startRealMemcached();
      const client = memjs.Client.create(real.address, { retries: 0, timeout: 2, logger: quiet });
      clients.push(client);
      await exercise(real.address, client);
    });
  },
);
